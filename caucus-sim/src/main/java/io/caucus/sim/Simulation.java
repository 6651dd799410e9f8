package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationChange;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.RaftMessage;
import io.caucus.server.Membership;
import io.caucus.server.internal.NodeRuntime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A deterministic simulated cluster: virtual clock, network, disks, crashes and partitions, all driven by one
 * seed. Each node is a production {@link NodeRuntime} in a {@link SimEnvironment}, on the key-value service's
 * state machine; scenarios and workloads reach it through the runtime's public API. Raft's safety invariants
 * are checked after every event, failing fast with the seed and a trace.
 *
 * <p>This class holds the world's state (the event queue and its clock, the nodes, the network, the checkers)
 * and the scripting API; each concern is a collaborator: {@link NodeLifecycle} starts, crashes and restarts
 * nodes, {@link RuntimeTurns} runs a runtime's events, {@link RuntimeReports} checks what runtimes report,
 * {@link Arrivals} hands what the network delivers to the nodes, {@link ScriptedRequests} and
 * {@link MembershipRequests} make requests of a node, {@link Partitions} cuts and heals links, and
 * {@link Awaits} waits for liveness.
 *
 * <p>Single-threaded; every random choice comes from one {@link Random} seeded from the config, and every
 * collection iterated is ordered, so a seed reproduces a run exactly.
 */
public final class Simulation {

    /**
     * What the group simulations of a multi-group run share ({@link MultiGroupSimulation}): one seed's random, one
     * event queue and clock, one trace, and the links between processes (a partition cuts every group alike).
     */
    record World(Random random, EventQueue events, Trace trace, Connectivity connectivity) {
    }

    /**
     * Where the nodes of a group simulation live when each is one group's replica on a simulated process: a crash
     * or restart of a node is one of its whole process, every group on it together.
     */
    interface Hosting {
        /** Names the group in a failure, e.g. "group 3 of 16". */
        String label(Simulation group);

        /** How to reproduce a failure of this run. */
        String reproduce();

        void crash(NodeId process);

        void restart(NodeId process);

        /** The network profile of every group's network. */
        void setNetwork(NetworkProfile profile);

        /** A message of this group reached its target's runtime: the target's process heard from the sender's. */
        void delivered(RaftMessage message);
    }

    final SimConfig config;
    final Random random;
    final EventQueue events;
    final Trace trace;
    /** Null unless this is one group of a multi-group simulation. */
    private final Hosting hosting;
    final Map<NodeId, SimNode> nodes = new LinkedHashMap<>();
    final Connectivity connectivity;
    private final Partitions partitions;
    final InvariantChecker checker;
    final List<NodeObserver> observers = new ArrayList<>();
    final SimNetwork network;
    final ClusterConfiguration clusterConfiguration;
    private final NodeLifecycle lifecycle = new NodeLifecycle(this);
    final RuntimeTurns runtimeTurns = new RuntimeTurns(this);
    final RuntimeReports runtimeReports = new RuntimeReports(this);
    private final ScriptedRequests requests = new ScriptedRequests(this);
    private final MembershipRequests membership = new MembershipRequests(this);
    private final Awaits awaits = new Awaits(this);
    long snapshotsTaken;
    long snapshotsRestored;
    /**
     * The first violation found. A check that fails inside a runtime's applier or completions is caught there
     * (as a state machine that throws would be), so the event that ran it rethrows it.
     */
    SimulationFailure failure;

    public Simulation(SimConfig config) {
        this(config, null, null);
    }

    /**
     * A simulation in {@code world} (null: a world of its own), whose nodes {@code hosting} starts and crashes
     * (null: this simulation does, each node a process of its own).
     */
    Simulation(SimConfig config, World world, Hosting hosting) {
        this(config, world, hosting, null);
    }

    /**
     * As above, the group's first voters {@code voters} (null: every node); the others start, if ever, as
     * non-voters that wait for a leader to add them.
     */
    Simulation(SimConfig config, World world, Hosting hosting, Set<NodeId> voters) {
        this.config = config;
        this.hosting = hosting;
        this.random = world == null ? new Random(config.seed()) : world.random();
        this.events = world == null ? new EventQueue() : world.events();
        this.trace = world == null ? new Trace(config.traceCapacity()) : world.trace();
        if (config.compactEveryEntries() > 0 && config.disk() != SimConfig.DiskModel.STORAGE
                && config.disk() != SimConfig.DiskModel.SHARED_WAL) {
            throw new IllegalArgumentException("a runtime compacts only on the storage disk, whose store keeps "
                    + "snapshots; got " + config.disk());
        }
        Set<NodeId> ids = new TreeSet<>();
        for (int i = 1; i <= config.clusterSize(); i++) {
            ids.add(NodeId.of("n" + i));
        }
        this.clusterConfiguration = ClusterConfiguration.ofVoters(voters == null ? ids : voters);
        for (int i = 1; i <= config.clusterSize(); i++) {
            NodeId id = NodeId.of("n" + i);
            nodes.put(id, new SimNode(id, SimDisk.of(config.disk(), clusterConfiguration, random), clusterConfiguration));
        }
        this.connectivity = world == null ? new Connectivity(List.copyOf(nodes.keySet())) : world.connectivity();
        this.partitions = new Partitions(connectivity, trace, events);
        this.checker = new InvariantChecker(this::fail);
        checker.checkConfigurations(new ConfigurationInvariants(this::fail, nodes::get,
                config.disk() != SimConfig.DiskModel.LYING));
        this.network = new SimNetwork(random, events, trace, nodes::get, connectivity, checker::onSent,
                config.network(), new Arrivals(this));
        if (hosting == null) {
            for (SimNode node : nodes.values()) {
                lifecycle.start(node);
            }
        }
    }

    // ---------------------------------------------------------------- accessors

    public SimConfig config() {
        return config;
    }

    public Random random() {
        return random;
    }

    public long nowMicros() {
        return events.now();
    }

    /** Virtual time in ticks of {@link SimConfig#tickMicros()}. */
    public long nowTicks() {
        return events.now() / config.tickMicros();
    }

    public long eventsRun() {
        return events.executed();
    }

    public Trace trace() {
        return trace;
    }

    /** Every node of the simulation that is not retired, up or down, in the order they were added. */
    public List<NodeId> nodeIds() {
        List<NodeId> ids = new ArrayList<>();
        for (SimNode node : nodes.values()) {
            if (!node.isRetired()) {
                ids.add(node.id());
            }
        }
        return ids;
    }

    public SimNode node(NodeId id) {
        SimNode node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("unknown node " + id + "; cluster is " + nodes.keySet());
        }
        return node;
    }

    public NodeStatus status(NodeId id) {
        return node(id).status();
    }

    public boolean isUp(NodeId id) {
        return node(id).isUp();
    }

    public List<NodeId> upNodes() {
        List<NodeId> up = new ArrayList<>();
        for (SimNode node : nodes.values()) {
            if (node.isUp()) {
                up.add(node.id());
            }
        }
        return up;
    }

    /** The leader of the highest term among live nodes that believe they lead, if any. */
    public Optional<NodeId> leader() {
        NodeId best = null;
        long bestTerm = -1;
        for (SimNode node : nodes.values()) {
            if (node.isUp()) {
                NodeStatus status = node.status();
                if (status.role() == Role.LEADER && status.term() > bestTerm) {
                    best = node.id();
                    bestTerm = status.term();
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** Live nodes that believe they lead (more than one only while a deposed leader has not heard yet). */
    public List<NodeId> leaders() {
        List<NodeId> leaders = new ArrayList<>();
        for (SimNode node : nodes.values()) {
            if (node.isUp() && node.status().role() == Role.LEADER) {
                leaders.add(node.id());
            }
        }
        return leaders;
    }

    /** The entry applied at {@code index} by some node (so committed), or null if none has applied it. */
    public LogEntry committedEntry(long index) {
        return checker.committedAt(index);
    }

    /** The highest index some node has applied. */
    public long highestCommittedIndex() {
        return checker.highestCommittedIndex();
    }

    public long invariantChecks() {
        return checker.checks();
    }

    public long sent(MessageKind kind) {
        return network.sent(kind);
    }

    public long delivered(MessageKind kind) {
        return network.delivered(kind);
    }

    public long dropped(MessageKind kind) {
        return network.dropped(kind);
    }

    /** Snapshots taken by nodes (each compacts the taker's log). */
    public long snapshotsTaken() {
        return snapshotsTaken;
    }

    /** State machines loaded from a snapshot at the core's request (InstallSnapshot, or a restart behind it). */
    public long snapshotsRestored() {
        return snapshotsRestored;
    }

    public long totalSent() {
        return network.totalSent();
    }

    /** Every node id the simulation ever had, retired ones included (ids are never reused). */
    public Set<NodeId> nodeIdsEverAdded() {
        return Set.copyOf(nodes.keySet());
    }

    /** Configuration entries known committed (applied by some node) so far. */
    public long configurationEntriesCommitted() {
        return checker.configurationEntriesCommitted();
    }

    // ---------------------------------------------------------------- the world: network, disks

    public void addObserver(NodeObserver observer) {
        observers.add(observer);
    }

    public void setNetwork(NetworkProfile profile) {
        if (hosting != null) {
            hosting.setNetwork(profile);
            return;
        }
        setOwnNetwork(profile);
    }

    /** This simulation's network profile only (in a multi-group run, this group's). */
    void setOwnNetwork(NetworkProfile profile) {
        trace.record(events.now(), "-", "network", profile);
        network.setProfile(profile);
    }

    public NetworkProfile network() {
        return network.profile();
    }

    /** A message reached its target's runtime (see {@link Arrivals}). */
    void delivered(RaftMessage message) {
        if (hosting != null) {
            hosting.delivered(message);
        }
    }

    /** Drops every message matching {@code rule} from now on (replacing any earlier rule). */
    public void dropMessages(Predicate<RaftMessage> rule) {
        network.dropMessages(rule);
    }

    public void stopDroppingMessages() {
        network.dropMessages(message -> false);
    }

    /** Cuts and heals links between nodes: the partition shapes. */
    public Partitions partitions() {
        return partitions;
    }

    // ---------------------------------------------------------------- nodes: see NodeLifecycle

    /** Crashes {@code id}: its running state, unsynced persists and messages in flight to it are lost. */
    public void crash(NodeId id) {
        if (hosting != null) {
            hosting.crash(id); // the process, every group on it
            return;
        }
        lifecycle.crash(node(id));
    }

    /** Restarts a crashed node from its durable hard state and log, with an empty state machine. */
    public void restart(NodeId id) {
        if (hosting != null) {
            hosting.restart(id);
            return;
        }
        lifecycle.restart(node(id));
    }

    /** Starts a new node with an empty disk, a learner-to-be of {@link #currentConfiguration()}. */
    public SimNode addNode(NodeId id) {
        checkNotHosted("adding a node");
        return lifecycle.add(id, currentConfiguration());
    }

    /** Switches a node off for good: crashed if up, never restarted, no longer among {@link #nodeIds()}. */
    public void retire(NodeId id) {
        checkNotHosted("retiring a node");
        lifecycle.retire(node(id));
    }

    private void checkNotHosted(String what) {
        if (hosting != null) {
            throw new UnsupportedOperationException(what + " is not simulated for groups hosted on processes");
        }
    }

    /** In a multi-group run: this group's replica on a process that crashed (the process crashes its disk). */
    void crashHosted(NodeId id) {
        lifecycle.crash(node(id));
    }

    /**
     * In a multi-group run: the process started this group's replica on {@code store}, from {@code bootstrap} (the
     * configuration the store recorded at the replica's first start there).
     */
    void adoptHosted(NodeId id, NodeRuntime runtime, io.caucus.sim.kv.KvReplica replica,
                     io.caucus.server.internal.LogStore store, ClusterConfiguration bootstrap) {
        SimNode node = node(id);
        node.startsFrom(bootstrap);
        node.disk().hostedStarted(store, store.recoveredHardState());
        lifecycle.adopt(node, runtime, replica);
    }

    /**
     * In a multi-group run: the process removes this group's replica for good ({@code removal}: the host's
     * {@code removeGroup}, which stops the runtime and records the removal durably). It runs as an event of the
     * replica, as a stop asked from the node's own thread, so the runtime's stop waits for none of its own turns
     * or tasks (the simulation runs them, one at a time); then the replica's incarnation ends as in a crash, its
     * pending events die with it, and it is retired: never started again, no longer among {@link #nodeIds()}.
     */
    void removeHosted(NodeId id, Runnable removal) {
        SimNode node = node(id);
        runtimeTurns.runAs(node, removal);
        lifecycle.retire(node);
        node.disk().hostedRemoved();
    }

    /** The settings a node's runtime starts with (the key-value state machine {@code replica}'s). */
    io.caucus.server.internal.NodeSettings settingsOf(NodeId id, io.caucus.sim.kv.KvReplica replica) {
        return lifecycle.settings(node(id), replica);
    }

    // ---------------------------------------------------------------- scripted requests: see ScriptedRequests

    /** Submits {@code commands} at {@code id} and runs until they land in its log or are refused. */
    public Proposal propose(NodeId id, List<byte[]> commands) {
        return requests.propose(id, commands);
    }

    public Proposal propose(NodeId id, byte[] command) {
        return propose(id, List.of(command));
    }

    /** Has {@code id} snapshot its state machine now and compact its log to it; returns the snapshot. */
    public SnapshotMetadata compact(NodeId id) {
        return requests.compact(id);
    }

    // ---------------------------------------------------------------- membership (Raft paper §6) and transfer

    /** The configuration in force at the leader, or at the live node most likely to win the next election. */
    public ClusterConfiguration currentConfiguration() {
        return membership.currentConfiguration();
    }

    /** Asks {@code at} for a membership change without waiting for it; its answer is traced. */
    public CompletableFuture<Membership> requestConfigurationChange(NodeId at, ConfigurationChange change) {
        return membership.requestConfigurationChange(at, change);
    }

    /** Asks the runtime of {@code at} to hand leadership to {@code target} (thesis §3.10). */
    public CompletableFuture<Membership> requestTransfer(NodeId at, NodeId target) {
        return membership.requestTransfer(at, target);
    }

    // ---------------------------------------------------------------- running: the event loop

    /** Runs {@code action} after {@code delayMicros} of virtual time. */
    public void schedule(long delayMicros, Runnable action) {
        events.at(events.now() + delayMicros, action);
    }

    /** Adds a line to the trace (client operations, test steps). */
    public void note(Object node, String event, Object detail) {
        trace.record(events.now(), node, event, detail);
    }

    /** Runs events for {@code ticks} ticks of virtual time. */
    public void runFor(long ticks) {
        long until = events.now() + ticks * config.tickMicros();
        while (events.nextTime() <= until) {
            events.runNext();
        }
        events.advanceTo(until);
    }

    /**
     * Runs events until {@code condition} holds (checked before each event) or {@code maxTicks} of virtual
     * time pass. Returns whether the condition holds.
     */
    public boolean runUntil(BooleanSupplier condition, long maxTicks) {
        long until = events.now() + maxTicks * config.tickMicros();
        while (!condition.getAsBoolean()) {
            if (events.nextTime() > until) {
                events.advanceTo(until);
                return condition.getAsBoolean();
            }
            events.runNext();
        }
        return true;
    }

    /** Runs until some live node leads, and returns it; fails the run if none does within {@code maxTicks}. */
    public NodeId awaitLeader(long maxTicks) {
        return awaits.leader(maxTicks);
    }

    /** Runs until one of {@code candidates} leads (in a term no other live node has passed); returns it. */
    public NodeId awaitLeaderAmong(Collection<NodeId> candidates, long maxTicks) {
        return awaits.leaderAmong(candidates, maxTicks);
    }

    /** Runs until every live node has applied {@code index}; fails the run if that takes over {@code maxTicks}. */
    public void awaitAllApplied(long index, long maxTicks) {
        awaits.allApplied(index, maxTicks);
    }

    /** Throws a {@link SimulationFailure} naming the seed, the invariant and the recent events. */
    public void fail(String invariant, String detail) {
        if (failure != null) {
            throw failure;
        }
        if (hosting != null) {
            invariant = invariant + " (" + hosting.label(this) + ")";
        }
        trace.record(events.now(), "-", "VIOLATION", invariant + ": " + detail);
        failure = hosting == null
                ? new SimulationFailure(config.seed(), config.clusterSize(), invariant, detail, trace.render())
                : new SimulationFailure(config.seed(), config.clusterSize(), invariant, detail, trace.render(),
                hosting.reproduce());
        throw failure;
    }
}
