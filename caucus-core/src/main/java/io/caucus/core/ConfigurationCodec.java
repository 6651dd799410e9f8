package io.caucus.core;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The byte form of a {@link ClusterConfiguration}, as stored in CONFIGURATION log entries and snapshot
 * metadata: a version byte, then three sets, each a count followed by length-prefixed ASCII node ids
 * ({@link NodeId} admits ASCII only). Integers are two bytes, big-endian; a text is its length then its
 * characters, one byte each for ASCII (ids, kinds), two (UTF-16 code units) for an address.
 *
 * <ul>
 *   <li>Version 1: the sets only, for a configuration without addresses.
 *   <li>Version 2: then a count of members with a Raft address and, per member, its id and that address; for a
 *       configuration whose members have Raft addresses only.
 *   <li>Version 3: then a count of members with addresses and, per member, its id, a count of kinds and, per
 *       kind, the kind's name and the address ({@link MemberAddresses}). A kind is a name, not a number this
 *       codec must know: a kind it has not heard of is read, kept and written back unchanged, so a new kind of
 *       address needs no version 4.
 * </ul>
 *
 * Each configuration is written in the lowest version that holds it, so a configuration with Raft addresses
 * only (or none) is byte-for-byte what nodes that predate version 3 (or 2) write and read; such a node refuses
 * an entry of a later version as an unknown version. Hand-rolled so the core stays free of I/O classes (no
 * charsets either).
 */
public final class ConfigurationCodec {

    private static final int VERSION_IDS_ONLY = 1;
    private static final int VERSION_RAFT_ADDRESSES = 2;
    private static final int VERSION_ADDRESS_KINDS = 3;

    private ConfigurationCodec() {
    }

    public static byte[] encode(ClusterConfiguration configuration) {
        Bytes out = new Bytes();
        int version = versionFor(configuration.addresses());
        out.writeByte(version);
        writeSet(out, configuration.voters());
        writeSet(out, configuration.outgoingVoters());
        writeSet(out, configuration.learners());
        if (version == VERSION_RAFT_ADDRESSES) {
            writeRaftAddresses(out, configuration.addresses());
        } else if (version == VERSION_ADDRESS_KINDS) {
            writeAddressKinds(out, configuration.addresses());
        }
        return out.toArray();
    }

    /** @throws IllegalArgumentException if the bytes are not a configuration this version understands */
    public static ClusterConfiguration decode(byte[] bytes) {
        Reader in = new Reader(bytes);
        int version = in.readByte();
        if (version < VERSION_IDS_ONLY || version > VERSION_ADDRESS_KINDS) {
            throw new IllegalArgumentException("unknown configuration encoding version " + version
                    + " (this node reads 1-" + VERSION_ADDRESS_KINDS + "; a newer build wrote it)");
        }
        Set<NodeId> voters = readSet(in);
        Set<NodeId> outgoing = readSet(in);
        Set<NodeId> learners = readSet(in);
        Map<NodeId, MemberAddresses> addresses = switch (version) {
            case VERSION_RAFT_ADDRESSES -> readRaftAddresses(in);
            case VERSION_ADDRESS_KINDS -> readAddressKinds(in);
            default -> Map.of();
        };
        if (in.remaining() != 0) {
            throw new IllegalArgumentException(in.remaining() + " trailing bytes after configuration");
        }
        ClusterConfiguration configuration = new ClusterConfiguration(voters, outgoing, learners, addresses);
        if (configuration.addresses().size() != addresses.size()) {
            throw new IllegalArgumentException("an address is given for a node that is not a member");
        }
        return configuration;
    }

    private static int versionFor(Map<NodeId, MemberAddresses> addresses) {
        if (addresses.isEmpty()) {
            return VERSION_IDS_ONLY;
        }
        return addresses.values().stream().allMatch(MemberAddresses::isRaftOnly)
                ? VERSION_RAFT_ADDRESSES : VERSION_ADDRESS_KINDS;
    }

    private static void writeRaftAddresses(Bytes out, Map<NodeId, MemberAddresses> addresses) {
        out.writeShort(addresses.size());
        addresses.forEach((node, known) -> {
            writeId(out, node);
            writeText(out, known.byKind().get(MemberAddresses.RAFT));
        });
    }

    private static void writeAddressKinds(Bytes out, Map<NodeId, MemberAddresses> addresses) {
        out.writeShort(addresses.size());
        addresses.forEach((node, known) -> {
            writeId(out, node);
            out.writeShort(known.byKind().size());
            known.byKind().forEach((kind, address) -> {
                writeAscii(out, kind);
                writeText(out, address);
            });
        });
    }

    private static Map<NodeId, MemberAddresses> readRaftAddresses(Reader in) {
        int count = in.readShort();
        Map<NodeId, MemberAddresses> addresses = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            NodeId node = readId(in);
            if (addresses.put(node, MemberAddresses.ofRaft(readText(in))) != null) {
                throw new IllegalArgumentException("two addresses for " + node);
            }
        }
        return addresses;
    }

    private static Map<NodeId, MemberAddresses> readAddressKinds(Reader in) {
        int count = in.readShort();
        Map<NodeId, MemberAddresses> addresses = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            NodeId node = readId(in);
            int kinds = in.readShort();
            Map<String, String> byKind = new TreeMap<>();
            for (int k = 0; k < kinds; k++) {
                String kind = readAscii(in);
                if (byKind.put(kind, readText(in)) != null) {
                    throw new IllegalArgumentException("two " + kind + " addresses for " + node);
                }
            }
            if (addresses.put(node, new MemberAddresses(byKind)) != null) {
                throw new IllegalArgumentException("two address records for " + node);
            }
        }
        return addresses;
    }

    private static void writeText(Bytes out, String text) {
        out.writeShort(text.length());
        for (int i = 0; i < text.length(); i++) {
            out.writeShort(text.charAt(i));
        }
    }

    private static String readText(Reader in) {
        int length = in.readShort();
        in.require(2 * length); // before allocating: a claimed length the bytes do not hold is refused, not believed
        char[] text = new char[length];
        for (int c = 0; c < text.length; c++) {
            text[c] = (char) in.readShort();
        }
        return new String(text);
    }

    private static void writeSet(Bytes out, Set<NodeId> ids) {
        out.writeShort(ids.size());
        for (NodeId id : ids) {
            writeId(out, id);
        }
    }

    private static void writeId(Bytes out, NodeId id) {
        writeAscii(out, id.value());
    }

    private static void writeAscii(Bytes out, String value) {
        out.writeShort(value.length());
        for (int i = 0; i < value.length(); i++) {
            out.writeByte(value.charAt(i));
        }
    }

    private static Set<NodeId> readSet(Reader in) {
        int count = in.readShort();
        Set<NodeId> ids = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            ids.add(readId(in));
        }
        return ids;
    }

    private static NodeId readId(Reader in) {
        return NodeId.of(readAscii(in));
    }

    private static String readAscii(Reader in) {
        int length = in.readShort();
        byte[] ascii = in.read(length);
        char[] chars = new char[length];
        for (int c = 0; c < length; c++) {
            if (ascii[c] < 0) {
                throw new IllegalArgumentException("non-ASCII byte in a node id or address kind");
            }
            chars[c] = (char) ascii[c];
        }
        return new String(chars);
    }

    private static final class Bytes {
        private byte[] buffer = new byte[64];
        private int size;

        void writeByte(int value) {
            ensure(1);
            buffer[size++] = (byte) value;
        }

        void writeShort(int value) {
            if (value < 0 || value > 0xFFFF) {
                throw new IllegalArgumentException("value does not fit in two bytes: " + value);
            }
            writeByte(value >>> 8);
            writeByte(value);
        }

        private void ensure(int more) {
            if (size + more > buffer.length) {
                buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
            }
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(buffer, size);
        }
    }

    private static final class Reader {
        private final byte[] bytes;
        private int position;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        int readByte() {
            require(1);
            return bytes[position++] & 0xFF;
        }

        int readShort() {
            return (readByte() << 8) | readByte();
        }

        byte[] read(int length) {
            require(length);
            byte[] out = java.util.Arrays.copyOfRange(bytes, position, position + length);
            position += length;
            return out;
        }

        int remaining() {
            return bytes.length - position;
        }

        private void require(int length) {
            if (bytes.length - position < length) {
                throw new IllegalArgumentException("configuration truncated at byte " + position);
            }
        }
    }
}
