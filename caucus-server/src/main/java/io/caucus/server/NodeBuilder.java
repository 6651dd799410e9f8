package io.caucus.server;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.server.internal.BootstrapConfiguration;
import io.caucus.server.internal.DurableLogStore;
import io.caucus.server.internal.NodeRuntime;
import io.caucus.server.internal.NodeSettings;
import io.caucus.server.internal.PeerAddresses;
import io.caucus.server.internal.PeerDirectory;
import io.caucus.storage.RealDisk;
import io.caucus.storage.StorageOptions;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** The {@link CaucusNode.Builder} behind {@link CaucusNode#builder()}. */
final class NodeBuilder implements CaucusNode.Builder {


    private NodeId id;
    private Map<NodeId, InetSocketAddress> peers;
    private Map<NodeId, InetSocketAddress> clientAddresses = Map.of();
    private Map<NodeId, InetSocketAddress> adminAddresses = Map.of();
    private InetSocketAddress listenAddress;
    private Path dataDirectory;
    private StateMachine stateMachine;
    private Duration tickInterval = Duration.ofMillis(50);
    private RaftOptions raftOptions = RaftOptions.DEFAULTS;
    private boolean fsync = true;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration proposalLinger = DEFAULT_PROPOSAL_LINGER;
    private int maxPendingRequests = 10_000;
    private int maxCommandBytes = 1 << 20;
    private TransportOptions transportOptions = TransportOptions.defaults();
    private StorageOptions storageOptions = StorageOptions.DEFAULTS;
    private SnapshotOptions snapshotOptions = SnapshotOptions.DEFAULTS;
    private boolean join;
    private RequestPreparer requestPreparer = RequestPreparer.NONE;
    private Function<NodeId, Optional<InetSocketAddress>> addressResolver = PeerDirectory.NO_RESOLVER;

    @Override
    public CaucusNode.Builder id(String id) {
        this.id = NodeId.of(id);
        return this;
    }

    @Override
    public CaucusNode.Builder peers(Map<NodeId, InetSocketAddress> raftAddresses) {
        this.peers = Map.copyOf(raftAddresses);
        return this;
    }

    @Override
    public CaucusNode.Builder adminAddresses(Map<NodeId, InetSocketAddress> addresses) {
        this.adminAddresses = Map.copyOf(addresses);
        return this;
    }

    @Override
    public CaucusNode.Builder clientAddresses(Map<NodeId, InetSocketAddress> addresses) {
        this.clientAddresses = Map.copyOf(addresses);
        return this;
    }

    @Override
    public CaucusNode.Builder listenAddress(InetSocketAddress address) {
        this.listenAddress = Objects.requireNonNull(address, "listenAddress");
        return this;
    }

    @Override
    public CaucusNode.Builder dataDirectory(Path directory) {
        this.dataDirectory = Objects.requireNonNull(directory, "dataDirectory");
        return this;
    }

    @Override
    public CaucusNode.Builder stateMachine(StateMachine stateMachine) {
        this.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
        return this;
    }

    @Override
    public CaucusNode.Builder tickInterval(Duration tick) {
        this.tickInterval = Objects.requireNonNull(tick, "tickInterval");
        return this;
    }

    @Override
    public CaucusNode.Builder raftOptions(RaftOptions options) {
        this.raftOptions = Objects.requireNonNull(options, "raftOptions");
        return this;
    }

    @Override
    public CaucusNode.Builder fsync(boolean fsync) {
        this.fsync = fsync;
        return this;
    }

    @Override
    public CaucusNode.Builder proposalLinger(Duration linger) {
        this.proposalLinger = Objects.requireNonNull(linger, "proposalLinger");
        return this;
    }

    @Override
    public CaucusNode.Builder requestTimeout(Duration timeout) {
        this.requestTimeout = Objects.requireNonNull(timeout, "requestTimeout");
        return this;
    }

    @Override
    public CaucusNode.Builder maxPendingRequests(int requests) {
        this.maxPendingRequests = requests;
        return this;
    }

    @Override
    public CaucusNode.Builder maxCommandBytes(int bytes) {
        this.maxCommandBytes = bytes;
        return this;
    }

    @Override
    public CaucusNode.Builder transportOptions(TransportOptions options) {
        this.transportOptions = Objects.requireNonNull(options, "transportOptions");
        return this;
    }

    @Override
    public CaucusNode.Builder storageOptions(StorageOptions options) {
        this.storageOptions = Objects.requireNonNull(options, "storageOptions");
        return this;
    }

    @Override
    public CaucusNode.Builder snapshotOptions(SnapshotOptions options) {
        this.snapshotOptions = Objects.requireNonNull(options, "snapshotOptions");
        return this;
    }

    @Override
    public CaucusNode.Builder requestPreparer(RequestPreparer preparer) {
        this.requestPreparer = Objects.requireNonNull(preparer, "requestPreparer");
        return this;
    }

    @Override
    public CaucusNode.Builder join(boolean join) {
        this.join = join;
        return this;
    }

    @Override
    public CaucusNode.Builder addressResolver(Function<NodeId, Optional<InetSocketAddress>> resolver) {
        this.addressResolver = Objects.requireNonNull(resolver, "addressResolver");
        return this;
    }

    @Override
    public CaucusNode start() {
        require(id != null, "id is required");
        require(peers != null, "peers are required");
        require(dataDirectory != null, "dataDirectory is required");
        require(stateMachine != null, "stateMachine is required");
        require(maxCommandBytes <= storageOptions.maxEntryBytes(), "maxCommandBytes (" + maxCommandBytes
                + ") must not exceed the storage's maxEntryBytes (" + storageOptions.maxEntryBytes() + ")");
        NodeSettings settings = new NodeSettings(id, peers, clientAddresses, listenAddress, stateMachine, tickInterval,
                raftOptions, fsync, requestTimeout, maxPendingRequests, maxCommandBytes,
                NodeSettings.MAX_INPUTS_PER_TURN, NodeSettings.INBOX_CAPACITY, transportOptions, snapshotOptions,
                proposalLinger, requestPreparer);
        for (NodeId node : adminAddresses.keySet()) {
            require(peers.containsKey(node), "admin address given for " + node + ", which is not among the peers "
                    + peers.keySet());
        }
        ClusterConfiguration bootstrap = BootstrapConfiguration.loadOrRecord(dataDirectory, firstConfiguration());
        DurableLogStore store = DurableLogStore.open(RealDisk.INSTANCE, dataDirectory, storageOptions, bootstrap);
        return NodeRuntime.start(settings, store, bootstrap, addressResolver);
    }

    /**
     * The configuration a new node's log starts from: every peer as a voter; when joining, the other peers
     * only, so that this node is no voter and never campaigns until a leader adds it (Raft paper §6). Each
     * voter's addresses go with it, so the log alone names where every member is.
     */
    private ClusterConfiguration firstConfiguration() {
        Set<NodeId> voters = new TreeSet<>(peers.keySet());
        if (join) {
            voters.remove(id);
            require(!voters.isEmpty(), "a joining node needs the addresses of the cluster it joins in peers; "
                    + "peers name only " + id);
        }
        ClusterConfiguration configuration = ClusterConfiguration.ofVoters(voters);
        for (NodeId voter : voters) {
            configuration = configuration.withAddresses(voter, PeerAddresses.inLog(new NodeAddresses(
                    peers.get(voter), clientAddresses.get(voter), adminAddresses.get(voter))));
        }
        return configuration;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
