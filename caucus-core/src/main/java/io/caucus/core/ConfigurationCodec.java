package io.caucus.core;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The byte form of a {@link ClusterConfiguration}, as stored in CONFIGURATION log entries and snapshot
 * metadata: a version byte, then three sets, each a count followed by length-prefixed ASCII node ids
 * ({@link NodeId} admits ASCII only). Version 2 adds the members' addresses: a count, then per member its id
 * and its address as a length-prefixed run of UTF-16 code units (two bytes each). A configuration without
 * addresses is written as version 1, so nodes that predate addresses read every entry written before an
 * address was first given. Hand-rolled so the core stays free of I/O classes (no charsets either).
 */
public final class ConfigurationCodec {

    private static final int VERSION_IDS_ONLY = 1;
    private static final int VERSION_WITH_ADDRESSES = 2;

    private ConfigurationCodec() {
    }

    public static byte[] encode(ClusterConfiguration configuration) {
        Bytes out = new Bytes();
        boolean withAddresses = !configuration.addresses().isEmpty();
        out.writeByte(withAddresses ? VERSION_WITH_ADDRESSES : VERSION_IDS_ONLY);
        writeSet(out, configuration.voters());
        writeSet(out, configuration.outgoingVoters());
        writeSet(out, configuration.learners());
        if (withAddresses) {
            writeAddresses(out, configuration.addresses());
        }
        return out.toArray();
    }

    /** @throws IllegalArgumentException if the bytes are not a configuration this version understands */
    public static ClusterConfiguration decode(byte[] bytes) {
        Reader in = new Reader(bytes);
        int version = in.readByte();
        if (version != VERSION_IDS_ONLY && version != VERSION_WITH_ADDRESSES) {
            throw new IllegalArgumentException("unknown configuration encoding version " + version);
        }
        Set<NodeId> voters = readSet(in);
        Set<NodeId> outgoing = readSet(in);
        Set<NodeId> learners = readSet(in);
        Map<NodeId, String> addresses = version == VERSION_WITH_ADDRESSES ? readAddresses(in) : Map.of();
        if (in.remaining() != 0) {
            throw new IllegalArgumentException(in.remaining() + " trailing bytes after configuration");
        }
        ClusterConfiguration configuration = new ClusterConfiguration(voters, outgoing, learners, addresses);
        if (configuration.addresses().size() != addresses.size()) {
            throw new IllegalArgumentException("an address is given for a node that is not a member");
        }
        return configuration;
    }

    private static void writeAddresses(Bytes out, Map<NodeId, String> addresses) {
        out.writeShort(addresses.size());
        addresses.forEach((node, address) -> {
            writeId(out, node);
            out.writeShort(address.length());
            for (int i = 0; i < address.length(); i++) {
                out.writeShort(address.charAt(i));
            }
        });
    }

    private static Map<NodeId, String> readAddresses(Reader in) {
        int count = in.readShort();
        Map<NodeId, String> addresses = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            NodeId node = readId(in);
            char[] address = new char[in.readShort()];
            for (int c = 0; c < address.length; c++) {
                address[c] = (char) in.readShort();
            }
            if (addresses.put(node, new String(address)) != null) {
                throw new IllegalArgumentException("two addresses for " + node);
            }
        }
        return addresses;
    }

    private static void writeSet(Bytes out, Set<NodeId> ids) {
        out.writeShort(ids.size());
        for (NodeId id : ids) {
            writeId(out, id);
        }
    }

    private static void writeId(Bytes out, NodeId id) {
        String value = id.value();
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
        int length = in.readShort();
        byte[] ascii = in.read(length);
        char[] chars = new char[length];
        for (int c = 0; c < length; c++) {
            if (ascii[c] < 0) {
                throw new IllegalArgumentException("non-ASCII byte in a node id");
            }
            chars[c] = (char) ascii[c];
        }
        return NodeId.of(new String(chars));
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
