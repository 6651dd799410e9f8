package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationChange;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Persist;
import io.caucus.core.ProposeResult;
import io.caucus.core.RaftNode;
import io.caucus.core.ReadResult;
import io.caucus.core.Ready;
import io.caucus.core.Role;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.RaftMessage;
import io.caucus.kv.command.Reply;
import io.caucus.server.CaucusNode;
import io.caucus.server.Membership;
import io.caucus.server.NodeAddresses;
import io.caucus.server.SnapshotOptions;
import io.caucus.server.internal.NodeEnvironment;
import io.caucus.server.internal.NodeRuntime;
import io.caucus.server.internal.NodeSettings;
import io.caucus.sim.kv.KvReplica;
import io.caucus.sim.kv.KvSnapshot;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A deterministic simulated cluster: virtual clock, network, disks, crashes and partitions, all driven by one
 * seed. Each node is a production {@link NodeRuntime} in a {@link SimEnvironment} ({@link SimConfig.Driver#RUNTIME}),
 * or, for scenarios that script the core one input at a time, a bare {@link RaftNode} whose {@link Ready} the
 * simulation carries out itself ({@link SimConfig.Driver#CORE}). Raft's safety invariants are checked after
 * every event, failing fast with the seed and a trace.
 *
 * <p>Single-threaded; every random choice comes from one {@link Random} seeded from the config, and every
 * collection iterated is ordered, so a seed reproduces a run exactly.
 */
public final class Simulation {

    private final SimConfig config;
    private final Random random;
    private final EventQueue events = new EventQueue();
    private final Trace trace;
    private final ClusterConfiguration clusterConfiguration;
    private final Map<NodeId, SimNode> nodes = new LinkedHashMap<>();
    private final Connectivity connectivity;
    private final InvariantChecker checker;
    private final List<NodeObserver> observers = new ArrayList<>();
    private final SimNetwork network;
    private long minDiskDelayMicros;
    private long maxDiskDelayMicros;
    /** Each node snapshots its state machine once this many entries were applied since its log's base; 0: never. */
    private long compactEveryEntries;
    private long snapshotsTaken;
    private long snapshotsRestored;
    private long snapshotFailuresReported;
    /** The node whose runtime event is running, or null. */
    private SimNode running;
    /**
     * The first violation found. A check that fails inside a runtime's applier or completions is caught there
     * (as a state machine that throws would be), so the event that ran it rethrows it.
     */
    private SimulationFailure failure;
    /** A client's timeout is the simulation's business; the runtime's own only bounds what it keeps pending. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public Simulation(SimConfig config) {
        this.config = config;
        this.random = new Random(config.seed());
        this.trace = new Trace(config.traceCapacity());
        this.minDiskDelayMicros = config.minDiskDelayMicros();
        this.maxDiskDelayMicros = config.maxDiskDelayMicros();
        this.compactEveryEntries = config.compactEveryEntries();
        if (runsRuntime() && compactEveryEntries > 0 && config.disk() != SimConfig.DiskModel.STORAGE) {
            throw new IllegalArgumentException("a runtime compacts only on the storage disk, whose store keeps "
                    + "snapshots; got " + config.disk());
        }
        Set<NodeId> ids = new TreeSet<>();
        for (int i = 1; i <= config.clusterSize(); i++) {
            ids.add(NodeId.of("n" + i));
        }
        this.clusterConfiguration = ClusterConfiguration.ofVoters(ids);
        for (int i = 1; i <= config.clusterSize(); i++) {
            NodeId id = NodeId.of("n" + i);
            nodes.put(id, new SimNode(id, SimDisk.of(config.disk(), clusterConfiguration, random), clusterConfiguration));
        }
        this.connectivity = new Connectivity(List.copyOf(nodes.keySet()));
        this.checker = new InvariantChecker(this::fail);
        checker.checkConfigurations(new ConfigurationInvariants(this::fail, nodes::get,
                config.disk() != SimConfig.DiskModel.LYING));
        this.network = new SimNetwork(random, events, trace, nodes::get, connectivity, checker::onSent,
                config.tickMicros(), config.network(), new Arrivals());
        for (SimNode node : nodes.values()) {
            start(node);
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

    public SimNode node(String id) {
        return node(NodeId.of(id));
    }

    /** A node whose core the simulation drives itself: scripted inputs exist only with {@link SimConfig.Driver#CORE}. */
    private SimNode scripted(NodeId id) {
        if (config.driver() != SimConfig.Driver.CORE) {
            throw new IllegalStateException("scripted core inputs need SimConfig.Driver.CORE; the runtime's nodes "
                    + "take requests through NodeRuntime (node(id).runtime())");
        }
        return node(id);
    }

    public boolean runsRuntime() {
        return config.driver() == SimConfig.Driver.RUNTIME;
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

    public Connectivity connectivity() {
        return connectivity;
    }

    /** The initial configuration every original node starts with; see {@link #currentConfiguration()}. */
    public ClusterConfiguration clusterConfiguration() {
        return clusterConfiguration;
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

    /** Snapshot transfers whose loss the leader's runtime noticed and reported to its core. */
    public long snapshotFailuresReported() {
        return snapshotFailuresReported;
    }

    public long totalSent() {
        return network.totalSent();
    }

    /** Messages sent so far, by kind (a copy). */
    public Map<MessageKind, Long> sentCounts() {
        return network.sentCounts();
    }

    // ---------------------------------------------------------------- control

    public void addObserver(NodeObserver observer) {
        observers.add(observer);
    }

    public void setNetwork(NetworkProfile profile) {
        trace.record(events.now(), "-", "network", profile);
        network.setProfile(profile);
    }

    public NetworkProfile network() {
        return network.profile();
    }

    /** Changes how long persists take to become durable, from now on. */
    public void setDiskDelays(long minMicros, long maxMicros) {
        if (minMicros < 0 || maxMicros < minMicros) {
            throw new IllegalArgumentException("need 0 <= minMicros <= maxMicros, got " + minMicros + ", " + maxMicros);
        }
        trace.record(events.now(), "-", "disk", "delays " + minMicros + ".." + maxMicros + "us");
        this.minDiskDelayMicros = minMicros;
        this.maxDiskDelayMicros = maxMicros;
    }

    /**
     * From now on every node snapshots its state machine and compacts its log whenever {@code everyEntries} entries
     * were applied since its log's base (0 turns it off).
     */
    public void setCompaction(long everyEntries) {
        if (everyEntries < 0) {
            throw new IllegalArgumentException("compaction threshold must be >= 0, got " + everyEntries);
        }
        if (runsRuntime()) {
            throw new IllegalStateException("a runtime's snapshot thresholds are fixed when it starts: "
                    + "use SimConfig.withCompaction");
        }
        trace.record(events.now(), "-", "compaction", everyEntries == 0 ? "off" : "every " + everyEntries + " entries");
        this.compactEveryEntries = everyEntries;
    }

    /** Snapshots {@code id}'s state machine at its applied index now and compacts its log to it. */
    public void compact(NodeId id) {
        SimNode node = scripted(id);
        drive(node, raft -> takeSnapshot(node));
    }

    /** Drops every message matching {@code rule} from now on (replacing any earlier rule). */
    public void dropMessages(Predicate<RaftMessage> rule) {
        network.dropMessages(rule);
    }

    public void stopDroppingMessages() {
        network.dropMessages(message -> false);
    }

    public void isolate(NodeId node) {
        connectivity.isolate(node);
        tracePartition("isolate " + node);
    }

    @SafeVarargs
    public final void partition(Collection<NodeId>... groups) {
        connectivity.partition(List.of(groups));
        tracePartition("partition " + List.of(groups));
    }

    public void blockOneWay(NodeId from, NodeId to) {
        connectivity.blockOneWay(from, to);
        tracePartition("block " + from + "->" + to);
    }

    public void ring(List<NodeId> order) {
        connectivity.ring(order);
        tracePartition("ring " + order);
    }

    public void bridge(Collection<NodeId> left, NodeId bridge, Collection<NodeId> right) {
        connectivity.bridge(left, bridge, right);
        tracePartition("bridge " + left + " <" + bridge + "> " + right);
    }

    public void heal() {
        connectivity.heal();
        tracePartition("heal");
    }

    private void tracePartition(String what) {
        trace.record(events.now(), "-", "partition", what + " => " + connectivity);
    }

    /** Crashes {@code id}: its running state, unsynced persists and messages in flight to it are lost. */
    public void crash(NodeId id) {
        SimNode node = node(id);
        if (!node.isUp()) {
            throw new IllegalStateException(id + " is already down");
        }
        node.crashed(config.disk() == SimConfig.DiskModel.LYING);
        trace.record(events.now(), id, "crash", "durable: " + node.disk().hardState() + " log to "
                + node.disk().log().lastIndex());
        for (NodeObserver observer : observers) {
            observer.onCrashed(node);
        }
    }

    /** Restarts a crashed node from its durable hard state and log, with an empty state machine. */
    public void restart(NodeId id) {
        SimNode node = node(id);
        if (node.isUp()) {
            throw new IllegalStateException(id + " is already up");
        }
        if (node.isRetired()) {
            throw new IllegalStateException(id + " is retired");
        }
        start(node);
    }

    public void campaign(NodeId id) {
        drive(scripted(id), RaftNode::campaign);
    }

    /** Proposes {@code commands} at {@code id} and returns the core's answer. */
    public ProposeResult propose(NodeId id, List<byte[]> commands) {
        ProposeResult[] result = new ProposeResult[1];
        SimNode node = scripted(id);
        drive(node, raft -> result[0] = raft.propose(commands));
        trace.record(events.now(), id, "propose", commands.size() + " cmd(s) -> " + result[0]);
        return result[0];
    }

    public ProposeResult propose(NodeId id, byte[] command) {
        return propose(id, List.of(command));
    }

    public void readIndex(NodeId id, long requestId) {
        trace.record(events.now(), id, "readIndex", "request " + requestId);
        drive(scripted(id), raft -> raft.readIndex(requestId));
    }

    /** Runs {@code action} after {@code delayMicros} of virtual time. */
    public void schedule(long delayMicros, Runnable action) {
        events.at(events.now() + delayMicros, action);
    }

    /** Adds a line to the trace (client operations, test steps). */
    public void note(Object node, String event, Object detail) {
        trace.record(events.now(), node, event, detail);
    }

    // ---------------------------------------------------------------- membership (Raft paper §6) and transfer

    /**
     * The configuration in force at the leader, or with no leader at the live node with the most up-to-date log
     * (the one most likely to win the next election); the initial configuration if no node is up.
     */
    public ClusterConfiguration currentConfiguration() {
        Optional<NodeId> leader = leader();
        if (leader.isPresent()) {
            return status(leader.get()).configuration();
        }
        SimNode best = null;
        for (SimNode node : nodes.values()) {
            if (node.isUp() && (best == null || isMoreUpToDate(node, best))) {
                best = node;
            }
        }
        return best == null ? clusterConfiguration : best.status().configuration();
    }

    private static boolean isMoreUpToDate(SimNode a, SimNode b) {
        long lastA = a.core().log().lastIndex();
        long lastB = b.core().log().lastIndex();
        long termA = a.core().log().term(lastA);
        long termB = b.core().log().term(lastB);
        return termA > termB || (termA == termB && lastA > lastB);
    }

    /**
     * Starts a new node with an empty disk. Its bootstrap configuration is {@link #currentConfiguration()}, in
     * which it is not a voter: it never campaigns and waits for a leader to add it as a learner.
     */
    public SimNode addNode(NodeId id) {
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException(id + " is already part of the simulation (retired or not)");
        }
        ClusterConfiguration bootstrap = currentConfiguration();
        if (bootstrap.isVoter(id)) {
            throw new IllegalArgumentException(id + " is a voter of " + bootstrap + " already");
        }
        SimNode node = new SimNode(id, SimDisk.of(config.disk(), bootstrap, random), bootstrap);
        nodes.put(id, node);
        connectivity.add(id);
        trace.record(events.now(), id, "join", "bootstrap " + bootstrap);
        start(node);
        return node;
    }

    /**
     * Switches a node off for good (a removed server decommissioned): crashed if up, never restarted, and no
     * longer among {@link #nodeIds()}. Messages to it are dropped as to a down node.
     */
    public void retire(NodeId id) {
        SimNode node = node(id);
        if (node.isUp()) {
            crash(id);
        }
        node.retire();
        trace.record(events.now(), id, "retire", "");
    }

    /** Proposes a membership change at {@code at} and returns the core's answer. */
    public ProposeResult proposeConfigurationChange(NodeId at, ConfigurationChange change) {
        ProposeResult[] result = new ProposeResult[1];
        drive(scripted(at), raft -> result[0] = raft.proposeConfigurationChange(change));
        trace.record(events.now(), at, "reconfigure", change + " -> " + result[0]);
        return result[0];
    }

    /**
     * Asks {@code at} for a membership change without waiting for it: through the runtime's membership API (its
     * future is traced; the configuration in force shows what happened), or straight to a bare core.
     */
    public void requestConfigurationChange(NodeId at, ConfigurationChange change) {
        SimNode node = node(at);
        if (!node.runsRuntime()) {
            proposeConfigurationChange(at, change);
            return;
        }
        NodeRuntime runtime = node.runtime();
        CompletableFuture<Membership> answer = switch (change) {
            case ConfigurationChange.AddLearner add -> runtime.addLearner(add.node(), addressOf(add.node()));
            case ConfigurationChange.PromoteLearner promote -> runtime.promote(promote.node());
            case ConfigurationChange.RemoveMember remove -> runtime.remove(remove.node());
            // The simulated network reaches each node at the one address it was given.
            case ConfigurationChange.ChangeAddresses move ->
                    runtime.changeAddresses(move.node(), NodeAddresses.ofRaft(addressOf(move.node())));
        };
        trace.record(events.now(), at, "reconfigure", change + " requested");
        traceAnswer(at, change.toString(), answer);
    }

    /**
     * Asks the runtime of {@code at} to hand leadership to {@code target} (thesis §3.10); the future completes
     * once this node learns {@code target} leads.
     */
    public CompletableFuture<Membership> requestTransfer(NodeId at, NodeId target) {
        CompletableFuture<Membership> answer = node(at).runtime().transferLeadership(target);
        trace.record(events.now(), at, "transfer", "to " + target + " requested");
        traceAnswer(at, "transfer to " + target, answer);
        return answer;
    }

    private void traceAnswer(NodeId at, String request, CompletableFuture<Membership> answer) {
        answer.whenComplete((membership, error) -> trace.record(events.now(), at, "answer", request + " -> "
                + (error == null ? "done" : error.toString())));
    }

    /** Asks the leader {@code at} to hand leadership to {@code target} (thesis §3.10). */
    public ProposeResult transferLeadership(NodeId at, NodeId target) {
        ProposeResult[] result = new ProposeResult[1];
        drive(scripted(at), raft -> result[0] = raft.transferLeadership(target));
        trace.record(events.now(), at, "transfer", "to " + target + " -> " + result[0]);
        return result[0];
    }

    /** Every node id the simulation ever had, retired ones included (ids are never reused). */
    public Set<NodeId> nodeIdsEverAdded() {
        return Set.copyOf(nodes.keySet());
    }

    /** Configuration entries known committed (applied by some node) so far. */
    public long configurationEntriesCommitted() {
        return checker.configurationEntriesCommitted();
    }

    // ---------------------------------------------------------------- running

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
        if (!runUntil(() -> leader().isPresent(), maxTicks)) {
            fail("Liveness: leader election", "no leader within " + maxTicks + " ticks; up: " + upNodes()
                    + ", network " + connectivity + describeUpNodes());
        }
        return leader().orElseThrow();
    }

    /** Each live node's role, term, the leader it knows, its log and its configuration, one line each. */
    private String describeUpNodes() {
        StringBuilder out = new StringBuilder();
        for (NodeId id : upNodes()) {
            NodeStatus status = status(id);
            out.append("\n  ").append(id).append(' ').append(status.role()).append("/t").append(status.term())
                    .append(" leader=").append(status.leader()).append(" commit=").append(status.commitIndex())
                    .append(" last=").append(status.lastIndex()).append(" configuration=")
                    .append(status.configuration());
        }
        return out.toString();
    }

    /** Runs until one of {@code candidates} leads (in a term no other live node has passed); returns it. */
    public NodeId awaitLeaderAmong(Collection<NodeId> candidates, long maxTicks) {
        BooleanSupplier found = () -> leader().filter(candidates::contains).isPresent();
        if (!runUntil(found, maxTicks)) {
            fail("Liveness: leader election", "no leader among " + candidates + " within " + maxTicks
                    + " ticks; leaders " + leaders() + ", network " + connectivity);
        }
        return leader().orElseThrow();
    }

    /** True once every live node has applied {@code index}. */
    public boolean allUpNodesApplied(long index) {
        for (SimNode node : nodes.values()) {
            if (node.isUp() && node.status().appliedIndex() < index) {
                return false;
            }
        }
        return true;
    }

    /** Runs until every live node has applied {@code index}; fails the run if that takes over {@code maxTicks}. */
    public void awaitAllApplied(long index, long maxTicks) {
        if (!runUntil(() -> allUpNodesApplied(index), maxTicks)) {
            StringBuilder lag = new StringBuilder();
            for (NodeId id : upNodes()) {
                lag.append(' ').append(id).append(" applied=").append(status(id).appliedIndex());
            }
            fail("Liveness: replication", "index " + index + " not applied everywhere within " + maxTicks
                    + " ticks:" + lag);
        }
    }

    /** Throws a {@link SimulationFailure} naming the seed, the invariant and the recent events. */
    public void fail(String invariant, String detail) {
        if (failure != null) {
            throw failure;
        }
        trace.record(events.now(), "-", "VIOLATION", invariant + ": " + detail);
        failure = new SimulationFailure(config.seed(), config.clusterSize(), invariant, detail, trace.render());
        throw failure;
    }

    // ---------------------------------------------------------------- driving the nodes

    private void start(SimNode node) {
        if (runsRuntime()) {
            startRuntime(node);
        } else {
            startCore(node);
        }
    }

    // ---------------------------------------------------------------- the production runtime on every node

    /** Starts a node runtime on the node's disk, with the key-value state machine, in the simulated world. */
    private void startRuntime(SimNode node) {
        KvReplica replica = new KvReplica();
        NodeSettings settings = new NodeSettings(node.id(), peerAddresses(node), Map.of(), null, replica.machine(),
                Duration.ofNanos(config.tickMicros() * 1000), config.options(), true, REQUEST_TIMEOUT, 10_000,
                1 << 20, 1024, 4096, TransportOptions.defaults(), snapshotOptions(),
                CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER);
        int incarnation = node.nextIncarnation();
        NodeRuntime runtime;
        try {
            NodeEnvironment environment = SimEnvironment.of(node, new RuntimeEvents(), random);
            runtime = NodeRuntime.start(settings, SimLogStore.open(node, this::onDurable, environment.workers()),
                    node.bootstrap(), id -> Optional.of(addressOf(id)), environment);
        } catch (RuntimeException e) {
            fail("Runtime start", node + " failed to start: " + e + stackTop(e));
            return;
        }
        node.started(runtime, replica);
        runtime.probe().onApplied((entry, result) -> onApplied(node, incarnation, entry, result));
        runtime.probe().onRestored(snapshot -> onRestored(node, incarnation, snapshot));
        SnapshotMetadata base = node.disk().log().snapshot();
        replica.restoredTo(base.lastIncludedIndex()); // the runtime loaded the store's snapshot as it started
        checker.onStarted(node);
        if (base.lastIncludedIndex() > 0) {
            checker.onRestored(node, base, storedSnapshot(node, base));
        }
        trace.record(events.now(), node, "start", "incarnation " + node.incarnation() + " (runtime) from "
                + node.disk().hardState() + ", log to " + node.disk().log().lastIndex());
    }

    /**
     * The runtime's snapshot thresholds: every {@link SimConfig#compactEveryEntries} entries (the runtime staggers
     * each node's point by up to a quarter more), chunks of the least size so that a transfer takes several, a
     * window of 1 to 4 chunks, and a transfer timeout of 20 to 100 ticks.
     */
    private SnapshotOptions snapshotOptions() {
        if (compactEveryEntries == 0) {
            return SnapshotOptions.DEFAULTS.withThresholds(0, 0);
        }
        SplittableRandom draw = new SplittableRandom(config.seed() ^ 0x63686e6bL);
        return SnapshotOptions.DEFAULTS.withThresholds(compactEveryEntries, 0)
                .withChunking(1024, 1 + draw.nextInt(4))
                .withTransferTimeout(Duration.ofNanos((20 + draw.nextInt(81)) * config.tickMicros() * 1000));
    }

    /** The state of a snapshot {@code node}'s store holds; fails the run if the store does not hold it. */
    private KvSnapshot storedSnapshot(SimNode node, SnapshotMetadata metadata) {
        KvSnapshot state = node.disk().snapshotState(metadata);
        if (state == null) {
            fail("Snapshot store", node + " uses snapshot " + metadata + ", which its store does not hold");
        }
        return state;
    }

    /** The runtime's applier loaded a snapshot into the state machine at the core's request (§7). */
    private void onRestored(SimNode node, int incarnation, SnapshotMetadata metadata) {
        if (node.incarnation() != incarnation) {
            return;
        }
        KvSnapshot state = storedSnapshot(node, metadata);
        node.stateMachine().restoredTo(metadata.lastIncludedIndex());
        snapshotsRestored++;
        checker.onRestored(node, metadata, state);
        trace.record(events.now(), node, "restore", "state machine loaded from snapshot "
                + metadata.lastIncludedIndex() + "/t" + metadata.lastIncludedTerm());
        for (NodeObserver observer : observers) {
            observer.onRestored(node, metadata, state);
        }
    }

    /**
     * A runtime's log now starts after {@code metadata}, a snapshot committed to its store: one it took (its
     * state machine has applied that far) or one a leader sent it. Either way it must hold exactly the state the
     * committed entries up to its index produce.
     */
    private void onSnapshotBase(SimNode node, SnapshotMetadata metadata) {
        KvSnapshot state = storedSnapshot(node, metadata);
        boolean taken = node.isUp() && node.core().appliedIndex() >= metadata.lastIncludedIndex();
        if (taken) {
            snapshotsTaken++;
        }
        checker.onSnapshotTaken(node, metadata, state);
        trace.record(events.now(), node, "snapshot", (taken ? "taken at " : "installed at ")
                + metadata.lastIncludedIndex() + "/t" + metadata.lastIncludedTerm() + ", log compacted");
    }

    /** Every node of the bootstrap configuration, and the node itself: what a server's cluster file lists. */
    private static Map<NodeId, InetSocketAddress> peerAddresses(SimNode node) {
        Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        for (NodeId member : new TreeSet<>(node.bootstrap().members())) {
            peers.put(member, addressOf(member));
        }
        peers.put(node.id(), addressOf(node.id()));
        return peers;
    }

    /** Simulated nodes have no sockets: an address only names the node. */
    private static InetSocketAddress addressOf(NodeId id) {
        return InetSocketAddress.createUnresolved(id.toString(), 1);
    }

    /** A runtime's write made durable: the disk checks (Log Matching on durable logs, the durable term). */
    private void onDurable(SimNode node, Persist persist, long termBeforeFirst) {
        trace.record(events.now(), node, "durable", "seq " + persist.sequence()
                + (persist.hardState() == null ? "" : " " + persist.hardState())
                + (persist.entries().isEmpty() ? "" : " entries " + persist.firstIndex() + ".." + persist.lastIndex()));
        checker.onPersisted(node, persist, termBeforeFirst);
        if (persist.snapshot() != null) {
            onSnapshotBase(node, persist.snapshot());
        }
    }

    /** The runtime's applier applied an entry to the node's state machine. */
    private void onApplied(SimNode node, int incarnation, LogEntry entry, byte[] result) {
        if (node.incarnation() != incarnation) {
            return;
        }
        Reply reply;
        try {
            reply = node.stateMachine().applied(entry, result);
        } catch (IllegalStateException e) {
            fail("Apply order", node + ": " + e.getMessage());
            return;
        }
        checker.onApplied(node, entry);
        trace.record(events.now(), node, "apply", entry);
        for (NodeObserver observer : observers) {
            observer.onApplied(node, entry, reply);
        }
    }

    /** Runs one event of a node's runtime (a turn, a timer, an apply), then checks the invariants. */
    private void runRuntimeEvent(SimNode node, int incarnation, Runnable task) {
        if (node.incarnation() != incarnation || !node.isUp()) {
            return; // the incarnation crashed: its pending work died with it
        }
        NodeStatus before = node.status();
        running = node;
        try {
            task.run();
        } catch (SimulationFailure e) {
            throw e;
        } catch (RuntimeException e) {
            fail("Runtime threw", node + ": " + e + stackTop(e));
        } finally {
            running = null;
        }
        if (failure != null) {
            throw failure; // found inside the applier or a completion, which caught it
        }
        if (node.runtime().failure().isPresent()) {
            Throwable cause = node.runtime().failure().get();
            fail("Runtime failed", node + " stopped: " + cause + (cause.getCause() == null ? ""
                    : " caused by " + cause.getCause()));
        }
        traceRoleChange(node, before);
        checker.afterEvent(node);
    }

    private void traceRoleChange(SimNode node, NodeStatus before) {
        NodeStatus after = node.status();
        if (after.role() != before.role() || after.term() != before.term()) {
            trace.record(events.now(), node, "role", before.role() + "/t" + before.term() + " -> " + after.role()
                    + "/t" + after.term() + " commit=" + after.commitIndex() + " last=" + after.lastIndex());
        }
    }

    /** The simulated world as the node runtimes see it. */
    private final class RuntimeEvents implements SimEnvironment.Events {
        @Override
        public long nowMicros() {
            return events.now();
        }

        @Override
        public void schedule(SimNode node, int incarnation, long delayMicros, Runnable task) {
            events.at(events.now() + delayMicros, () -> runRuntimeEvent(node, incarnation, task));
        }

        @Override
        public SimNode running() {
            return running;
        }

        @Override
        public void send(SimNode from, RaftMessage message) {
            network.send(from, message);
        }

        @Override
        public boolean sendSnapshotFrame(SimNode from, SnapshotFrame frame) {
            return network.sendSnapshotFrame(from, frame);
        }
    }

    // ---------------------------------------------------------------- a bare core, its Ready carried out here

    /** Starts a node from its disk: the state machine from the log's base snapshot, if any, then the log's tail. */
    private void startCore(SimNode node) {
        LogView log = node.disk().log();
        SnapshotMetadata base = log.snapshot();
        KvSnapshot state = null;
        if (base.lastIncludedIndex() > 0) {
            state = node.disk().snapshotState(base);
            if (state == null) {
                fail("Snapshot store", node + "'s log starts after snapshot " + base + ", which its store does not hold");
            }
        }
        RaftNode raft;
        try {
            raft = RaftNode.start(node.id(), node.bootstrap(), config.options(), node.disk().hardState(),
                    log, base.lastIncludedIndex(), random);
        } catch (RuntimeException e) {
            fail("Core start", node + " failed to start: " + e);
            return;
        }
        node.started(raft, state);
        checker.onStarted(node);
        if (state != null) {
            checker.onRestored(node, base, state);
        }
        trace.record(events.now(), node, "start", "incarnation " + node.incarnation() + " from "
                + node.disk().hardState() + ", log to " + node.disk().log().lastIndex());
        int incarnation = node.incarnation();
        events.at(events.now() + 1 + random.nextLong(config.tickMicros()), () -> tick(node, incarnation));
        drive(node, raftNode -> { });
    }

    private void tick(SimNode node, int incarnation) {
        if (node.incarnation() != incarnation) {
            return;
        }
        drive(node, RaftNode::tick);
        events.at(events.now() + config.tickMicros(), () -> tick(node, incarnation));
    }

    /** Feeds one input to a node, carries out everything it asks, then checks the invariants. */
    private void drive(SimNode node, Consumer<RaftNode> input) {
        RaftNode raft = node.raft();
        Role before = null;
        long termBefore = 0;
        try {
            NodeStatus status = raft.status();
            before = status.role();
            termBefore = status.term();
            input.accept(raft);
            while (raft.hasReady()) {
                carryOut(node, raft.ready());
            }
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (RuntimeException e) {
            fail("Core threw", node + ": " + e + stackTop(e));
        }
        NodeStatus after = raft.status();
        if (after.role() != before || after.term() != termBefore) {
            trace.record(events.now(), node, "role", before + "/t" + termBefore + " -> " + after.role() + "/t"
                    + after.term() + " commit=" + after.commitIndex() + " last=" + after.lastIndex());
        }
        checker.afterEvent(node);
    }

    private void carryOut(SimNode node, Ready ready) {
        for (RaftMessage message : ready.messages()) {
            network.send(node, message);
        }
        if (ready.persist() != null) {
            persist(node, ready.persist());
        }
        if (ready.restore() != null) {
            restore(node, ready.restore());
        }
        if (!ready.committedEntries().isEmpty()) {
            apply(node, ready.committedEntries());
        }
        for (ReadResult read : ready.reads()) {
            trace.record(events.now(), node, "read", read);
            for (NodeObserver observer : observers) {
                observer.onRead(node, read);
            }
        }
    }

    private void apply(SimNode node, List<LogEntry> entries) {
        for (LogEntry entry : entries) {
            Reply result;
            try {
                result = node.stateMachine().apply(entry);
            } catch (IllegalStateException e) {
                fail("Apply order", node + ": " + e.getMessage());
                return;
            }
            checker.onApplied(node, entry);
            for (NodeObserver observer : observers) {
                observer.onApplied(node, entry, result);
            }
        }
        LogEntry last = entries.get(entries.size() - 1);
        trace.record(events.now(), node, "apply", entries.size() == 1 ? last.toString()
                : entries.get(0) + ".." + last);
        node.raft().applied(last.index());
        if (compactEveryEntries > 0
                && last.index() - node.raft().log().snapshot().lastIncludedIndex() >= compactEveryEntries) {
            takeSnapshot(node);
        }
    }

    /** The runtime's side of compaction: snapshot the state machine, commit it to the store, tell the core. */
    private void takeSnapshot(SimNode node) {
        RaftNode raft = node.raft();
        long applied = node.stateMachine().appliedIndex();
        if (applied <= raft.log().snapshot().lastIncludedIndex()) {
            return;
        }
        SnapshotMetadata metadata = raft.snapshotMetadataAt(applied);
        KvSnapshot state = node.stateMachine().snapshot();
        checker.onSnapshotTaken(node, metadata, state);
        node.disk().commitSnapshot(metadata, state);
        raft.compact(metadata);
        snapshotsTaken++;
        trace.record(events.now(), node, "snapshot", "taken at " + metadata.lastIncludedIndex() + "/t"
                + metadata.lastIncludedTerm() + ", log compacted");
    }

    /** Ready.restore: the state machine loads the snapshot from this node's store, then reports it applied. */
    private void restore(SimNode node, SnapshotMetadata metadata) {
        KvSnapshot state = node.disk().snapshotState(metadata);
        if (state == null) {
            fail("Snapshot restore", node + " was asked to restore " + metadata + ", which its store does not hold");
        }
        node.restoreStateMachine(state);
        snapshotsRestored++;
        checker.onRestored(node, metadata, state);
        trace.record(events.now(), node, "restore", "state machine loaded from snapshot "
                + metadata.lastIncludedIndex() + "/t" + metadata.lastIncludedTerm());
        node.raft().applied(metadata.lastIncludedIndex());
        for (NodeObserver observer : observers) {
            observer.onRestored(node, metadata, state);
        }
    }

    private void persist(SimNode node, Persist persist) {
        long delay = minDiskDelayMicros + random.nextLong(maxDiskDelayMicros - minDiskDelayMicros + 1);
        long at = node.disk().enqueue(persist, events.now(), delay);
        int incarnation = node.incarnation();
        events.at(at, () -> completePersist(node, incarnation));
    }

    private void completePersist(SimNode node, int incarnation) {
        if (node.incarnation() != incarnation) {
            return; // crashed meanwhile: the write never became durable
        }
        SimDisk.Completed completed;
        try {
            completed = node.disk().completeOldest();
        } catch (IllegalArgumentException e) {
            fail("Persist contract", node + ": " + e.getMessage());
            return;
        }
        Persist persist = completed.persist();
        trace.record(events.now(), node, "durable", "seq " + persist.sequence()
                + (persist.snapshot() == null ? "" : " base " + persist.snapshot().lastIncludedIndex())
                + (persist.hardState() == null ? "" : " " + persist.hardState())
                + (persist.entries().isEmpty() ? "" : " entries " + persist.firstIndex() + ".." + persist.lastIndex()));
        checker.onPersisted(node, persist, completed.termBeforeFirst());
        drive(node, raft -> raft.persisted(persist.sequence()));
    }

    /** The runtimes' side of what the network brings: a node steps each message; snapshot data goes to its store. */
    private final class Arrivals implements SimNetwork.Receiver {

        @Override
        public void deliver(SimNode target, RaftMessage message) {
            if (!target.runsRuntime()) {
                drive(target, raft -> raft.step(message));
            } else if (target.inbound() != null) {
                target.inbound().onMessage(message);
            }
        }

        /**
         * The receiving runtime commits the snapshot's data to its store before stepping the message, unless the
         * node's commit index already covers it: then it adds nothing, and the core answers with its commit index.
         */
        @Override
        public void deliverSnapshot(SimNode target, InstallSnapshot message, KvSnapshot state) {
            boolean needed = message.snapshot().lastIncludedIndex() > target.raft().status().commitIndex();
            if (needed) {
                target.disk().commitSnapshot(message.snapshot(), state);
            }
            trace.record(events.now(), target, "deliver", message + (needed ? " (data committed to the store)" : ""));
            drive(target, raft -> raft.step(message));
        }

        /** The receiving runtime's snapshot streams take the frame, as its transport's inbound handler would. */
        @Override
        public void deliverFrame(SimNode target, SnapshotFrame frame) {
            InboundHandler inbound = target.inbound();
            if (inbound != null) {
                runRuntimeEvent(target, target.incarnation(), () -> inbound.onSnapshotFrame(frame));
            }
        }

        /**
         * Most lost transfers are noticed by the sender's runtime (a broken stream, a transfer timeout) and
         * reported to its core; the rest are left to the core's own stall timeout.
         */
        @Override
        public void snapshotTransferLost(SimNode from, int incarnation, InstallSnapshot message) {
            if (random.nextInt(4) == 0) {
                return;
            }
            events.at(events.now() + 2 * config.tickMicros(), () -> {
                if (from.incarnation() == incarnation && from.isUp()) {
                    snapshotFailuresReported++;
                    trace.record(events.now(), from, "snapshot-failed", "transfer to " + message.to() + " lost");
                    drive(from, raft -> raft.reportSnapshotFailed(message.to()));
                }
            });
        }
    }

    private static String stackTop(RuntimeException e) {
        StringBuilder out = new StringBuilder();
        StackTraceElement[] stack = e.getStackTrace();
        for (int i = 0; i < Math.min(6, stack.length); i++) {
            out.append("\n      at ").append(stack[i]);
        }
        return out.toString();
    }
}
