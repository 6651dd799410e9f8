package io.caucus.kv.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A fingerprint of a replica's keyspace at one applied index, served on {@code GET /digest}. Replicas that
 * applied the same log prefix must report equal digests (State Machine Safety, Raft §5.4.3); the chaos tester
 * compares them after healing.
 *
 * @param appliedIndex the last log index applied
 * @param keys         the number of keys (expired ones not yet swept included: they are state too)
 * @param sha256       SHA-256 over the keys in byte order, each with its type, expiry and contents in a
 *                     canonical order (hash fields and set members sorted, lists in order, sorted sets by score)
 */
public record StateDigest(long appliedIndex, int keys, String sha256) {

    static StateDigest of(long appliedIndex, Keyspace keyspace) {
        return of(appliedIndex, keyspace, null);
    }

    /**
     * A fingerprint of everything a replica holds at one applied index, canonical where tables may differ between
     * equal states (key and deletion order depend on a table's size and history; snapshot bytes do too): the keys
     * as above with each key's WATCH modification index, the time, the WATCH deletion memory sorted by key, the
     * session table and the script cache in their (replicated) order of use, and the group's part in slot moves
     * (slot states, staged copies with their versions, released and promoted names sorted, the fence, copies in
     * parts). Not the applied index, which counts entries the state machine never sees (no-ops): compare it apart.
     */
    static String ofWholeState(long appliedIndex, long timeMillis, Keyspace keyspace,
                               List<KvSnapshotFormat.SessionEntry> sessions, List<byte[]> scripts,
                               SlotMoves.Saved moves) {
        Hasher sha = new Hasher();
        sha.number(timeMillis);
        sha.bytes(of(appliedIndex, keyspace, sha).sha256().getBytes(StandardCharsets.US_ASCII));
        Keyspace.WatchMemory watch = keyspace.watchMemory();
        sha.number(watch.forgottenBelowIndex());
        List<Dict.Entry<Long>> deletions = new ArrayList<>(watch.recentDeletions());
        deletions.sort((a, b) -> Arrays.compareUnsigned(a.key(), b.key()));
        for (Dict.Entry<Long> deletion : deletions) {
            sha.bytes(deletion.key());
            sha.number(deletion.value());
        }
        for (KvSnapshotFormat.SessionEntry session : sessions) {
            sha.number(session.clientId());
            sha.number(session.session().lastSequence());
            sha.bytes(session.session().lastResult() == null ? new byte[0] : session.session().lastResult());
        }
        for (byte[] script : scripts) {
            sha.bytes(script);
        }
        hashMoves(sha, moves);
        return HexFormat.of().formatHex(sha.digest.digest());
    }

    private static void hashMoves(Hasher sha, SlotMoves.Saved moves) {
        moves.slots().forEach((slot, state) -> {
            sha.number(slot);
            sha.number(state.code());
            sha.number(state.peer());
        });
        List<KeyEntry> staged = new ArrayList<>();
        moves.staged().forEach(e -> staged.add((KeyEntry) e));
        sha.bytes(digestOf(staged, sha).getBytes(StandardCharsets.US_ASCII));
        for (SetValue names : List.of(moves.released(), moves.promoted())) {
            sha.number(names.size());
            for (Dict.Entry<Boolean> name : sortedByKey(names)) {
                sha.bytes(name.key());
            }
        }
        sha.number(moves.fence());
        moves.partials().forEach((name, copy) -> {
            sha.bytes(name.array());
            sha.number(copy.source());
            sha.number(copy.version());
            sha.number(copy.total());
            sha.bytes(copy.bytes().toByteArray());
        });
    }

    /** @param modifications where each key's modification index goes, or null to leave it out */
    private static StateDigest of(long appliedIndex, Keyspace keyspace, Hasher modifications) {
        List<KeyEntry> entries = new ArrayList<>();
        keyspace.forEachLive(Long.MIN_VALUE, entries::add); // at the dawn of time nothing has expired
        return new StateDigest(appliedIndex, entries.size(), digestOf(entries, modifications));
    }

    /** The keys' digest, in key order; each key's modification index into {@code modifications} unless null. */
    private static String digestOf(List<KeyEntry> entries, Hasher modifications) {
        entries.sort((a, b) -> Arrays.compareUnsigned(a.key(), b.key()));
        Hasher sha = new Hasher();
        for (KeyEntry entry : entries) {
            sha.bytes(entry.key());
            sha.number(entry.expireAtMillis());
            if (modifications != null) {
                modifications.bytes(entry.key());
                modifications.number(entry.modifiedIndex());
            }
            switch (entry.value()) {
                case byte[] string -> {
                    sha.number(0);
                    sha.bytes(string);
                }
                case HashValue hash -> {
                    sha.number(1);
                    for (Dict.Entry<byte[]> field : sortedByKey(hash)) {
                        sha.bytes(field.key());
                        sha.bytes(field.value());
                    }
                }
                case SetValue set -> {
                    sha.number(2);
                    for (Dict.Entry<Boolean> member : sortedByKey(set)) {
                        sha.bytes(member.key());
                    }
                }
                case ListValue list -> {
                    sha.number(3);
                    for (int i = 0; i < list.size(); i++) {
                        sha.bytes(list.get(i));
                    }
                }
                case ZSetValue zset -> {
                    sha.number(4);
                    for (ZSetValue.Node node : zset.ascending()) {
                        sha.bytes(node.member());
                        sha.number(Double.doubleToLongBits(node.score()));
                    }
                }
                default -> throw new IllegalStateException("unknown value type " + entry.value().getClass());
            }
        }
        return HexFormat.of().formatHex(sha.digest.digest());
    }

    private static <V> List<Dict.Entry<V>> sortedByKey(Dict<V> dict) {
        List<Dict.Entry<V>> entries = dict.entries();
        entries.sort((a, b) -> Arrays.compareUnsigned(a.key(), b.key()));
        return entries;
    }

    /** Length-prefixed byte strings and fixed-width numbers into one SHA-256. */
    private static final class Hasher {
        final MessageDigest digest;
        private final ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES);

        Hasher() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK provides SHA-256", e);
            }
        }

        void number(long value) {
            digest.update(buffer.clear().putLong(value).array());
        }

        void bytes(byte[] value) {
            number(value.length);
            digest.update(value);
        }
    }
}
