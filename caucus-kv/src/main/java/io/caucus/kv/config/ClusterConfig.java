package io.caucus.kv.config;

import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.kv.state.KvStateMachine;
import io.caucus.server.CaucusNode;
import io.caucus.server.SnapshotOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.caucus.kv.admin.AdminGuard;

/**
 * A cluster as described by its YAML file (see {@link ConfigLoader} and docs/operations.md, "The configuration
 * file"). Invariant: node ids and addresses are unique; at least one node.
 *
 * @param clientLimits bounds on what a client of the Redis port can make a node hold
 * @param clientAuth   the users of the Redis port (none: open)
 * @param tls          TLS of each kind of port (none: plaintext)
 * @param adminToken   the admin port's bearer token (adminTokenFile's content), or null for none
 * @param adminOpenPaths paths of the admin port anyone may GET when it requires credentials
 * @param adminMaxBodyBytes the largest request body the admin port takes
 * @param maxPeerFrameBytes the largest frame the Raft port takes, refused at its length prefix
 * @param sharding   one Raft group for the whole key space, or the hash slots spread over many (docs/multiraft.md)
 */
public record ClusterConfig(Path source, List<Node> nodes, Tunables tunables, ClientLimits clientLimits,
                            ClientAuth clientAuth, TlsConfig tls, byte[] adminToken, Set<String> adminOpenPaths,
                            int adminMaxBodyBytes, int maxPeerFrameBytes, Sharding sharding) {

    public ClusterConfig {
        nodes = List.copyOf(nodes);
        adminOpenPaths = Set.copyOf(adminOpenPaths);
    }

    /** A cluster with the default client limits, an open Redis port and no TLS. */
    public ClusterConfig(Path source, List<Node> nodes, Tunables tunables) {
        this(source, nodes, tunables, ClientLimits.DEFAULTS, ClientAuth.OPEN, TlsConfig.NONE, null,
                AdminGuard.DEFAULT_OPEN_PATHS, AdminGuard.DEFAULT_MAX_BODY_BYTES,
                io.caucus.transport.TransportOptions.DEFAULT_MAX_FRAME_BYTES, Sharding.NONE);
    }

    /**
     * How the key space is served. With {@code shards} 0, one Raft group on every node holds all of it (a plain Redis
     * server to clients). With {@code shards} N, the 16,384 hash slots are split evenly among N data groups, each
     * replicated on {@code replicas} nodes, and clients speak Redis Cluster to it (docs/multiraft.md).
     */
    public record Sharding(int shards, int replicas) {
        public static final Sharding NONE = new Sharding(0, 0);
        /** Data groups a cluster file may ask for: each runs on several nodes' threads, quiescing when idle. */
        public static final int MAX_SHARDS = 4096;
        /** Every node is a voter of the metadata group until its learners come (issue 23, slice 7). */
        public static final int MAX_NODES = 7;

        public boolean enabled() {
            return shards > 0;
        }
    }

    /** One server: its id and the three addresses it listens on. */
    public record Node(NodeId id, InetSocketAddress raft, InetSocketAddress client, InetSocketAddress http) {
    }

    /**
     * @param tickIntervalMillis     duration of one Raft tick
     * @param electionTimeoutTicks   minimum election timeout in ticks (randomized up to twice this)
     * @param heartbeatIntervalTicks ticks between a leader's heartbeats; less than electionTimeoutTicks
     * @param fsync                  fsync the log before acknowledging (turn off only for tests)
     * @param dataDirectory          parent of each node's data directory ({@code <dataDirectory>/<id>})
     * @param requestTimeoutMillis   how long a client command may wait (forwarding and retries included)
     * @param maxSessions            client sessions kept before the least recently used expires
     * @param snapshots              when to snapshot and compact the log, how snapshots are streamed
     * @param proposalLingerMicros   how long the leader holds a command for others to share its batch while other
     *                               requests are in flight (see {@code CaucusNode.Builder.proposalLinger})
     * @param clientIoThreads        event-loop threads serving the Redis protocol port; 0 (the default): the
     *                               node's own loop serves it, so a command reaches the node without a thread
     *                               hand-off (see {@code CaucusNode.eventLoop})
     */
    public record Tunables(long tickIntervalMillis, int electionTimeoutTicks, int heartbeatIntervalTicks,
                           boolean fsync, Path dataDirectory, long requestTimeoutMillis, int maxSessions,
                           SnapshotOptions snapshots, long proposalLingerMicros, int clientIoThreads) {

        public static final Tunables DEFAULTS = new Tunables(50, RaftOptions.DEFAULTS.electionTimeoutTicks(),
                RaftOptions.DEFAULTS.heartbeatIntervalTicks(), true, Path.of("data"), 5000,
                KvStateMachine.DEFAULT_MAX_SESSIONS, SnapshotOptions.DEFAULTS,
                CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER.toNanos() / 1000, 0);

        /** Tunables with the default proposal linger and client I/O threads. */
        public Tunables(long tickIntervalMillis, int electionTimeoutTicks, int heartbeatIntervalTicks, boolean fsync,
                        Path dataDirectory, long requestTimeoutMillis, int maxSessions, SnapshotOptions snapshots) {
            this(tickIntervalMillis, electionTimeoutTicks, heartbeatIntervalTicks, fsync, dataDirectory,
                    requestTimeoutMillis, maxSessions, snapshots, DEFAULTS.proposalLingerMicros(),
                    DEFAULTS.clientIoThreads());
        }

        /** Tunables with the default snapshot options. */
        public Tunables(long tickIntervalMillis, int electionTimeoutTicks, int heartbeatIntervalTicks, boolean fsync,
                        Path dataDirectory, long requestTimeoutMillis, int maxSessions) {
            this(tickIntervalMillis, electionTimeoutTicks, heartbeatIntervalTicks, fsync, dataDirectory,
                    requestTimeoutMillis, maxSessions, SnapshotOptions.DEFAULTS);
        }

        public RaftOptions raftOptions() {
            return RaftOptions.DEFAULTS.withElectionTimeoutTicks(electionTimeoutTicks)
                    .withHeartbeatIntervalTicks(heartbeatIntervalTicks);
        }

        public Duration tickInterval() {
            return Duration.ofMillis(tickIntervalMillis);
        }

        public Duration requestTimeout() {
            return Duration.ofMillis(requestTimeoutMillis);
        }

        public Duration proposalLinger() {
            return Duration.ofNanos(proposalLingerMicros * 1000);
        }
    }

    /** The node named {@code id}; refuses an id the file does not list, naming the file. */
    public Node node(String id) {
        for (Node node : nodes) {
            if (node.id().value().equals(id)) {
                return node;
            }
        }
        throw new ConfigException(source + ": no node with id '" + id + "' (the file lists "
                + nodes.stream().map(n -> n.id().value()).toList() + ")");
    }

    public Node node(NodeId id) {
        return node(id.value());
    }

    public Map<NodeId, InetSocketAddress> raftAddresses() {
        Map<NodeId, InetSocketAddress> addresses = new LinkedHashMap<>();
        nodes.forEach(node -> addresses.put(node.id(), node.raft()));
        return addresses;
    }

    public Map<NodeId, InetSocketAddress> clientAddresses() {
        Map<NodeId, InetSocketAddress> addresses = new LinkedHashMap<>();
        nodes.forEach(node -> addresses.put(node.id(), node.client()));
        return addresses;
    }

    /** Each node's admin (HTTP) address. */
    public Map<NodeId, InetSocketAddress> adminAddresses() {
        Map<NodeId, InetSocketAddress> addresses = new LinkedHashMap<>();
        nodes.forEach(node -> addresses.put(node.id(), node.http()));
        return addresses;
    }

    /** Who may use the admin port: the token, client certificates if tls.admin asks for them, the open paths. */
    public AdminGuard adminGuard() {
        boolean byCertificate = tls.admin() != null
                && tls.admin().clientAuth() != io.caucus.transport.tls.TlsFiles.ClientAuthMode.NONE;
        return new AdminGuard(adminToken, byCertificate, adminOpenPaths, adminMaxBodyBytes);
    }

    public Path dataDirectoryOf(NodeId id) {
        return tunables.dataDirectory().resolve(id.value());
    }
}
