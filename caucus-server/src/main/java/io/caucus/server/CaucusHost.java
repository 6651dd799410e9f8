package io.caucus.server;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.server.internal.GroupHost;
import io.caucus.server.internal.HostNetwork;
import io.caucus.server.internal.NodeSettings;
import io.caucus.server.internal.PeerAddresses;
import io.caucus.storage.RealDisk;
import io.caucus.transport.TransportMetrics;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One process hosting many Raft groups (multi-Raft, docs/multiraft.md): each group replicates its own
 * {@link StateMachine} among some of the cluster's processes, and every group of the process shares one data
 * directory with one write-ahead log (one fsync per round for all groups), one connection per remote process, and a
 * fixed set of threads (about one per core), never a thread per group. Each group is a {@link CaucusNode} with the
 * same methods as a one-group node's.
 *
 * <pre>{@code
 * try (CaucusHost host = CaucusHost.builder()
 *         .id("n1")
 *         .peers(Map.of(n1, addr1, n2, addr2, n3, addr3))
 *         .dataDirectory(Path.of("data/n1"))
 *         .groups(group -> new CaucusHost.GroupDefinition(Set.of(n1, n2, n3), new OrdersStateMachine()))
 *         .start()) {
 *     CaucusNode orders = host.group(7);
 *     orders.submit(command).join();
 * }
 * }</pre>
 *
 * <p>Groups are named by ids from 1 up ({@link io.caucus.transport.WireProtocol#SINGLE_GROUP}, 0, is what a
 * one-group node speaks on the wire). A group's definition (its first voters and its state machine) comes from the
 * {@link GroupFactory} when the group starts: at {@link Builder#start()} for every group the data directory holds,
 * and at {@link #group(long)} for a new one. Every process that is a voter of a group must start it (a message for
 * a group a process does not run is dropped). Membership changes, snapshots and leadership transfer work per group
 * exactly as on a {@link CaucusNode}.
 *
 * <p>A group's first voters are recorded at its first start on a process; later starts use the recorded ones
 * whatever the factory says then (until the group's first membership change they are the configuration in force).
 *
 * <p>Idle groups quiesce (docs/multiraft.md, "Quiescence"): a group with nothing in flight for an election timeout
 * sends nothing and counts no election ticks until it has traffic again, so thousands of idle groups cost close to
 * nothing; processes ping each other on idle connections, and a process wakes the quiesced groups whose leader's
 * process went silent, which then elect a new leader. Thread-safe.
 */
public final class CaucusHost implements AutoCloseable {

    /**
     * How to run a group: its first voters (processes of the cluster), the state machine it replicates and what
     * prepares each request as the group's node thread takes it in (see {@link CaucusNode.Builder#requestPreparer};
     * one per group, since a preparer may keep state confined to its node's thread).
     */
    public record GroupDefinition(Set<NodeId> voters, StateMachine stateMachine, RequestPreparer requestPreparer) {
        public GroupDefinition {
            voters = Set.copyOf(voters);
            Objects.requireNonNull(stateMachine, "stateMachine");
            Objects.requireNonNull(requestPreparer, "requestPreparer");
            if (voters.isEmpty()) {
                throw new IllegalArgumentException("a group needs at least one voter");
            }
        }

        /** A group whose requests reach the state machine as submitted. */
        public GroupDefinition(Set<NodeId> voters, StateMachine stateMachine) {
            this(voters, stateMachine, RequestPreparer.NONE);
        }
    }

    /** Defines each group this process runs; called once per group start, never on a node thread. */
    @FunctionalInterface
    public interface GroupFactory {
        GroupDefinition define(long group);
    }

    private final NodeId id;
    private final HostNetwork network;
    private final GroupHost host;

    private CaucusHost(NodeId id, HostNetwork network, GroupHost host) {
        this.id = id;
        this.network = network;
        this.host = host;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The replica of {@code group} on this process: started (recovered from the data directory, or new with the
     * factory's definition) if it does not run yet.
     *
     * @throws IllegalArgumentException if {@code group} is below 1, or was removed from this process
     */
    public CaucusNode group(long group) {
        requireGroupId(group);
        return host.startGroup(group);
    }

    /** The replica of {@code group} if it runs here. */
    public Optional<CaucusNode> runningGroup(long group) {
        return host.group(group).map(runtime -> runtime);
    }

    /** The groups running on this process. */
    public SortedSet<Long> groups() {
        return new TreeSet<>(host.groups());
    }

    /**
     * Stops this process's replica of {@code group} and forgets it for good: its log records stop counting (durably)
     * and its snapshots are deleted. Remove it from the group's configuration first, if the group goes on elsewhere.
     * The id is never started on this process again ({@link #group} refuses it): a replica recreated empty would
     * have forgotten the votes it gave.
     */
    public void removeGroup(long group) {
        requireGroupId(group);
        host.removeGroup(group);
    }

    /** True if {@code group} was removed from this process ({@link #removeGroup}): {@link #group} refuses it. */
    public boolean wasRemoved(long group) {
        requireGroupId(group);
        return host.wasRemoved(group);
    }

    public NodeId id() {
        return id;
    }

    /** Where this process accepts peer connections (the real port when 0 was asked for). */
    public InetSocketAddress listenAddress() {
        return network.localAddress();
    }

    /** The process's peer traffic, every group's together. */
    public TransportMetrics transportMetrics() {
        return network.metrics();
    }

    /** What the process's groups share, counted since it started: the log's fsyncs, the peer traffic. */
    public HostMetrics metrics() {
        return new HostMetrics(host.groups().size(), host.quiescedGroups(), host.quiescedWakes(), host.log().fsyncs(),
                host.log().syncRounds(), host.log().coalescedSyncs(), host.log().gatheredRounds(), network.metrics());
    }

    /** Stops every group, then the shared log and the data directory's lock, then the connections. */
    @Override
    public void close() {
        try {
            host.close();
        } finally {
            network.close();
        }
    }

    private static void requireGroupId(long group) {
        if (group < 1) {
            throw new IllegalArgumentException("group ids start at 1: " + group);
        }
    }

    /** Builds and starts a {@link CaucusHost}; id, peers, dataDirectory and groups are required. */
    public static final class Builder {
        private NodeId id;
        private Map<NodeId, InetSocketAddress> peers;
        private Map<NodeId, InetSocketAddress> clientAddresses = Map.of();
        private InetSocketAddress listenAddress;
        private Path dataDirectory;
        private GroupFactory groups;
        private Duration tickInterval = Duration.ofMillis(50);
        private RaftOptions raftOptions = RaftOptions.DEFAULTS.withQuiesceAfterTicks(
                RaftOptions.DEFAULTS.electionTimeoutTicks());
        private Duration requestTimeout = Duration.ofSeconds(10);
        private int maxPendingRequests = 10_000;
        private int maxCommandBytes = 1 << 20;
        private TransportOptions transportOptions = TransportOptions.defaults();
        private SnapshotOptions snapshotOptions = SnapshotOptions.DEFAULTS;
        private Duration proposalLinger = CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER;
        private GroupHost.Options hostOptions = GroupHost.Options.defaults();

        private Builder() {
        }

        /** This process's id; must be a key of {@link #peers}. */
        public Builder id(String value) {
            this.id = NodeId.of(value);
            return this;
        }

        /** The peer (Raft) address of every process of the cluster, this one's included. */
        public Builder peers(Map<NodeId, InetSocketAddress> raftAddresses) {
            this.peers = Map.copyOf(raftAddresses);
            return this;
        }

        /**
         * Where clients reach each process (its HTTP or RESP address, say), by id: metadata that a group's
         * {@link NotLeaderException} hands back as {@link NotLeaderException#leaderClientAddress()}, so a service can
         * redirect a client to the process that leads the group. Optional.
         */
        public Builder clientAddresses(Map<NodeId, InetSocketAddress> addresses) {
            this.clientAddresses = Map.copyOf(addresses);
            return this;
        }

        /** Where to accept peer connections; by default this process's entry in {@link #peers}. */
        public Builder listenAddress(InetSocketAddress address) {
            this.listenAddress = Objects.requireNonNull(address, "listenAddress");
            return this;
        }

        /** The one directory of every group's log and snapshots (locked while the host runs). */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = Objects.requireNonNull(directory, "dataDirectory");
            return this;
        }

        /** Defines each group that starts here. */
        public Builder groups(GroupFactory factory) {
            this.groups = Objects.requireNonNull(factory, "groups");
            return this;
        }

        /** As {@link CaucusNode.Builder#tickInterval}, for every group. */
        public Builder tickInterval(Duration tick) {
            this.tickInterval = Objects.requireNonNull(tick, "tickInterval");
            return this;
        }

        /**
         * As {@link CaucusNode.Builder#raftOptions}, for every group. The default is {@link RaftOptions#DEFAULTS}
         * with {@code quiesceAfterTicks} at the election timeout (an idle group quiesces); 0 keeps every group
         * ticking and heartbeating.
         */
        public Builder raftOptions(RaftOptions options) {
            this.raftOptions = Objects.requireNonNull(options, "raftOptions");
            return this;
        }

        /** As {@link CaucusNode.Builder#requestTimeout}, for every group. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "requestTimeout");
            return this;
        }

        /** As {@link CaucusNode.Builder#maxPendingRequests}, per group. */
        public Builder maxPendingRequests(int requests) {
            this.maxPendingRequests = requests;
            return this;
        }

        /** As {@link CaucusNode.Builder#maxCommandBytes}, for every group. */
        public Builder maxCommandBytes(int bytes) {
            this.maxCommandBytes = bytes;
            return this;
        }

        /** The peer transport's limits, TLS and timings: one transport for the whole process. */
        public Builder transportOptions(TransportOptions options) {
            this.transportOptions = Objects.requireNonNull(options, "transportOptions");
            return this;
        }

        /** As {@link CaucusNode.Builder#snapshotOptions}, for every group. */
        public Builder snapshotOptions(SnapshotOptions options) {
            this.snapshotOptions = Objects.requireNonNull(options, "snapshotOptions");
            return this;
        }

        /** As {@link CaucusNode.Builder#proposalLinger}, for every group: each group's leader batches its own commands. */
        public Builder proposalLinger(Duration linger) {
            this.proposalLinger = Objects.requireNonNull(linger, "proposalLinger");
            return this;
        }

        /**
         * How long the shared log's sync thread lets requests gather before a round while several groups are
         * writing, so that their turns share one fsync; one group writing never waits. Default 200 µs (about a third
         * of a log fsync on the benchmark host, docs/multiraft.md "Runtime"); {@code Duration.ZERO} turns it off.
         */
        public Builder syncGather(Duration gather) {
            long nanos = Objects.requireNonNull(gather, "syncGather").toNanos();
            if (nanos < 0 || nanos > GroupHost.Options.MAX_SYNC_GATHER_NANOS) {
                throw new IllegalArgumentException("syncGather must be between 0 and 100 ms: " + gather);
            }
            this.hostOptions = new GroupHost.Options(hostOptions.nodeThreads(), hostOptions.workerThreads(),
                    hostOptions.wal(), hostOptions.snapshotsRetained(), nanos);
            return this;
        }

        /**
         * The threads the groups share: {@code nodeThreads} run the groups' turns (each group pinned to one),
         * {@code workerThreads} apply commands and stream snapshots. Default: one node thread per core, and as many
         * workers (at least 2).
         */
        public Builder threads(int nodeThreads, int workerThreads) {
            if (nodeThreads < 1 || workerThreads < 1) {
                throw new IllegalArgumentException("need at least one node thread and one worker thread: "
                        + nodeThreads + ", " + workerThreads);
            }
            this.hostOptions = new GroupHost.Options(nodeThreads, workerThreads, hostOptions.wal(),
                    hostOptions.snapshotsRetained(), hostOptions.syncGatherNanos());
            return this;
        }

        /**
         * Opens the data directory, listens, dials every peer process and starts every group the directory holds.
         *
         * @throws IllegalArgumentException if a required setting is missing or the settings disagree
         * @throws io.caucus.storage.CorruptStorageException if the shared log is damaged
         */
        public CaucusHost start() {
            require(id != null, "id is required");
            require(peers != null && peers.containsKey(id), "peers are required and must name this process (" + id
                    + ")");
            require(dataDirectory != null, "dataDirectory is required");
            require(groups != null, "groups is required");
            InetSocketAddress listen = listenAddress != null ? listenAddress : peers.get(id);
            HostNetwork network = HostNetwork.create(id, listen, peers, transportOptions, tickInterval);
            network.start();
            try {
                GroupHost host = GroupHost.open(RealDisk.INSTANCE, dataDirectory, hostOptions, network,
                        network::lastHeardNanos, group -> spec(group, listen));
                return new CaucusHost(id, network, host);
            } catch (RuntimeException e) {
                network.close();
                throw e;
            }
        }

        private GroupHost.GroupSpec spec(long group, InetSocketAddress listen) {
            GroupDefinition definition = Objects.requireNonNull(groups.define(group),
                    "the group factory defined no group " + group);
            Set<NodeId> voters = definition.voters();
            for (NodeId voter : voters) {
                require(peers.containsKey(voter), "group " + group + " names voter " + voter
                        + ", which is not among the processes " + peers.keySet());
            }
            ClusterConfiguration bootstrap = ClusterConfiguration.ofVoters(voters);
            for (NodeId voter : voters) {
                bootstrap = bootstrap.withAddresses(voter, PeerAddresses.inLog(
                        new NodeAddresses(peers.get(voter), clientAddresses.get(voter), null)));
            }
            NodeSettings settings = new NodeSettings(id, peers, clientAddresses, listen, definition.stateMachine(),
                    tickInterval, raftOptions, true, requestTimeout, maxPendingRequests, maxCommandBytes,
                    NodeSettings.MAX_INPUTS_PER_TURN, NodeSettings.INBOX_CAPACITY, transportOptions, snapshotOptions,
                    proposalLinger, definition.requestPreparer());
            return new GroupHost.GroupSpec(settings, bootstrap);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
