package io.caucus.kv;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.admin.AdminHttpServer;
import io.caucus.kv.admin.SlotsEndpoint;
import io.caucus.kv.cluster.ClusterBackend;
import io.caucus.kv.cluster.ClusterDirectory;
import io.caucus.kv.cluster.ExpirySweeper;
import io.caucus.kv.cluster.LeaderForwarder;
import io.caucus.kv.cluster.RemoteGroupBackend;
import io.caucus.kv.cluster.TimeStamper;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.NodeTls;
import io.caucus.kv.protocol.Acl;
import io.caucus.kv.protocol.ClientPort;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.kv.protocol.RespHandler;
import io.caucus.kv.shard.LeaderBalancer;
import io.caucus.kv.shard.MetadataMembers;
import io.caucus.kv.shard.ReplicaMover;
import io.caucus.kv.shard.ShardLayout;
import io.caucus.kv.shard.ShardRouter;
import io.caucus.kv.shard.SlotMover;
import io.caucus.kv.cluster.KvBackend;
import io.caucus.kv.slots.ReplicaRebalance;
import io.caucus.kv.slots.SlotRange;
import io.caucus.kv.slots.SlotRebalance;
import java.util.concurrent.CompletableFuture;
import io.caucus.kv.shard.SlotMapStateMachine;
import io.caucus.kv.slots.MoveProgress;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.state.KvStateMachine;
import io.caucus.server.CaucusHost;
import io.caucus.server.CaucusNode;
import io.caucus.server.NodeAddresses;
import io.caucus.transport.NettyIo;
import io.caucus.transport.TransportOptions;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a sharded cluster ({@code shards: N} in the cluster file; docs/multiraft.md): a {@link CaucusHost}
 * running the metadata group (the slot map, on every node) and the data groups the layout puts here (a
 * {@link KvStateMachine} each), the Redis port speaking Redis Cluster (routing by slot, {@code -MOVED},
 * {@code CROSSSLOT}, the CLUSTER views) and the admin port (status, health and metrics of the metadata group).
 *
 * <p>The first slot map is installed by whichever node first leads the metadata group, by compare-and-set on epoch 0,
 * so every node installs the same map once ({@link ShardLayout#initialMap}); until then slots answer CLUSTERDOWN.
 * Each data group's leadership goes to its preferred replica when that one is up ({@link LeaderBalancer}), so the
 * groups' leaders, and with them the writes, spread over the nodes.
 * Slot ranges move between data groups online ({@link #startMove}, or every move {@link #rebalance} plans, carried out
 * by {@link SlotMover}).
 * A group's replica moves from one node to another online ({@link #startReplicaMove}, carried out by
 * {@link ReplicaMover}; {@link #cancelReplicaMove} undoes one), and {@link #rebalanceReplicas} spreads the replicas
 * evenly over the nodes (a node added to the file and started with {@code join} included). Not yet in a sharded
 * cluster: adding nodes to the cluster file without restarting the others, snapshots on
 * demand, backups.
 */
public final class ShardedKvServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShardedKvServer.class);
    private static final long MAP_CHECK_MILLIS = 100;

    private final CaucusHost host;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final ScheduledExecutorService retries;
    private final LeaderForwarder forwarder;
    private final Duration requestTimeout;
    private final ExpirySweeper sweeper;
    private final LeaderBalancer balancer;
    private final SlotMover mover;
    private final ReplicaMover replicaMover;
    private final CaucusNode metadataNode;
    private final SlotMapStateMachine metadata;
    /** The data groups' state machines here, by group. */
    private final Map<Long, KvStateMachine> machines;
    private final ShardRouter router;
    private final NodeId self;
    private final ClusterConfig config;
    private final ClusterDirectory directory;
    /** The metadata group, reached at its leader wherever that is: map changes from any node. */
    private final KvBackend metadataBackend;
    /** The map epoch {@link #placeReplicas} carried out in full; only on the {@code retries} thread. */
    private long placedEpoch = -1;
    /** The data groups replicated here, by group; changed only by {@link #placeReplicas} (and at the start). */
    private final Map<Long, CaucusNode> dataGroups = new ConcurrentSkipListMap<>();
    /** The data groups replicated here, each through its replica's backend. */
    private final Map<Long, KvBackend> localBackends = new ConcurrentHashMap<>();
    /** The data groups with no replica here that the mover has reached, each through a node that has one. */
    private final Map<Long, KvBackend> remoteBackends = new ConcurrentHashMap<>();
    /** A node's client port: the log's address first (it may have moved), then the cluster file's. */
    private final Function<NodeId, Optional<InetSocketAddress>> clientAddresses;
    private final KvMetrics metrics = new KvMetrics();
    private final ScheduledFuture<?> mapInstaller;
    private final AtomicBoolean installing = new AtomicBoolean();
    private final MetadataMembers metadataMembers;
    private boolean removalLogged;
    private volatile boolean mapSeen;
    private Channel clientChannel;
    private AdminHttpServer admin;

    private ShardedKvServer(ClusterConfig config, ClusterConfig.Node self, CaucusHost host,
                            SlotMapStateMachine metadata, Map<Long, KvStateMachine> machines, NodeTls tls,
                            boolean layOut) {
        this.host = host;
        this.metadata = metadata;
        this.machines = machines;
        this.self = self.id();
        this.config = config;
        ClusterConfig.Tunables tunables = config.tunables();
        ShardLayout layout = ShardLayout.of(config);
        this.acceptors = NettyIo.newGroup(1, new DefaultThreadFactory("caucus-resp-accept", true));
        this.workers = NettyIo.newGroup(Math.max(1, tunables.clientIoThreads()),
                new DefaultThreadFactory("caucus-resp", true));
        this.retries = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("caucus-kv-retries").factory());
        this.forwarder = new LeaderForwarder(workers, config.clientAuth().nodePassword(), tls.client());
        this.requestTimeout = tunables.requestTimeout();
        this.directory = new ClusterDirectory(config);
        this.metadataNode = host.group(ShardLayout.METADATA_GROUP);
        this.metadataBackend = new ClusterBackend(metadataNode, ShardLayout.METADATA_GROUP, directory, forwarder,
                retries, tunables.requestTimeout());
        this.sweeper = new ExpirySweeper(List.of(), System::currentTimeMillis, retries);
        this.router = new ShardRouter(self.id(), metadata, metadataNode, metadataBackend, Map.of(),
                config.clientAddresses());
        // The layout's groups here on the cluster's first start; the groups recovered from the shared log (those the
        // node took in by a replica move too), except those it was retired from. The map places the rest.
        SortedSet<Long> startGroups = new TreeSet<>(layOut ? layout.dataGroupsOn(self.id()) : List.of());
        startGroups.addAll(host.groups());
        startGroups.remove(ShardLayout.METADATA_GROUP);
        for (long group : startGroups) {
            if (!host.wasRemoved(group)) {
                hostDataGroup(group);
            }
        }
        this.balancer = new LeaderBalancer(self.id(), metadata::current, dataGroups, retries);
        this.clientAddresses = node -> metadataNode.clientAddress(node)
                .or(() -> directory.node(node).map(ClusterConfig.Node::client));
        this.mover = new SlotMover(metadata, metadataNode, this::moverBackend, tunables.requestTimeout());
        this.replicaMover = new ReplicaMover(self.id(), metadata::current, metadataBackend, dataGroups::get,
                this::addressesOf, retries);
        this.metadataMembers = new MetadataMembers(self.id(), metadataNode, metadata::current, this::listedNodes,
                this::addressesOf);
        SlotMap initial = layout.initialMap();
        this.mapInstaller = retries.scheduleWithFixedDelay(() -> {
            installFirstMap(metadataNode, initial);
            placeReplicas();
            metadataMembers.check();
        }, MAP_CHECK_MILLIS, MAP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts this node's replica of {@code group} (recovered, or new: joining the group's members as the map lists
     * them if the layout did not put it here) and routes, sweeps and balances it.
     */
    private synchronized void hostDataGroup(long group) {
        if (dataGroups.containsKey(group)) {
            return;
        }
        CaucusNode node = host.group(group);
        KvStateMachine machine = machines.get(group);
        ClusterBackend backend = new ClusterBackend(node, group, directory, forwarder, retries, requestTimeout);
        router.addReplica(group, new ShardRouter.Replica(node, backend, machine::handedOverTo));
        localBackends.put(group, backend);
        remoteBackends.remove(group);
        sweeper.add(new ExpirySweeper.Target(node, machine::nextExpiryMillis));
        dataGroups.put(group, node);
    }

    /**
     * Stops this node's replica of {@code group} and deletes it for good ({@link CaucusHost#removeGroup}): the map
     * retired this node from the group, which it records only once the group's configuration without this node is
     * committed (ReplicaMover), so the group needs nothing of this replica any more.
     */
    private synchronized void dropDataGroup(long group) {
        CaucusNode node = dataGroups.remove(group);
        if (node == null) {
            return;
        }
        router.removeReplica(group);
        localBackends.remove(group);
        sweeper.remove(node);
        host.removeGroup(group);
        machines.remove(group);
        LOG.info("deleted this node's replica of group {}: the slot map moved it to another node", group);
    }

    /**
     * Follows the map's replica moves here: starts the replica of a group moving to this node (which then waits, a
     * non-voter, for the group's leader to add it) and drops the replica of a group this node was retired from. A map
     * placed here in full needs nothing more until it changes, so a node of thousands of groups does not walk them all
     * ten times a second; one whose placement failed somewhere is tried again.
     */
    private void placeReplicas() {
        SlotMap map = metadata.current();
        if (map.epoch() == 0 || map.epoch() == placedEpoch) {
            return;
        }
        boolean placed = true;
        for (long group : map.groups()) {
            try {
                if (map.retiredReplicasOf(group).contains(self)) {
                    dropDataGroup(group);
                } else if (map.placesReplicaOn(group, self) && !dataGroups.containsKey(group)
                        && !host.wasRemoved(group)) {
                    LOG.info("starting a replica of group {}, moving here from {}", group,
                            map.replicaMoveOf(group).map(move -> move.from().value()).orElse("?"));
                    hostDataGroup(group);
                }
            } catch (RuntimeException e) {
                placed = false;
                LOG.warn("cannot place this node's replica of group {}: {}", group, e.toString());
            }
        }
        if (placed) {
            placedEpoch = map.epoch();
        }
        if (map.removedNodes().contains(self) && map.holdsNothing(self) && !removalLogged) {
            removalLogged = true;
            LOG.info("this node is removed from the cluster and holds no replica any more: once it has left the "
                    + "metadata group (as 'caucus slots remove-node' reports) it can be stopped, and deleted from "
                    + "every node's cluster file");
        }
    }

    /** The nodes of the cluster file as it is now: a node listed since this one started counts (no restart). */
    private List<NodeId> listedNodes() {
        return directory.nodes().stream().map(ClusterConfig.Node::id).toList();
    }

    private Optional<NodeAddresses> addressesOf(NodeId node) {
        return directory.node(node).map(n -> new NodeAddresses(n.raft(), n.client(), n.http()));
    }

    /**
     * Starts node {@code id} of the sharded cluster {@code config}, its data in {@code dataDirectory}, one of the nodes
     * the cluster starts with (or restarts).
     *
     * @throws UncheckedIOException if a port cannot be bound
     */
    public static ShardedKvServer start(ClusterConfig config, NodeId id, Path dataDirectory) {
        return start(config, id, dataDirectory, false);
    }

    /**
     * Starts node {@code id} of the sharded cluster {@code config}, its data in {@code dataDirectory}; with
     * {@code join} (a node added to the file after the cluster started), a node with no data yet takes no part in
     * the metadata group until its leader adds it as a learner ({@link MetadataMembers}) and hosts only the replicas
     * the map then moves to it. The cluster file's layout places data groups only on the first start of a node that
     * does not join: a node with data follows its own records and the map, whatever the file lists now.
     *
     * @throws UncheckedIOException if a port cannot be bound
     */
    public static ShardedKvServer start(ClusterConfig config, NodeId id, Path dataDirectory, boolean join) {
        if (!config.sharding().enabled()) {
            throw new IllegalArgumentException(config.source() + " sets no 'shards': start a KvServer");
        }
        ClusterConfig.Node self = config.node(id);
        KvServer.requireOwnAddressesResolved(self);
        NodeTls tls = NodeTls.load(config, id);
        ClusterConfig.Tunables tunables = config.tunables();
        ShardLayout layout = ShardLayout.of(config);
        SlotMapStateMachine metadata = new SlotMapStateMachine();
        Map<Long, KvStateMachine> machines = new ConcurrentHashMap<>();
        AtomicBoolean layOut = new AtomicBoolean(!join);
        CaucusHost host = CaucusHost.builder()
                .id(id.value())
                .peers(config.raftAddresses())
                .clientAddresses(config.clientAddresses())
                .dataDirectory(dataDirectory)
                .groups(group -> group == ShardLayout.METADATA_GROUP
                        ? new CaucusHost.GroupDefinition(metadataVoters(layout, id, join), metadata)
                        : new CaucusHost.GroupDefinition(firstVoters(layout, layOut.get(), metadata.current(), id,
                                group),
                                machines.computeIfAbsent(group, g -> new KvStateMachine(tunables.maxSessions())),
                                new TimeStamper(System::currentTimeMillis)))
                .tickInterval(tunables.tickInterval())
                .raftOptions(tunables.raftOptions().withQuiesceAfterTicks(tunables.electionTimeoutTicks()))
                .requestTimeout(tunables.requestTimeout())
                .proposalLinger(tunables.proposalLinger())
                .snapshotOptions(tunables.snapshots())
                .transportOptions(TransportOptions.defaults().withMaxFrameBytes(config.maxPeerFrameBytes())
                        .withTls(tls.peer()))
                .start();
        // A node with data started before: the layout placed its groups then, and the map places them now.
        layOut.compareAndSet(true, host.groups().isEmpty());
        ShardedKvServer server = null;
        try {
            server = new ShardedKvServer(config, self, host, metadata, machines, tls, layOut.get());
            server.listen(config, self, tls);
            return server;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            } else {
                host.close();
            }
            throw new UncheckedIOException("cannot start " + id + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /**
     * The voters a new replica of {@code group} here starts from: the layout's, if it puts the group here on the
     * cluster's first start ({@code layOut}); else the replicas the map lists, without this node, so that it joins as
     * a non-voter that never campaigns until the group's leader adds it (Raft paper §6).
     */
    private static Set<NodeId> firstVoters(ShardLayout layout, boolean layOut, SlotMap map, NodeId self,
                                           long group) {
        Set<NodeId> laidOut = layout.firstVoters(group);
        List<NodeId> listed = map.replicasOf(group);
        return (layOut && laidOut.contains(self)) || listed.isEmpty() ? laidOut : Set.copyOf(listed);
    }

    /**
     * The metadata group's first voters: every node of the file; for a node joining, every other one, so that it is
     * a non-voter that never campaigns until the leader adds it (its configuration then comes with the leader's log).
     */
    private static Set<NodeId> metadataVoters(ShardLayout layout, NodeId self, boolean join) {
        Set<NodeId> voters = new TreeSet<>(layout.firstVoters(ShardLayout.METADATA_GROUP));
        if (join) {
            voters.remove(self);
        }
        return voters;
    }

    private void listen(ClusterConfig config, ClusterConfig.Node self, NodeTls tls) throws IOException {
        Acl acl = Acl.of(config.clientAuth());
        try {
            clientChannel = ClientPort.bind(acceptors, workers, self.client(), metrics, config.clientLimits(),
                    tls.client(), () -> new RespHandler(router, metrics, acl, config.clientLimits()));
            admin = new AdminHttpServer(self.http(), router::status, metrics, null, null, () -> null, tls.admin(),
                    config.adminGuard(), null, Map.of("/groups", this::groupsView, "/digests", this::digestsView),
                    new SlotsEndpoint(slotsAccess(config), config.tunables().requestTimeout()));
        } catch (Exception e) { // Netty rethrows a BindException undeclared
            throw new IOException("cannot listen on " + self.client() + " (redis) or " + self.http() + " (http): "
                    + e, e);
        }
    }

    /**
     * What {@code /slots} needs: the map, the metadata leader, the nodes' admin addresses, starting a move or a replica
     * move.
     */
    private SlotsEndpoint.Slots slotsAccess(ClusterConfig config) {
        return new SlotsEndpoint.Slots() {
            @Override
            public SlotMap map() {
                return metadata.current();
            }

            @Override
            public NodeId metadataLeader() {
                return metadataNode.status().leader();
            }

            @Override
            public NodeId self() {
                return metadataNode.id();
            }

            @Override
            public Optional<InetSocketAddress> adminAddress(NodeId node) {
                return metadataNode.adminAddress(node).or(() -> directory.node(node).map(ClusterConfig.Node::http));
            }

            @Override
            public CompletableFuture<SlotMap> startMove(SlotRange range, long target) {
                return ShardedKvServer.this.startMove(range, target);
            }

            @Override
            public CompletableFuture<SlotMap> startReplicaMove(long group, NodeId from, NodeId to) {
                return ShardedKvServer.this.startReplicaMove(group, from, to);
            }

            @Override
            public CompletableFuture<SlotMap> cancelReplicaMove(long group) {
                return ShardedKvServer.this.cancelReplicaMove(group);
            }

            @Override
            public Map<SlotRange, MoveProgress> moveProgress() {
                return mover.progress();
            }

            @Override
            public CompletableFuture<ReplicaRebalance.Plan> rebalanceReplicas(boolean dryRun) {
                return ShardedKvServer.this.rebalanceReplicas(dryRun);
            }

            @Override
            public CompletableFuture<ReplicaRebalance.Plan> removeNode(NodeId node, boolean dryRun) {
                return ShardedKvServer.this.removeNode(node, dryRun);
            }

            @Override
            public Set<NodeId> metadataMembers() {
                return metadataNode.status().configuration().members();
            }

            @Override
            public CompletableFuture<SlotRebalance.Plan> rebalance(double thresholdPercent, boolean dryRun) {
                return dryRun ? planRebalance(thresholdPercent) : ShardedKvServer.this.rebalance(thresholdPercent);
            }
        };
    }

    /**
     * How the mover reaches {@code group}: through its replica here, else through the replicas the map in force lists
     * (a group that appeared in the map after this node started too); null if the map lists none.
     */
    private KvBackend moverBackend(long group) {
        KvBackend local = localBackends.get(group);
        if (local != null) {
            return local;
        }
        if (metadata.current().replicasOf(group).isEmpty()) {
            return null;
        }
        return remoteBackends.computeIfAbsent(group, remote -> new RemoteGroupBackend(remote,
                () -> metadata.current().replicasOf(remote), clientAddresses, forwarder, retries,
                requestTimeout));
    }

    /** Proposes the layout's map while none is installed and this node leads the metadata group. */
    private void installFirstMap(CaucusNode metadataNode, SlotMap initial) {
        SlotMap current = metadata.current();
        if (current.epoch() > 0) {
            // The slots only: nodes added to the file since the first start lay the replicas out differently.
            if (!mapSeen && !current.ranges().equals(initial.ranges()) && current.epoch() == initial.epoch()) {
                LOG.warn("the slot map in force ({} groups) is not the one this node's cluster file lays out ({} "
                        + "groups): the map in force routes", current.groups().size(), initial.groups().size());
            }
            mapSeen = true;
            return;
        }
        if (!metadataNode.id().equals(metadataNode.status().leader()) || !installing.compareAndSet(false, true)) {
            return;
        }
        metadataNode.submit(SlotMapStateMachine.install(0, initial)).whenComplete((result, failure) -> {
            installing.set(false);
            if (failure == null && SlotMapStateMachine.installed(result)) {
                LOG.info("installed the first slot map: {} data groups", initial.groups().size());
            }
        });
    }

    /** {@code GET /groups}: every group this node runs, with its slots, replicas and this replica's view. */
    record GroupsView(String node, long mapEpoch, List<GroupView> groups, HostView host) {
    }

    record GroupView(long id, List<String> slots, List<String> replicas, String role, long term, String leader,
                     long commit, long applied) {
    }

    /** What the groups share: the host's fsyncs and sync rounds since it started, the groups quiesced now. */
    record HostView(int groups, int quiesced, long walFsyncs, long walSyncRounds) {
    }

    private GroupsView groupsView() {
        SlotMap map = metadata.current();
        List<GroupView> groups = new ArrayList<>();
        for (long group : host.groups()) {
            host.runningGroup(group).ifPresent(node -> {
                NodeStatus status = node.status();
                List<String> replicas = group == ShardLayout.METADATA_GROUP
                        ? status.configuration().voters().stream().map(NodeId::value).sorted().toList()
                        : map.replicasOf(group).stream().map(NodeId::value).toList();
                groups.add(new GroupView(group, map.rangesOf(group).stream().map(range -> range.start() + "-" + range.end()).toList(), replicas,
                        status.role().name().toLowerCase(java.util.Locale.ROOT), status.term(),
                        status.leader() == null ? null : status.leader().value(), status.commitIndex(),
                        status.appliedIndex()));
            });
        }
        io.caucus.server.HostMetrics shared = host.metrics();
        return new GroupsView(host.id().value(), map.epoch(), groups, new HostView(shared.groups(),
                shared.quiesced(), shared.walFsyncs(), shared.walSyncRounds()));
    }

    /**
     * {@code GET /digests}: each data group's replica here, its applied index and a fingerprint of its data (as a
     * one-group node's {@code /digest}), so that replicas of a group can be compared (the chaos tester does).
     */
    private Map<String, AdminHttpServer.Digest> digestsView() {
        Map<String, AdminHttpServer.Digest> digests = new java.util.TreeMap<>();
        machines.forEach((group, machine) -> {
            io.caucus.kv.state.StateDigest digest = machine.digest();
            digests.put(Long.toString(group), new AdminHttpServer.Digest(digest.appliedIndex(), digest.keys(),
                    digest.sha256()));
        });
        return digests;
    }

    /**
     * Starts moving {@code range} to data group {@code target}: records the migration in the slot map (by
     * compare-and-set on its epoch), which the mover on the metadata group's leader then carries out
     * ({@link SlotMover}). Completes with the map that records it; fails if this node does not lead the metadata
     * group, or if the move is not possible (the range not owned by one group, already moving, an unknown target:
     * {@link IllegalArgumentException} naming why).
     */
    public CompletableFuture<SlotMap> startMove(SlotRange range, long target) {
        SlotMap current = metadata.current();
        SlotMap next;
        try {
            next = current.startMigration(range, target);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return metadataNode.submit(SlotMapStateMachine.install(current.epoch(), next)).thenCompose(result ->
                SlotMapStateMachine.installed(result) ? CompletableFuture.completedFuture(next)
                        : startMove(range, target)); // the map changed meanwhile: check the move against the new one
    }

    /**
     * Starts spreading the slots evenly over the data groups: plans the moves ({@link SlotRebalance}) against the map
     * in force and records them all in one change (by compare-and-set on its epoch, planned again against a map that
     * changed meanwhile), which the mover on the metadata group's leader then carries out one after the other
     * ({@link SlotMover}). Completes with the plan and the map that records it (the map in force when no move is
     * needed: nothing is recorded); fails if this node does not lead the metadata group, or with
     * {@link IllegalArgumentException} if the map cannot be planned (a move under way, a bad threshold).
     */
    public CompletableFuture<SlotRebalance.Plan> rebalance(double thresholdPercent) {
        SlotMap current = metadata.current();
        List<SlotMap.Migration> moves;
        try {
            moves = SlotRebalance.plan(current, thresholdPercent);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (moves.isEmpty()) {
            return CompletableFuture.completedFuture(new SlotRebalance.Plan(current, moves));
        }
        SlotMap next = current.startMigrations(moves);
        return metadataNode.submit(SlotMapStateMachine.install(current.epoch(), next)).thenCompose(result ->
                SlotMapStateMachine.installed(result) ? CompletableFuture.completedFuture(
                        new SlotRebalance.Plan(next, moves)) : rebalance(thresholdPercent)); // plan the new map
    }

    /** What {@link #rebalance} would record now, against the map in force here; changes nothing. */
    public CompletableFuture<SlotRebalance.Plan> planRebalance(double thresholdPercent) {
        SlotMap current = metadata.current();
        try {
            return CompletableFuture.completedFuture(new SlotRebalance.Plan(current,
                    SlotRebalance.plan(current, thresholdPercent)));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Starts moving {@code group}'s replica on node {@code from} to node {@code to}, a node of the cluster file:
     * records the move in the slot map (by compare-and-set on its epoch, at the metadata group's leader wherever it
     * is), which the group's leader then carries out ({@link ReplicaMover}). Completes with the map that records it;
     * fails with {@link IllegalArgumentException} naming why the move is not possible.
     */
    public CompletableFuture<SlotMap> startReplicaMove(long group, NodeId from, NodeId to) {
        if (directory.node(to).isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(to + " is not a node of the cluster"
                    + " file " + config.source()));
        }
        return changeMap(current -> {
            SlotMap next = current.startReplicaMove(group, from, to);
            ReplicaRebalance.refuseStranding(current, next.finishReplicaMove(group), listedNodes(), group,
                    "moving " + from + "'s replica of group " + group + " to " + to);
            return next;
        });
    }

    /**
     * Cancels {@code group}'s replica move: marks it cancelled in the slot map, and the group's leader then takes the
     * node moved to out of the group again and drops the move, retiring that node from the group; or finishes the
     * move if the node moved from has left the group already ({@link ReplicaMover}). Completes with the map that
     * records the cancel; fails with {@link IllegalArgumentException} if the group moves no replica or its move is
     * being cancelled already.
     */
    public CompletableFuture<SlotMap> cancelReplicaMove(long group) {
        return changeMap(current -> {
            SlotMap next = current.cancelReplicaMove(group);
            ReplicaRebalance.refuseStranding(current.finishReplicaMove(group), next.abandonReplicaMove(group),
                    listedNodes(), group, "cancelling group " + group + "'s replica move");
            return next;
        });
    }

    /**
     * Starts spreading the data groups' replicas evenly over the nodes of the cluster file: plans one round of replica
     * moves ({@link ReplicaRebalance}) against the map read linearizably at the metadata group's leader and records
     * them all in one change (by compare-and-set on its epoch, planned again against a map that changed meanwhile);
     * each group's leader then carries out its move ({@link ReplicaMover}). With {@code dryRun}, only plans. Any node
     * answers. Completes with the plan and the map that records it (the map planned, for a dry run or when no move is
     * needed); fails with {@link IllegalArgumentException} if a group has a replica on a node the file does not list.
     */
    public CompletableFuture<ReplicaRebalance.Plan> rebalanceReplicas(boolean dryRun) {
        List<NodeId> nodes = listedNodes();
        return metadataBackend.read(new byte[0]).thenApply(SlotMap::decode).thenCompose(current -> {
            ReplicaRebalance.Plan plan = ReplicaRebalance.plan(current, nodes);
            if (dryRun || plan.moves().isEmpty()) {
                return CompletableFuture.completedFuture(plan);
            }
            SlotMap next = current.startReplicaMoves(plan.moves());
            return metadataBackend.submit(SlotMapStateMachine.install(current.epoch(), next)).thenCompose(result ->
                    SlotMapStateMachine.installed(result) ? CompletableFuture.completedFuture(plan.recordedIn(next))
                            : rebalanceReplicas(false)); // the map changed meanwhile: plan the new one
        });
    }

    /**
     * Removes {@code node} from the cluster, for good: records it as removed in the slot map (by compare-and-set on its
     * epoch, at the metadata group's leader wherever it is), from then on no replica moves to it, rebalancing moves its
     * replicas to the other nodes ({@link #rebalanceReplicas}, round after round: {@code caucus slots remove-node}
     * drives them), and, once it holds none, the metadata group's leader takes it out of the metadata group
     * ({@link MetadataMembers}). It may be down: its groups' other replicas carry the moves. Completes with the first
     * round's plan against the map that records the removal (nothing of it recorded yet), or for a dry run against
     * the map as it would be; a node removed already is not recorded again. Fails with
     * {@link IllegalArgumentException}, changing nothing, for a node the cluster does not know, and for one holding a
     * replica of a group that no other node could take (each holds the group or left it): add a node first.
     */
    public CompletableFuture<ReplicaRebalance.Plan> removeNode(NodeId node, boolean dryRun) {
        List<NodeId> nodes = listedNodes();
        return metadataBackend.read(new byte[0]).thenApply(SlotMap::decode).thenCompose(current -> {
            boolean known = nodes.contains(node) || metadataNode.status().configuration().isMember(node)
                    || !current.holdsNothing(node);
            if (!known) {
                throw new IllegalArgumentException(node + " is not a node of this cluster: neither its cluster file "
                        + config.source() + " nor the metadata group lists it, and it holds no replica; nothing was "
                        + "changed");
            }
            ReplicaRebalance.Plan plan = ReplicaRebalance.planRemoval(current, nodes, node);
            SlotMap next = plan.map();
            if (dryRun || next.epoch() == current.epoch()) {
                return CompletableFuture.completedFuture(plan); // a dry run, or removed already
            }
            return metadataBackend.submit(SlotMapStateMachine.install(current.epoch(), next)).thenCompose(result -> {
                if (!SlotMapStateMachine.installed(result)) {
                    return removeNode(node, false); // the map changed meanwhile: check and record on the new one
                }
                LOG.info("{} is removed from the cluster: its replicas move to the other nodes, then it leaves the "
                        + "metadata group", node);
                return CompletableFuture.completedFuture(plan);
            });
        });
    }

    /**
     * Installs {@code change} of the map read linearizably at the metadata group's leader, by compare-and-set on its
     * epoch; if the map changed in between, the change is made again on the newer one (and refused if it no longer
     * may be). Completes with the map installed.
     */
    private CompletableFuture<SlotMap> changeMap(UnaryOperator<SlotMap> change) {
        return metadataBackend.read(new byte[0]).thenApply(SlotMap::decode).thenCompose(current -> {
            SlotMap next = change.apply(current);
            return metadataBackend.submit(SlotMapStateMachine.install(current.epoch(), next)).thenCompose(result ->
                    SlotMapStateMachine.installed(result) ? CompletableFuture.completedFuture(next)
                            : changeMap(change));
        });
    }

    /** The slot map in force on this node. */
    public SlotMap slotMap() {
        return metadata.current();
    }

    public CaucusHost host() {
        return host;
    }

    @Override
    public void close() {
        mapInstaller.cancel(false);
        balancer.close();
        mover.close();
        replicaMover.close();
        sweeper.close();
        if (clientChannel != null) {
            clientChannel.close().awaitUninterruptibly();
        }
        if (admin != null) {
            admin.close();
        }
        forwarder.close();
        host.close();
        retries.shutdownNow();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
