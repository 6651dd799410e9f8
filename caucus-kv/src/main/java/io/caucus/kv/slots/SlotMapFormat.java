package io.caucus.kv.slots;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap.Migration;
import io.caucus.kv.slots.SlotMap.OwnedRange;
import io.caucus.kv.slots.SlotMap.ReplicaMove;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.zip.CRC32C;

/** {@link SlotMap}'s binary form: what {@link SlotMap#encode} writes and {@link SlotMap#decode} reads. */
final class SlotMapFormat {

    /**
     * The newest version {@link #encode} writes, only for a map with a removed node (else version 4 for a map with a
     * cancelled replica move, version 3 for one with replica moves or retired replicas, else version 2, each read by
     * the builds before); {@link #decode} also reads version 1, which had no migrations.
     */
    static final int FORMAT_VERSION = 5;
    private static final int FIRST_FORMAT_VERSION = 1;
    private static final int FIRST_FORMAT_WITH_MIGRATIONS = 2;
    private static final int FIRST_FORMAT_WITH_REPLICA_MOVES = 3;
    private static final int FIRST_FORMAT_WITH_CANCELLED_REPLICA_MOVES = 4;
    private static final int FIRST_FORMAT_WITH_REMOVED_NODES = 5;
    /** "CSLM": a slot map, not some other blob handed to {@link #decode} by mistake. */
    private static final int MAGIC = 0x43534C4D;

    private SlotMapFormat() {
    }

    /**
     * The map's binary form, for the metadata group's log and snapshots. Integers are big-endian; the CRC32C
     * covers every byte before it, so a damaged copy is refused rather than read as another map.
     *
     * <pre>
     * map       = magic:"CSLM" version:u8 epoch:i64 groups:i32 group^groups ranges:i32 range^ranges
     *             migrations:i32 migration^migrations crc32c:i32
     * group     = id:i64 replicas:u8 (length:u8 node-id:ascii)^replicas
     * range     = start:u16 end:u16 group:i64
     * migration = start:u16 end:u16 source:i64 target:i64
     * (version 3 goes on, before the CRC, with
     *             replica-moves:i32 (group:i64 from:node to:node)^replica-moves
     *             retired:i32 (group:i64 nodes:i32 node^nodes)^retired
     *  and version 4, after that, with
     *             cancelled:i32 group:i64^cancelled
     *  and version 5, after that, with
     *             removed:i32 node^removed)
     * node      = length:u8 node-id:ascii
     * </pre>
     *
     * <p>This writes version 5 for a map with a removed node, version 4 for one with a cancelled replica move,
     * version 3 for one with replica moves or retired replicas, else version 2, which a build before replica moves
     * reads as well: a cluster never moving (or never cancelling) replicas, or never removing a node, can have its
     * nodes upgraded one at a time.
     * Version 1, which {@link #decode} still reads, is version 2 without the migrations field: a map of a build before
     * migrations, and so without any.
     */
    static byte[] encode(SlotMap map) {
        List<ReplicaMove> replicaMoves = map.replicaMoves();
        SortedMap<Long, SortedSet<NodeId>> retired = map.retiredByGroup();
        List<OwnedRange> ranges = map.ranges();
        List<Migration> migrations = map.migrations();
        List<Long> cancelled = replicaMoves.stream().filter(ReplicaMove::cancelled).map(ReplicaMove::group)
                .toList();
        SortedSet<NodeId> removed = map.removedNodes();
        int version = !removed.isEmpty() ? FIRST_FORMAT_WITH_REMOVED_NODES
                : !cancelled.isEmpty() ? FIRST_FORMAT_WITH_CANCELLED_REPLICA_MOVES
                : !replicaMoves.isEmpty() || !retired.isEmpty() ? FIRST_FORMAT_WITH_REPLICA_MOVES
                : FIRST_FORMAT_WITH_MIGRATIONS;
        boolean withReplicaMoves = version >= FIRST_FORMAT_WITH_REPLICA_MOVES;
        int size = 4 + 1 + 8 + 4 + 4 + ranges.size() * (2 + 2 + 8) + 4 + migrations.size() * (2 + 2 + 8 + 8) + 4;
        for (long group : map.groups()) {
            size += 8 + 1;
            for (NodeId node : map.replicasOf(group)) {
                size += nodeBytes(node);
            }
        }
        if (withReplicaMoves) {
            size += 4 + 4;
            for (ReplicaMove move : replicaMoves) {
                size += 8 + nodeBytes(move.from()) + nodeBytes(move.to());
            }
            for (SortedSet<NodeId> nodes : retired.values()) {
                size += 8 + 4;
                for (NodeId node : nodes) {
                    size += nodeBytes(node);
                }
            }
        }
        if (version >= FIRST_FORMAT_WITH_CANCELLED_REPLICA_MOVES) {
            size += 4 + cancelled.size() * 8;
        }
        if (version >= FIRST_FORMAT_WITH_REMOVED_NODES) {
            size += 4;
            for (NodeId node : removed) {
                size += nodeBytes(node);
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(MAGIC).put((byte) version)
                .putLong(map.epoch()).putInt(map.groups().size());
        for (long group : map.groups()) {
            List<NodeId> nodes = map.replicasOf(group);
            out.putLong(group).put((byte) nodes.size());
            for (NodeId node : nodes) {
                putNode(out, node);
            }
        }
        out.putInt(ranges.size());
        for (OwnedRange range : ranges) {
            out.putShort((short) range.range().start()).putShort((short) range.range().end()).putLong(range.group());
        }
        out.putInt(migrations.size());
        for (Migration migration : migrations) {
            out.putShort((short) migration.range().start()).putShort((short) migration.range().end())
                    .putLong(migration.source()).putLong(migration.target());
        }
        if (withReplicaMoves) {
            out.putInt(replicaMoves.size());
            for (ReplicaMove move : replicaMoves) {
                out.putLong(move.group());
                putNode(out, move.from());
                putNode(out, move.to());
            }
            out.putInt(retired.size());
            for (Map.Entry<Long, SortedSet<NodeId>> group : retired.entrySet()) {
                out.putLong(group.getKey()).putInt(group.getValue().size());
                group.getValue().forEach(node -> putNode(out, node));
            }
        }
        if (version >= FIRST_FORMAT_WITH_CANCELLED_REPLICA_MOVES) {
            out.putInt(cancelled.size());
            cancelled.forEach(out::putLong);
        }
        if (version >= FIRST_FORMAT_WITH_REMOVED_NODES) {
            out.putInt(removed.size());
            removed.forEach(node -> putNode(out, node));
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    private static int nodeBytes(NodeId node) {
        return 1 + node.value().length(); // NodeId allows ASCII only, at most 64 characters
    }

    private static void putNode(ByteBuffer out, NodeId node) {
        byte[] name = node.value().getBytes(StandardCharsets.US_ASCII);
        out.put((byte) name.length).put(name);
    }

    private static NodeId getNode(ByteBuffer in) {
        byte[] name = new byte[in.get() & 0xFF];
        in.get(name);
        return new NodeId(new String(name, StandardCharsets.US_ASCII));
    }

    /** The map {@link #encode} wrote; {@link CorruptSlotMapException} for anything else, never a different map. */
    static SlotMap decode(byte[] bytes) {
        if (bytes.length < 4 + 1 + 8 + 4 + 4 + 4) {
            throw new CorruptSlotMapException("slot map of " + bytes.length + " bytes is too short to be one");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.getInt() != MAGIC) {
            throw new CorruptSlotMapException("not a slot map (its first 4 bytes are not \"CSLM\")");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CorruptSlotMapException(String.format("slot map of %d bytes fails its checksum "
                    + "(CRC32C %08x stored, %08x computed)", bytes.length, stored, (int) crc.getValue()));
        }
        int version = in.get() & 0xFF;
        if (version < FIRST_FORMAT_VERSION || version > FORMAT_VERSION) {
            throw new CorruptSlotMapException("slot map format version " + version + " is not known (this build "
                    + "reads versions " + FIRST_FORMAT_VERSION + " to " + FORMAT_VERSION + ")");
        }
        ByteBuffer body = in.slice(in.position(), bytes.length - 4 - in.position());
        try {
            SlotMapBuilder builder = SlotMap.builder(body.getLong());
            int groupCount = count(body, 8 + 1 + 1 + 1, "groups");
            for (int g = 0; g < groupCount; g++) {
                long id = body.getLong();
                int replicaCount = body.get() & 0xFF;
                List<NodeId> nodes = new ArrayList<>(replicaCount);
                for (int r = 0; r < replicaCount; r++) {
                    nodes.add(getNode(body));
                }
                builder.group(id, nodes);
            }
            int rangeCount = count(body, 2 + 2 + 8, "ranges");
            for (int r = 0; r < rangeCount; r++) {
                int start = body.getShort() & 0xFFFF;
                int end = body.getShort() & 0xFFFF;
                builder.assign(new SlotRange(start, end), body.getLong());
            }
            if (version >= FIRST_FORMAT_WITH_MIGRATIONS) {
                int migrationCount = count(body, 2 + 2 + 8 + 8, "migrations");
                for (int m = 0; m < migrationCount; m++) {
                    int start = body.getShort() & 0xFFFF;
                    int end = body.getShort() & 0xFFFF;
                    builder.migrate(new SlotRange(start, end), body.getLong(), body.getLong());
                }
            }
            if (version >= FIRST_FORMAT_WITH_REPLICA_MOVES) {
                int moveCount = count(body, 8 + 1 + 1 + 1 + 1, "replica moves");
                for (int m = 0; m < moveCount; m++) {
                    builder.moveReplica(body.getLong(), getNode(body), getNode(body));
                }
                int retiredCount = count(body, 8 + 4, "groups with retired replicas");
                for (int r = 0; r < retiredCount; r++) {
                    long group = body.getLong();
                    int nodeCount = count(body, 1 + 1, "retired replicas");
                    for (int n = 0; n < nodeCount; n++) {
                        builder.retire(group, getNode(body));
                    }
                }
            }
            if (version >= FIRST_FORMAT_WITH_CANCELLED_REPLICA_MOVES) {
                int cancelledCount = count(body, 8, "cancelled replica moves");
                for (int c = 0; c < cancelledCount; c++) {
                    builder.cancelReplicaMove(body.getLong());
                }
            }
            if (version >= FIRST_FORMAT_WITH_REMOVED_NODES) {
                int removedCount = count(body, 1 + 1, "removed nodes");
                for (int r = 0; r < removedCount; r++) {
                    builder.removeNode(getNode(body));
                }
            }
            if (body.hasRemaining()) {
                throw new CorruptSlotMapException("slot map has " + body.remaining() + " bytes after its "
                        + (version >= FIRST_FORMAT_WITH_REMOVED_NODES ? "removed nodes"
                        : version >= FIRST_FORMAT_WITH_CANCELLED_REPLICA_MOVES ? "cancelled replica moves"
                        : version >= FIRST_FORMAT_WITH_REPLICA_MOVES ? "retired replicas"
                        : version >= FIRST_FORMAT_WITH_MIGRATIONS ? "migrations" : "ranges"));
            }
            return builder.build();
        } catch (BufferUnderflowException e) {
            throw new CorruptSlotMapException("slot map ends inside a field");
        } catch (IllegalArgumentException e) {
            throw new CorruptSlotMapException("slot map is not valid: " + e.getMessage());
        }
    }

    /** A count read from {@code in}, refused if its items (at least {@code minBytes} each) cannot fit. */
    private static int count(ByteBuffer in, int minBytes, String what) {
        int count = in.getInt();
        if (count < 0 || (long) count * minBytes > in.remaining()) {
            throw new CorruptSlotMapException("slot map claims " + count + " " + what + " in its last "
                    + in.remaining() + " bytes");
        }
        return count;
    }
}
