package io.caucus.core;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where one member can be reached, by kind of address: its Raft address under {@link #RAFT}, and whatever other
 * kinds the runtime keeps (caucus-kv: {@link #CLIENT} and {@link #ADMIN}). The core never reads these (Raft
 * paper §6 leaves addresses to the implementation): a configuration carries them from one entry to the next,
 * a kind it does not know included, so a new kind of address needs no new encoding.
 *
 * <p>Invariant: at least one kind; each kind is 1-64 characters of {@code a-z}, {@code 0-9}, {@code -} and
 * {@code _}; each address is non-empty and at most {@link #MAX_ADDRESS_CHARS} characters.
 */
public record MemberAddresses(Map<String, String> byKind) {

    /** Where peers send this member Raft messages: {@code host:port}. */
    public static final String RAFT = "raft";
    /** Where clients reach this member (caucus-kv: its RESP port). */
    public static final String CLIENT = "client";
    /** Where operators reach this member (caucus-kv: its admin HTTP port). */
    public static final String ADMIN = "admin";
    /** The longest address kept (the encoding's length field is two bytes). */
    public static final int MAX_ADDRESS_CHARS = 1024;
    private static final int MAX_KIND_CHARS = 64;

    public MemberAddresses {
        Map<String, String> copy = new TreeMap<>();
        for (Map.Entry<String, String> entry : byKind.entrySet()) {
            copy.put(checkedKind(entry.getKey()), checkedAddress(entry.getKey(), entry.getValue()));
        }
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("a member's addresses need at least one kind");
        }
        byKind = Collections.unmodifiableMap(copy);
    }

    /** A member known by its Raft address alone. */
    public static MemberAddresses ofRaft(String raft) {
        return new MemberAddresses(Map.of(RAFT, raft));
    }

    /** The address of {@code kind}, if this member has one. */
    public Optional<String> address(String kind) {
        return Optional.ofNullable(byKind.get(kind));
    }

    /** The Raft address, if given. */
    public Optional<String> raft() {
        return address(RAFT);
    }

    /** True if the Raft address is the only one: such a configuration keeps its older encoding. */
    boolean isRaftOnly() {
        return byKind.size() == 1 && byKind.containsKey(RAFT);
    }

    private static String checkedKind(String kind) {
        if (kind == null || kind.isEmpty() || kind.length() > MAX_KIND_CHARS) {
            throw new IllegalArgumentException("an address kind must be 1-" + MAX_KIND_CHARS + " characters: '"
                    + kind + "'");
        }
        for (int i = 0; i < kind.length(); i++) {
            char c = kind.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                throw new IllegalArgumentException("an address kind takes a-z, 0-9, '-' and '_': '" + kind + "'");
            }
        }
        return kind;
    }

    private static String checkedAddress(String kind, String address) {
        if (address == null || address.isEmpty() || address.length() > MAX_ADDRESS_CHARS) {
            throw new IllegalArgumentException("the " + kind + " address must be 1-" + MAX_ADDRESS_CHARS
                    + " characters");
        }
        return address;
    }

    @Override
    public String toString() {
        return byKind.toString();
    }
}
