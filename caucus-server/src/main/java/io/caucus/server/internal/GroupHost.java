package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.message.RaftMessage;
import io.caucus.storage.Disk;
import io.caucus.storage.multi.SharedWalOptions;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process hosting many Raft groups (multi-Raft, docs/multiraft.md "Runtime"): one data directory (locked), one
 * shared WAL for every group ({@link HostLog}, one fsync per round for all of them), and one {@link NodeRuntime}
 * per group, each on a {@link NodeExecutor} drawn from a fixed set of node threads (about one per core, pinned by
 * group id) and on workers from a shared pool, never a thread per group. Each group's network comes from
 * {@link GroupNetworks}, which is told the group id.
 *
 * <p>Groups that quiesce (docs/multiraft.md, "Quiescence") count no election ticks; a timer of the host wakes them
 * when the {@link ProcessLiveness} of the environment says their leader's process went silent, and wakes a
 * quiesced leader that hears from no quorum's processes, which CheckQuorum then steps down.
 *
 * <p>Internal: the public {@link io.caucus.server.CaucusHost} runs one on {@link HostNetwork} (one connection per
 * process pair); tests and the simulator run it on in-process or simulated networks.
 *
 * <p>Threading: {@link #startGroup}, {@link #removeGroup} and {@link #close} from one thread at a time (they are
 * synchronized); the {@link NodeRuntime}s it hands out are thread-safe as always.
 */
public final class GroupHost implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupHost.class);
    /** Liveness checks between passes over every group: at most this many (see fullPassDue). */
    private static final int FULL_PASS_EVERY = 10;

    /** How often the liveness check runs while no group is hosted (then it checks nothing). */
    private static final long IDLE_CHECK_NANOS = 100_000_000;

    /** Where the host's groups take their turns: one executor per group, from a fixed set of threads. */
    public interface GroupExecutors {
        /** The executor for {@code group}'s turns and timers. */
        NodeExecutor open(long group);

        /** The group stopped: its executor takes no more tasks (the thread goes on for the others). */
        void close(NodeExecutor executor);

        /** The host closed: stop the threads. */
        void shutdown();

        /** An executor for the host's own timer (the liveness check of quiesced groups), closed with the host. */
        NodeExecutor openHost();
    }

    /** Opens a group's network to its peers' replicas of the same group, on the executor the host gives it. */
    @FunctionalInterface
    public interface GroupNetworks {
        PeerNetwork open(long group, NodeSettings settings, InboundHandler inbound, NodeExecutor executor);
    }

    /** What the host needs to start (or recover) a group's replica. */
    public record GroupSpec(NodeSettings settings, ClusterConfiguration bootstrap) {
        public GroupSpec {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(bootstrap, "bootstrap");
        }
    }

    /** Answers the spec of a group: every recovered group at open, and each group started later. */
    @FunctionalInterface
    public interface GroupSpecs {
        GroupSpec of(long group);
    }

    /** Starts a group's workers (applier, completions, snapshot streams). */
    @FunctionalInterface
    public interface GroupWorkers {
        Worker.Factory of(long group);
    }

    /** Hands the runtime of a group the store it writes through (a simulator wraps it to watch durability). */
    @FunctionalInterface
    public interface GroupStores {
        LogStore of(long group, GroupLogStore store);
    }

    /**
     * What a host takes from the world around it.
     *
     * @param clock       read for deadlines and timers
     * @param executors   the node threads the groups' turns run on
     * @param workers     starts each group's workers
     * @param hostWorkers starts the host's own worker: the WAL's sync worker
     * @param networks    opens each group's network
     * @param stores      the store each group's runtime is given, from the group's store on the shared WAL
     * @param random      draws each group's randomness (election timeouts)
     * @param background  whether groups hand their fsync to the WAL's sync worker (one fsync for all the groups of
     *                    a round) instead of waiting for it on the node thread
     * @param liveness    when each other process was last heard from, on {@code clock}: a quiesced follower whose
     *                    leader's process has been silent for an election timeout is woken, and so is a quiesced
     *                    leader that has heard from no quorum's processes for as long
     */
    public record Environment(RuntimeClock clock, GroupExecutors executors, GroupWorkers workers,
                              Worker.Factory hostWorkers, GroupNetworks networks, GroupStores stores,
                              RandomGenerator random, boolean background, ProcessLiveness liveness) {
        public Environment {
            Objects.requireNonNull(liveness, "liveness");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(executors, "executors");
            Objects.requireNonNull(workers, "workers");
            Objects.requireNonNull(hostWorkers, "hostWorkers");
            Objects.requireNonNull(networks, "networks");
            Objects.requireNonNull(stores, "stores");
            Objects.requireNonNull(random, "random");
        }
    }

    /**
     * Options of the host's threads and storage.
     *
     * @param syncGatherNanos how long the WAL's sync thread lets requests gather before a round while several groups
     *                        are writing ({@link HostLog}); 0: never. The thread sleeps for it, so only a host on
     *                        real threads has it: a simulator's, whose workers are its own events, passes 0
     */
    public record Options(int nodeThreads, int workerThreads, SharedWalOptions wal, int snapshotsRetained,
                          long syncGatherNanos) {
        /** The default gather: about a third of a log fsync on the benchmark host (docs/benchmarks.md). */
        public static final long DEFAULT_SYNC_GATHER_NANOS = 200_000;
        /** The longest gather: 100 ms. */
        public static final long MAX_SYNC_GATHER_NANOS = 100_000_000;

        public Options {
            if (syncGatherNanos < 0 || syncGatherNanos > MAX_SYNC_GATHER_NANOS) {
                throw new IllegalArgumentException("syncGatherNanos must be 0 to 100 ms: " + syncGatherNanos);
            }
        }

        /** Options without a sync gather (tests, and the simulator, whose sync thread is no thread). */
        public Options(int nodeThreads, int workerThreads, SharedWalOptions wal, int snapshotsRetained) {
            this(nodeThreads, workerThreads, wal, snapshotsRetained, 0);
        }

        public static Options defaults() {
            int cores = Runtime.getRuntime().availableProcessors();
            return new Options(cores, Math.max(2, cores), SharedWalOptions.DEFAULTS, 2, DEFAULT_SYNC_GATHER_NANOS);
        }
    }

    private final HostLog log;
    private final Environment environment;
    private final GroupSpecs specs;
    private final Runnable onClose;
    private final Map<Long, Hosted> running = new TreeMap<>();
    /**
     * The runtimes of {@link #running}, republished on each change: the liveness check reads it without the host's
     * lock, which {@link #close} holds while it waits for groups to stop on the node threads the check runs on.
     */
    private volatile List<NodeRuntime> runtimes = List.of();
    private volatile boolean closed;
    /** Runs the liveness check of quiesced groups; its timer is re-armed after each check. */
    private final NodeExecutor hostExecutor;
    private volatile NodeExecutor.Timer livenessTimer;
    private final long startedNanos;
    private volatile long quiescedWakes;
    /** Confined to the host executor: what the last pass over every group saw. */
    private int checksSinceFullPass;
    private Set<NodeId> processesSeen = Set.of();
    private List<NodeRuntime> runtimesSeen = List.of();
    /** Each group's configuration at the last pass, in {@link #runtimesSeen}'s order. */
    private ClusterConfiguration[] configurationsSeen = new ClusterConfiguration[0];
    private long shortestElectionTimeoutNanos = Long.MAX_VALUE;
    /** The groups {@link #checkIntervalNanos} was computed for. */
    private List<NodeRuntime> intervalOf;
    private long checkIntervalNanos = Long.MAX_VALUE;

    private record Hosted(NodeRuntime runtime, NodeExecutor executor) {
    }

    private GroupHost(HostLog log, Environment environment, GroupSpecs specs, Runnable onClose) {
        this.log = log;
        this.environment = environment;
        this.specs = specs;
        this.onClose = onClose;
        this.hostExecutor = environment.executors().openHost();
        this.startedNanos = environment.clock().nanoTime();
    }

    /**
     * Opens a host on real threads: {@code options.nodeThreads()} node threads, {@code options.workerThreads()}
     * worker threads and a WAL sync thread, the system clock; recovers and starts every group in the directory.
     */
    public static GroupHost open(Disk disk, Path dataDirectory, Options options, GroupNetworks networks,
                                 ProcessLiveness liveness, GroupSpecs specs) {
        PooledExecutors executors = new PooledExecutors(options.nodeThreads(), "caucus-host-node");
        PooledWorkers workers = new PooledWorkers(options.workerThreads(), "caucus-host-worker");
        Environment environment = new Environment(RuntimeClock.SYSTEM, executors, workers::forGroup, Worker::thread,
                networks, (group, store) -> store, new java.util.SplittableRandom(System.nanoTime()), true, liveness);
        try {
            return open(disk, dataDirectory, options, environment, specs, workers::shutdown);
        } catch (RuntimeException e) {
            executors.shutdown();
            workers.shutdown();
            throw e;
        }
    }

    /**
     * Opens a host in {@code environment} (a simulator passes virtual time and its own events); recovers the shared
     * WAL and starts every group it holds, each with the spec {@code specs} gives.
     *
     * @param onClose runs last in {@link #close()} (stops the threads the caller made for the environment)
     */
    public static GroupHost open(Disk disk, Path dataDirectory, Options options, Environment environment,
                                 GroupSpecs specs, Runnable onClose) {
        HostLog log = HostLog.open(disk, dataDirectory, options.wal(), options.snapshotsRetained(),
                environment.hostWorkers(), options.syncGatherNanos());
        GroupHost host = new GroupHost(log, environment, specs, onClose);
        SortedSet<Long> recovered = log.groups();
        try {
            for (long group : recovered) {
                host.startGroup(group);
            }
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        host.scheduleLivenessCheck();
        LOG.info("host on {} started, {} groups recovered", dataDirectory, recovered.size());
        return host;
    }

    /** The groups whose replicas run here. */
    public synchronized SortedSet<Long> groups() {
        return new TreeSet<>(running.keySet());
    }

    /** True if {@code group} was removed from this host: it never runs here again. */
    public boolean wasRemoved(long group) {
        return log.wasRemoved(group);
    }

    /** The replica of {@code group} running here, if any. */
    public synchronized Optional<NodeRuntime> group(long group) {
        Hosted hosted = running.get(group);
        return hosted == null ? Optional.empty() : Optional.of(hosted.runtime());
    }

    /**
     * Starts the replica of {@code group} with the spec {@link GroupSpecs} gives: recovered from the shared WAL and
     * its snapshot store if it has records there, else new. Returns the running one if it runs already.
     *
     * @throws IllegalArgumentException if the group was removed from this host (ids are never reused)
     */
    public synchronized NodeRuntime startGroup(long group) {
        checkOpen();
        Hosted hosted = running.get(group);
        if (hosted != null) {
            return hosted.runtime();
        }
        if (log.wasRemoved(group)) {
            throw new IllegalArgumentException("group " + group + " was removed from this host and a group id is"
                    + " never reused: a replica started again under it would have forgotten its votes");
        }
        GroupSpec spec = specs.of(group);
        GroupLogStore store = log.openGroup(group, spec.bootstrap(), environment.background());
        if (!store.bootstrap().equals(spec.bootstrap())) {
            LOG.info("group {} starts from the configuration recorded at its first start here, {}; the one given now,"
                    + " {}, is ignored (change members with the membership calls)", group, store.bootstrap(),
                    spec.bootstrap());
        }
        NodeExecutor executor = environment.executors().open(group);
        NodeEnvironment nodeEnvironment = new NodeEnvironment(environment.clock(),
                (settings, inbound) -> new HostedNetwork(environment.networks().open(group, settings, inbound,
                        executor), executor, environment.executors()),
                environment.workers().of(group), new java.util.SplittableRandom(environment.random().nextLong()));
        NodeRuntime runtime;
        try {
            runtime = NodeRuntime.start(spec.settings(), environment.stores().of(group, store), store.bootstrap(),
                    PeerDirectory.NO_RESOLVER, nodeEnvironment);
        } catch (RuntimeException e) {
            environment.executors().close(executor); // the runtime closed its store and network already
            throw e;
        }
        running.put(group, new Hosted(runtime, executor));
        publishRuntimes();
        return runtime;
    }

    /**
     * Removes the replica of {@code group} from this host: stops it, records the id as removed for good, writes
     * {@code GROUP_REMOVED} to the shared WAL and makes it durable, then deletes its snapshots (a crash part way is
     * finished on the next open). The id is never started here again (docs/multiraft.md), so nothing later is
     * mistaken for this group's and no replica forgets the votes it gave.
     */
    public synchronized void removeGroup(long group) {
        checkOpen();
        Hosted hosted = running.remove(group);
        publishRuntimes();
        if (hosted != null) {
            hosted.runtime().close();
        }
        log.removeGroup(group);
    }

    /** How many of the groups running here were quiesced as of their latest turn. */
    public int quiescedGroups() {
        int quiesced = 0;
        for (NodeRuntime runtime : runtimes) {
            quiesced += runtime.isQuiesced() ? 1 : 0;
        }
        return quiesced;
    }

    private void publishRuntimes() {
        List<NodeRuntime> list = new ArrayList<>();
        for (Hosted hosted : running.values()) {
            list.add(hosted.runtime());
        }
        runtimes = List.copyOf(list);
    }

    /**
     * How many times the host woke a quiesced replica: a follower whose leader's process went silent, or a leader
     * that heard from no quorum's processes.
     */
    public long quiescedWakes() {
        return quiescedWakes;
    }

    /**
     * Every heartbeat interval of the groups: wakes each quiesced follower whose leader is on a process silent for
     * longer than the group's election timeout (the top of its randomized range, Raft paper §5.2), and each
     * quiesced leader that has not heard from the processes of a quorum of its configuration for as long. A
     * quiesced follower counts no election ticks (RaftNode.isQuiesced), so without this a dead leader would never
     * be replaced; woken, the replica times out and elects as Raft does (Pre-Vote and leader stickiness as always).
     * A quiesced leader runs no CheckQuorum (thesis §6.2); woken, it heartbeats, and steps down an election timeout
     * later if a quorum still does not answer, instead of lingering as a leader cut off from its group.
     *
     * <p>Every wake needs a silent process, so a check first looks at the processes the groups named at the last
     * pass over them, and passes over the groups only if one is silent, or every {@link #FULL_PASS_EVERY} checks,
     * or when the groups changed: an idle host of thousands of groups does a few lookups per heartbeat interval.
     */
    private void checkLiveness() {
        if (closed) {
            return;
        }
        long now = environment.clock().nanoTime();
        if (!fullPassDue() && !anySilent(processesSeen, now)) {
            scheduleLivenessCheck(); // every wake needs a silent process: none of those the groups name is
            return;
        }
        checksSinceFullPass = 0;
        List<NodeRuntime> checked = runtimes;
        refreshProcessesSeen(checked);
        if (!anySilent(processesSeen, now)) {
            // Nothing to wake: a follower wakes for a silent leader, a leader for silent members.
            scheduleLivenessCheck();
            return;
        }
        for (NodeRuntime runtime : checked) {
            NodeStatus status = runtime.quiescedStatus().orElse(null);
            if (status == null || status.leader() == null) {
                continue;
            }
            NodeSettings settings = runtime.settings();
            long electionTimeoutNanos = 2L * settings.raftOptions().electionTimeoutTicks()
                    * settings.tickInterval().toNanos();
            boolean wake;
            if (status.leader().equals(runtime.id())) {
                Set<NodeId> members = new HashSet<>();
                addMembers(status.configuration(), members);
                Set<NodeId> heard = new HashSet<>();
                heard.add(runtime.id());
                for (NodeId member : members) {
                    if (!silent(member, now, electionTimeoutNanos)) {
                        heard.add(member);
                    }
                }
                wake = !status.configuration().hasQuorum(heard);
            } else {
                wake = silent(status.leader(), now, electionTimeoutNanos);
            }
            if (wake && runtime.wakeQuiesced()) {
                quiescedWakes++;
            }
        }
        scheduleLivenessCheck();
    }

    /**
     * Sets {@link #processesSeen} to the processes {@code checked}'s configurations name (this one's own left out),
     * and the shortest election timeout among them. Configurations seldom change, so when the groups are those of
     * the last pass and each one's configuration is the one seen then, the last set stands: with ten thousand idle
     * groups, gathering their members every pass was most of an idle host's CPU.
     */
    private void refreshProcessesSeen(List<NodeRuntime> checked) {
        ClusterConfiguration[] configurations = new ClusterConfiguration[checked.size()];
        boolean changed = checked != runtimesSeen;
        for (int i = 0; i < configurations.length; i++) {
            configurations[i] = checked.get(i).status().configuration();
            if (!changed) { // then this is the list of the last pass, as long as the array seen then
                changed = configurations[i] != configurationsSeen[i]
                        && !configurations[i].equals(configurationsSeen[i]);
            }
        }
        configurationsSeen = configurations;
        if (!changed) {
            return;
        }
        Set<NodeId> seen = new HashSet<>();
        long shortest = Long.MAX_VALUE;
        for (int i = 0; i < configurations.length; i++) {
            NodeRuntime runtime = checked.get(i);
            addMembers(configurations[i], seen);
            seen.remove(runtime.id()); // this process: never heard from over the network, and never silent to itself
            NodeSettings settings = runtime.settings();
            shortest = Math.min(shortest, 2L * settings.raftOptions().electionTimeoutTicks()
                    * settings.tickInterval().toNanos());
        }
        processesSeen = seen;
        runtimesSeen = checked;
        shortestElectionTimeoutNanos = shortest;
    }

    /**
     * Adds {@code configuration}'s members ({@link ClusterConfiguration#members}) to {@code into} without the sorted
     * copy that makes.
     */
    private static void addMembers(ClusterConfiguration configuration, Set<NodeId> into) {
        into.addAll(configuration.voters());
        into.addAll(configuration.outgoingVoters());
        into.addAll(configuration.learners());
    }

    /**
     * A pass over every group is due at least every {@link #FULL_PASS_EVERY} checks and whenever the groups changed:
     * between passes only the processes the groups named at the last pass are looked at, so a member new since then
     * (a membership change) is seen at the latest one full-pass interval later.
     */
    private boolean fullPassDue() {
        return ++checksSinceFullPass >= FULL_PASS_EVERY || runtimes != runtimesSeen;
    }

    /** Whether any of {@code processes} has been silent for the shortest election timeout of the groups here. */
    private boolean anySilent(Set<NodeId> processes, long now) {
        for (NodeId process : processes) {
            if (silent(process, now, shortestElectionTimeoutNanos)) {
                return true;
            }
        }
        return false;
    }

    private boolean silent(NodeId process, long now, long forNanos) {
        return now - Math.max(environment.liveness().lastHeardNanos(process), startedNanos) > forNanos;
    }

    /**
     * Arms the next check, one heartbeat interval of the groups from now (the shortest, if they differ), computed
     * again only when the groups changed.
     */
    private void scheduleLivenessCheck() {
        List<NodeRuntime> current = runtimes;
        if (current != intervalOf) {
            long shortest = Long.MAX_VALUE;
            for (NodeRuntime runtime : current) {
                NodeSettings settings = runtime.settings();
                shortest = Math.min(shortest,
                        settings.tickInterval().toNanos() * settings.raftOptions().heartbeatIntervalTicks());
            }
            checkIntervalNanos = shortest;
            intervalOf = current;
        }
        long delayNanos = checkIntervalNanos;
        if (closed) {
            return;
        }
        try {
            livenessTimer = hostExecutor.schedule(this::checkLiveness,
                    delayNanos == Long.MAX_VALUE ? IDLE_CHECK_NANOS : delayNanos);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            livenessTimer = null; // the host's executor is shutting down with the host
        }
    }

    /** The host's shared WAL: its fsync and coalescing counters. */
    public HostLog log() {
        return log;
    }

    /** Stops every group, then closes the shared WAL and the directory lock, then the threads. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (livenessTimer != null) {
            livenessTimer.cancel();
        }
        List<Hosted> all = new ArrayList<>(running.values());
        running.clear();
        publishRuntimes();
        for (Hosted hosted : all) {
            try {
                hosted.runtime().close();
            } catch (RuntimeException e) {
                LOG.atWarn().setCause(e).log("closing a group failed: {}", e.toString());
            }
        }
        try {
            log.close();
        } finally {
            environment.executors().shutdown();
            onClose.run();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the host is closed");
        }
    }

    /** A group's network as the host hands it to the runtime: the host's executor; closing it closes that too. */
    private static final class HostedNetwork implements PeerNetwork {
        private final PeerNetwork network;
        private final NodeExecutor executor;
        private final GroupExecutors executors;
        private final AtomicBoolean closed = new AtomicBoolean();

        HostedNetwork(PeerNetwork network, NodeExecutor executor, GroupExecutors executors) {
            this.network = network;
            this.executor = executor;
            this.executors = executors;
        }

        @Override
        public void start() {
            network.start();
        }

        @Override
        public NodeExecutor executor() {
            return executor;
        }

        @Override
        public void send(RaftMessage message) {
            network.send(message);
        }

        @Override
        public boolean sendSnapshotFrame(SnapshotFrame frame) {
            return network.sendSnapshotFrame(frame);
        }

        @Override
        public void addPeer(NodeId peer, InetSocketAddress address) {
            network.addPeer(peer, address);
        }

        @Override
        public void removePeer(NodeId peer) {
            network.removePeer(peer);
        }

        @Override
        public Set<NodeId> peers() {
            return network.peers();
        }

        @Override
        public void disconnect() {
            network.disconnect();
        }

        @Override
        public TransportMetrics metrics() {
            return network.metrics();
        }

        @Override
        public boolean servesFollowerReads(NodeId peer) {
            return network.servesFollowerReads(peer);
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                network.close();
                executors.close(executor);
            }
        }
    }
}
