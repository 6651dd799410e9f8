package io.caucus.kv.slots;

import io.caucus.core.NodeId;
import io.caucus.kv.command.Reply;
import io.caucus.kv.slots.SlotMap.Migration;
import io.caucus.kv.slots.SlotMap.OwnedRange;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Redis Cluster's introspection replies (CLUSTER SLOTS, SHARDS, NODES, INFO, MYID) for Caucus's sharded KV, in the
 * shapes redis-server 7.0 gives them, so that JedisCluster, Lettuce's RedisClusterClient and {@code redis-cli -c}
 * read them as they read Redis's (docs/multiraft.md, "Redis Cluster protocol").
 *
 * <p>Caucus replicates per group, not per process, so the master/replica picture is a projection that is right for
 * routing: a group's <em>master</em> is its leader, its other replicas are its <em>replicas</em>. In CLUSTER NODES,
 * where each process has one line, a process is a master if it leads at least one group (with those groups' slots)
 * and otherwise the replica of the leader of the lowest group it replicates whose leader is known. Caucus has no
 * cluster bus and no gossip: ping and pong times and the message counters are 0, every process is
 * {@code connected}, and every config epoch is the slot map's epoch.
 *
 * <p>Pure functions of a {@link ClusterSnapshot}; replies are RESP2, the only protocol Caucus speaks.
 */
public final class ClusterViews {

    /** Redis's default distance from the client port to the cluster bus port (cluster-port 0). */
    static final int CLUSTER_BUS_PORT_OFFSET = 10000;
    private static final int MAX_PORT = 65535;

    private ClusterViews() {
    }

    // ------------------------------------------------------------------ CLUSTER SLOTS

    /**
     * CLUSTER SLOTS: per assigned range, by start, {@code [start, end, master, replicas...]}, each node
     * {@code [host, port, node-name, {}]} as Redis 7.0 gives it (the 4th element, its "additional networking
     * metadata", is empty when no hostname is announced). A group without a known leader lists its replicas in map
     * order, the first as master: a client sent there gets -MOVED or -CLUSTERDOWN and asks again. A range whose group
     * has no replica with a client address is left out, as an unassigned one is.
     */
    public static Reply slots(ClusterSnapshot s) {
        List<Reply> entries = new ArrayList<>();
        for (OwnedRange owned : s.map().ranges()) {
            List<NodeId> nodes = s.replicasLeaderFirst(owned.group());
            if (nodes.isEmpty()) {
                continue;
            }
            List<Reply> entry = new ArrayList<>();
            entry.add(new Reply.Int(owned.range().start()));
            entry.add(new Reply.Int(owned.range().end()));
            for (NodeId node : nodes) {
                entry.add(slotsNode(s, node));
            }
            entries.add(new Reply.Array(entry));
        }
        return new Reply.Array(entries);
    }

    private static Reply slotsNode(ClusterSnapshot s, NodeId node) {
        InetSocketAddress address = s.addressOf(node);
        return new Reply.Array(List.of(Reply.bulk(address.getHostString()), new Reply.Int(address.getPort()),
                Reply.bulk(nodeName(node)), Reply.EMPTY_ARRAY));
    }

    // ------------------------------------------------------------------ CLUSTER SHARDS

    /**
     * CLUSTER SHARDS: one shard per data group, by group id, each {@code [slots, [start, end, ...], nodes, [...]]}
     * with the slots as a flat list of start and end pairs, and each node as Redis 7.0's field list {@code id, port,
     * ip, endpoint, role, replication-offset, health} (no {@code hostname}, no {@code tls-port}: Caucus announces
     * neither). The leader comes first with role {@code master}, the other replicas follow with {@code replica}.
     *
     * <p>What Caucus cannot say honestly from the snapshot it says neutrally: replication-offset is 0 (Redis's own
     * value before any write). Health is {@code online} for the nodes of a group with a known leader and
     * {@code failed} for every node of a group without one: none of them can serve its slots then.
     */
    public static Reply shards(ClusterSnapshot s) {
        List<Reply> shards = new ArrayList<>();
        for (long group : s.map().groups()) {
            List<Reply> slots = new ArrayList<>();
            for (SlotRange range : s.map().rangesOf(group)) {
                slots.add(new Reply.Int(range.start()));
                slots.add(new Reply.Int(range.end()));
            }
            String health = s.leaderOf(group).isPresent() ? "online" : "failed";
            List<Reply> nodes = new ArrayList<>();
            List<NodeId> replicas = s.replicasLeaderFirst(group);
            for (int i = 0; i < replicas.size(); i++) {
                nodes.add(shardNode(s, replicas.get(i), i == 0 ? "master" : "replica", health));
            }
            shards.add(new Reply.Array(List.of(Reply.bulk("slots"), new Reply.Array(slots), Reply.bulk("nodes"),
                    new Reply.Array(nodes))));
        }
        return new Reply.Array(shards);
    }

    private static Reply shardNode(ClusterSnapshot s, NodeId node, String role, String health) {
        InetSocketAddress address = s.addressOf(node);
        return new Reply.Array(List.of(
                Reply.bulk("id"), Reply.bulk(nodeName(node)),
                Reply.bulk("port"), new Reply.Int(address.getPort()),
                Reply.bulk("ip"), Reply.bulk(address.getHostString()),
                Reply.bulk("endpoint"), Reply.bulk(address.getHostString()),
                Reply.bulk("role"), Reply.bulk(role),
                Reply.bulk("replication-offset"), Reply.ZERO,
                Reply.bulk("health"), Reply.bulk(health)));
    }

    // ------------------------------------------------------------------ CLUSTER NODES

    /** How one process appears in CLUSTER NODES. */
    private record Role(boolean master, List<SlotRange> slots, Optional<NodeId> masterNode) {
    }

    /**
     * CLUSTER NODES: one line per process (all of {@code clientAddresses}, by node id), each ended by {@code \n}
     * as Redis ends them: {@code <name> <host>:<port>@<cport> <flags> <master-name or -> 0 0 <epoch> connected
     * <slots...>}, slots as {@code start-end} or a lone {@code slot}, contiguous slots of one process as one
     * range. A group without a known leader has its slots on no line, as they are served nowhere.
     *
     * <p>The {@code myself} line ends, as redis-server's does, with a marker per slot migrating from a group this
     * process leads ({@code [slot->-<target leader>]}) or into one ({@code [slot-<-<source leader>]}), by slot; a
     * slot whose other group has no known leader gets none, since no node could be named. Redis marks only its own
     * line: a node knows only its own open slots.
     */
    public static Reply nodes(ClusterSnapshot s) {
        StringBuilder text = new StringBuilder();
        for (NodeId process : new TreeSet<>(s.clientAddresses().keySet())) {
            text.append(nodeLine(s, process)).append('\n');
        }
        return Reply.bulk(text.toString());
    }

    private static String nodeLine(ClusterSnapshot s, NodeId process) {
        Role role = roleOf(s, process);
        InetSocketAddress address = s.addressOf(process);
        StringBuilder line = new StringBuilder(nodeName(process)).append(' ')
                .append(address.getHostString()).append(':').append(address.getPort())
                .append('@').append(busPort(address.getPort())).append(' ')
                .append(process.equals(s.self()) ? "myself," : "").append(role.master() ? "master" : "slave")
                .append(' ').append(role.masterNode().map(ClusterViews::nodeName).orElse("-"))
                .append(" 0 0 ").append(s.map().epoch()).append(" connected");
        for (SlotRange range : role.slots()) {
            line.append(' ').append(range.start());
            if (range.end() != range.start()) {
                line.append('-').append(range.end());
            }
        }
        if (process.equals(s.self())) {
            appendMigrationMarkers(s, line);
        }
        return line.toString();
    }

    /**
     * redis-server 7.0's open-slot markers (cluster.c, clusterGenNodeDescription): {@code [slot->-name]} for a slot
     * this process migrates, else {@code [slot-<-name]} for one it imports. Migrations do not overlap and come by
     * start, so the markers come by slot as Redis prints them.
     */
    private static void appendMigrationMarkers(ClusterSnapshot s, StringBuilder line) {
        Optional<NodeId> self = Optional.of(s.self());
        for (Migration migration : s.map().migrations()) {
            String marker;
            Optional<NodeId> other;
            if (s.leaderOf(migration.source()).equals(self)) {
                marker = "->-";
                other = s.leaderOf(migration.target());
            } else if (s.leaderOf(migration.target()).equals(self)) {
                marker = "-<-";
                other = s.leaderOf(migration.source());
            } else {
                continue;
            }
            if (other.isEmpty()) {
                continue;
            }
            String name = nodeName(other.get());
            for (int slot = migration.range().start(); slot <= migration.range().end(); slot++) {
                line.append(" [").append(slot).append(marker).append(name).append(']');
            }
        }
    }

    /**
     * The cluster bus port Redis would have, port + 10,000; 0 where that is beyond 65,535 (Redis refuses such a
     * client port in cluster mode; Caucus has no bus, so the number is never dialled, only parsed).
     */
    static int busPort(int port) {
        int bus = port + CLUSTER_BUS_PORT_OFFSET;
        return bus <= MAX_PORT ? bus : 0;
    }

    private static Role roleOf(ClusterSnapshot s, NodeId process) {
        List<SlotRange> led = new ArrayList<>();
        boolean leadsAGroup = false;
        for (long group : s.map().groups()) {
            if (s.leaderOf(group).equals(Optional.of(process))) {
                leadsAGroup = true;
                led.addAll(s.map().rangesOf(group));
            }
        }
        if (leadsAGroup) {
            return new Role(true, merged(led), Optional.empty());
        }
        for (long group : s.map().groups()) { // by id: the lowest group with a known leader
            if (s.map().replicasOf(group).contains(process) && s.leaderOf(group).isPresent()) {
                return new Role(false, List.of(), s.leaderOf(group));
            }
        }
        return new Role(true, List.of(), Optional.empty());
    }

    /** {@code ranges} sorted, with touching ones joined: Redis prints a node's contiguous slots as one run. */
    private static List<SlotRange> merged(List<SlotRange> ranges) {
        List<SlotRange> sorted = new ArrayList<>(ranges);
        sorted.sort(null);
        List<SlotRange> merged = new ArrayList<>();
        for (SlotRange next : sorted) {
            if (!merged.isEmpty() && merged.getLast().end() + 1 == next.start()) {
                merged.set(merged.size() - 1, new SlotRange(merged.getLast().start(), next.end()));
            } else {
                merged.add(next);
            }
        }
        return merged;
    }

    // ------------------------------------------------------------------ CLUSTER INFO

    /**
     * CLUSTER INFO, in Redis 7.0's fields and order, lines ended by CRLF as Redis ends them. {@code cluster_state}
     * is {@code ok} when all 16,384 slots are assigned and every slot's group has a known leader;
     * {@code cluster_slots_ok} counts the slots whose group has one, {@code cluster_slots_fail} the other assigned
     * slots (no partial failures: {@code cluster_slots_pfail} is 0); {@code cluster_size} counts the processes
     * CLUSTER NODES shows as masters with slots. Both epochs are the map's. Of the message counters Redis prints
     * only those of message types it has seen, and only the totals when it has seen none; Caucus sends no bus
     * messages, so it prints the totals, 0.
     */
    public static Reply info(ClusterSnapshot s) {
        int assigned = s.map().assigned();
        int ok = 0;
        for (OwnedRange owned : s.map().ranges()) {
            if (s.leaderOf(owned.group()).isPresent()) {
                ok += owned.range().size();
            }
        }
        int mastersWithSlots = 0;
        for (NodeId process : s.clientAddresses().keySet()) {
            Role role = roleOf(s, process);
            if (role.master() && !role.slots().isEmpty()) {
                mastersWithSlots++;
            }
        }
        boolean healthy = assigned == KeySlot.SLOTS && ok == assigned;
        String text = "cluster_state:" + (healthy ? "ok" : "fail") + "\r\n"
                + "cluster_slots_assigned:" + assigned + "\r\n"
                + "cluster_slots_ok:" + ok + "\r\n"
                + "cluster_slots_pfail:0\r\n"
                + "cluster_slots_fail:" + (assigned - ok) + "\r\n"
                + "cluster_known_nodes:" + s.clientAddresses().size() + "\r\n"
                + "cluster_size:" + mastersWithSlots + "\r\n"
                + "cluster_current_epoch:" + s.map().epoch() + "\r\n"
                + "cluster_my_epoch:" + s.map().epoch() + "\r\n"
                + "cluster_stats_messages_sent:0\r\n"
                + "cluster_stats_messages_received:0\r\n"
                + "total_cluster_links_buffer_limit_exceeded:0\r\n";
        return Reply.bulk(text);
    }

    // ------------------------------------------------------------------ CLUSTER MYID

    /** CLUSTER MYID: the node name of the process answering. */
    public static Reply myId(ClusterSnapshot s) {
        return Reply.bulk(nodeName(s.self()));
    }

    /**
     * The 40-hex-character Redis node id of a Caucus node: the lowercase hex SHA-1 of its id's UTF-8 bytes. Stable
     * for the life of the node, as its Redis id is, and the same on every process, so all of them name it alike.
     */
    public static String nodeName(NodeId id) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return HexFormat.of().formatHex(sha1.digest(id.value().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }
}
