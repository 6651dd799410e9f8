package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.server.internal.GroupHost;
import io.caucus.server.internal.NodeExecutor;
import io.caucus.server.internal.NodeRuntime;
import io.caucus.server.internal.Worker;
import io.caucus.sim.kv.KvReplica;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.multi.GroupLog;
import io.caucus.storage.multi.HostStorage;
import io.caucus.storage.multi.SharedWalOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Multi-Raft in the simulator: {@code processes} simulated processes, each one production {@link GroupHost} on one
 * {@code caucus-storage} {@link SimulatedDisk} with one shared WAL, hosting a replica of every one of
 * {@code groups} Raft groups. Each group is a {@link Simulation} of its own (its nodes are its replicas, named by
 * their process; its invariants checked by its own {@link InvariantChecker}; its messages carried by its own
 * {@link SimNetwork}, so a message reaches only the same group's replica), and all of them share one world: one
 * seed, one event queue and clock, one trace, and the links between processes, which a partition cuts for every
 * group alike. A crash is of a process: every group on it crashes together, and its disk keeps a random, possibly
 * torn, part of what its shared WAL had not synced; a restart opens the host again, which recovers every group from
 * the shared WAL and the groups' snapshot stores.
 *
 * <p>Group 1's simulation is the one to script and to give a {@link Nemesis}: its crashes, restarts and network
 * changes go to the processes and to every group.
 *
 * <p>By default every group has a replica on every process. A {@link Placement} puts each group on some of them
 * instead, and may move replicas: each process then follows it as a sharded node follows its slot map, starting the
 * groups placed on it and removing for good those it was retired from (docs/simulator.md, "Replica moves").
 */
public final class MultiGroupSimulation {

    /** Which processes run a replica of which group. */
    public interface Placement {
        /** Every group on every process, for good. */
        Placement EVERYWHERE = new Placement() {
            @Override
            public Set<NodeId> firstReplicas(long group) {
                return null;
            }

            @Override
            public boolean places(long group, NodeId process) {
                return true;
            }

            @Override
            public boolean retired(long group, NodeId process) {
                return false;
            }

            @Override
            public ClusterConfiguration bootstrap(long group, NodeId process) {
                throw new IllegalStateException("every process starts every group from its first configuration");
            }

            @Override
            public long followEveryTicks() {
                return 0;
            }
        };

        /** The voters {@code group} starts with (null: every process). */
        Set<NodeId> firstReplicas(long group);

        /** Whether {@code process} is to run a replica of {@code group} now. */
        boolean places(long group, NodeId process);

        /** Whether {@code process} was retired from {@code group}: it removes its replica, and never runs one again. */
        boolean retired(long group, NodeId process);

        /**
         * The configuration a replica of {@code group} new on {@code process}, not one of its first replicas, starts
         * from: the voters it joins, not itself, so that it waits as a non-voter for the group's leader to add it.
         */
        ClusterConfiguration bootstrap(long group, NodeId process);

        /** How often, in ticks, each process compares the groups it runs with the placement; 0: never. */
        long followEveryTicks();
    }

    private static final Path DATA = Path.of("/host");
    /** Small segments, so that runs roll over, delete and rewrite segments of the shared WAL. */
    private static final SharedWalOptions WAL_OPTIONS = SharedWalOptions.DEFAULTS.withSegmentBytes(32 << 10)
            .withPreallocateBytes(4 << 10);

    /** One simulated process: its disk outlives crashes; its host exists only while it is up. */
    private final class Process {
        final NodeId id;
        final SimulatedDisk disk = new SimulatedDisk();
        GroupHost host;
        int incarnation;
        /** The groups whose replica this process ever started: their part of the shared WAL is recovered. */
        final Set<Long> everStarted = new TreeSet<>();
        /** Replicas the host started in its current incarnation, waiting to be handed to their groups. */
        final Map<Long, KvReplica> starting = new HashMap<>();
        final Map<Long, HostedLogStore> stores = new HashMap<>();
        /** Process liveness of the current incarnation: when each other process was last heard from (virtual µs). */
        final Map<NodeId, Long> lastHeardMicros = new HashMap<>();
        long startedMicros;

        Process(NodeId id) {
            this.id = id;
        }

        /**
         * See {@link io.caucus.server.internal.ProcessLiveness}: a process never heard from counts as heard from when
         * this host started.
         */
        long lastHeardNanos(NodeId other) {
            return Math.max(lastHeardMicros.getOrDefault(other, startedMicros), startedMicros) * 1000;
        }

        boolean isUp() {
            return host != null;
        }
    }

    private final SimConfig config;
    private final Placement placement;
    private final Simulation.World world;
    private final List<Simulation> groups = new ArrayList<>();
    private final Map<NodeId, Process> processes = new LinkedHashMap<>();
    private long processCrashes;
    /** Replicas started on a process the placement put them on after its start, and replicas removed for good. */
    private long replicasJoined;
    private long replicasRemoved;
    private long tornTailsRecovered;
    private long sharedWalFsyncs;
    /** How long a sync round of a shared WAL waits before it forces (virtual µs, drawn per seed). */
    private final long fsyncMicros;
    private final boolean lyingSync;
    /** Whether groups quiesce ({@code quiesceAfterTicks} > 0): then processes ping each other (process liveness). */
    private final boolean quiescence;
    private long pingsSent;
    private long pingsDelivered;
    /** At each process's pings: its replicas, and how many of them were quiesced (the host's count). */
    private long replicaSamples;
    private long quiescedReplicaSamples;
    /** Wakes of quiesced groups by crashed hosts, counted up to their crash. */
    private long quiescedWakes;

    /**
     * @param config the seed, the number of processes ({@link SimConfig#clusterSize()}), the core's tunables, the
     *               compaction threshold; its disk model must be {@link SimConfig.DiskModel#SHARED_WAL}
     */
    public MultiGroupSimulation(SimConfig config, int groupCount, String reproduceHint) {
        this(config, groupCount, reproduceHint, Placement.EVERYWHERE, false);
    }

    /** As above, the groups placed on the processes by {@code placement}. */
    public MultiGroupSimulation(SimConfig config, int groupCount, String reproduceHint, Placement placement) {
        this(config, groupCount, reproduceHint, placement, false);
    }

    /**
     * As above; with {@code lyingSync} every group's store reports its writes durable as soon as it asks for the
     * sync, before the shared WAL forces them: a broken runtime, only for showing that the checks catch it.
     */
    MultiGroupSimulation(SimConfig config, int groupCount, String reproduceHint, boolean lyingSync) {
        this(config, groupCount, reproduceHint, Placement.EVERYWHERE, lyingSync);
    }

    private MultiGroupSimulation(SimConfig config, int groupCount, String reproduceHint, Placement placement,
                                 boolean lyingSync) {
        if (config.disk() != SimConfig.DiskModel.SHARED_WAL) {
            throw new IllegalArgumentException("a multi-group simulation runs on the shared WAL, not " + config.disk());
        }
        if (groupCount < 1) {
            throw new IllegalArgumentException("at least one group: " + groupCount);
        }
        this.config = config;
        this.placement = placement;
        this.lyingSync = lyingSync;
        this.quiescence = config.options().quiesceAfterTicks() > 0;
        this.fsyncMicros = 20 + new SplittableRandom(config.seed() ^ 0x6673796eL).nextInt(400);
        List<NodeId> ids = new ArrayList<>();
        for (int i = 1; i <= config.clusterSize(); i++) {
            ids.add(NodeId.of("n" + i));
        }
        this.world = new Simulation.World(new Random(config.seed()), new EventQueue(),
                new Trace(config.traceCapacity()), new Connectivity(ids));
        Simulation.Hosting hosting = new Simulation.Hosting() {
            @Override
            public String label(Simulation group) {
                return "group " + (groups.indexOf(group) + 1) + " of " + groupCount + " on " + config.clusterSize()
                        + " processes";
            }

            @Override
            public String reproduce() {
                return reproduceHint;
            }

            @Override
            public void crash(NodeId process) {
                crashProcess(process);
            }

            @Override
            public void restart(NodeId process) {
                startProcess(process);
            }

            @Override
            public void setNetwork(NetworkProfile profile) {
                groups.forEach(group -> group.setOwnNetwork(profile));
            }

            @Override
            public void delivered(io.caucus.core.message.RaftMessage message) {
                Process target = processes.get(message.to());
                if (target != null && target.isUp()) {
                    target.lastHeardMicros.put(message.from(), world.events().now());
                }
            }
        };
        for (int group = 1; group <= groupCount; group++) {
            Simulation sim = new Simulation(config, world, hosting, placement.firstReplicas(group));
            for (NodeId id : ids) {
                sim.node(id).nameAsReplicaOf(group);
            }
            groups.add(sim);
        }
        for (NodeId id : ids) {
            processes.put(id, new Process(id));
        }
        for (NodeId id : ids) {
            startProcess(id);
        }
    }

    /** Group {@code group}'s simulation (groups are 1..{@link #groupCount()}). */
    public Simulation group(long group) {
        return groups.get((int) group - 1);
    }

    public int groupCount() {
        return groups.size();
    }

    public List<NodeId> processIds() {
        return List.copyOf(processes.keySet());
    }

    public boolean isUp(NodeId process) {
        return processes.get(process).isUp();
    }

    public long processCrashes() {
        return processCrashes;
    }

    /** Torn tails the shared WALs cut off while recovering from crashes. */
    public long tornTailsRecovered() {
        return tornTailsRecovered;
    }

    /** Fsyncs of the shared WALs over the run (a crashed host's counted up to its crash). */
    public long sharedWalFsyncs() {
        long running = 0;
        for (Process process : processes.values()) {
            running += process.isUp() ? process.host.log().fsyncs() : 0;
        }
        return sharedWalFsyncs + running;
    }

    private Simulation groupOf(long group) {
        return groups.get((int) group - 1);
    }

    /** Opens the process's host: it recovers every group in the shared WAL, then every other group starts empty. */
    private void startProcess(NodeId id) {
        Process process = processes.get(id);
        if (process.isUp()) {
            throw new IllegalStateException(id + " is already up");
        }
        process.incarnation++;
        int incarnation = process.incarnation;
        process.starting.clear();
        process.stores.clear();
        process.lastHeardMicros.clear();
        process.startedMicros = world.events().now();
        GroupHost.Environment environment = new GroupHost.Environment(() -> world.events().now() * 1000,
                new Executors(process), group -> name -> SimEnvironment.worker(node(id, group),
                        node(id, group).nextIncarnation(), groupOf(group).runtimeTurns.events()),
                name -> new ProcessWorker(process, incarnation),
                (group, settings, inbound, executor) -> SimEnvironment.network(node(id, group),
                        node(id, group).nextIncarnation(), groupOf(group).runtimeTurns.events(), settings, inbound),
                (group, store) -> process.stores.computeIfAbsent(group, ignored -> new HostedLogStore(store,
                        node(id, group), groupOf(group).runtimeReports::onDurable, lyingSync)),
                new SplittableRandom(world.random().nextLong()), true, process::lastHeardNanos);
        GroupHost host;
        try {
            host = GroupHost.open(process.disk, DATA, new GroupHost.Options(1, 1, WAL_OPTIONS, 2), environment,
                    group -> {
                        KvReplica replica = new KvReplica();
                        process.starting.put(group, replica);
                        Simulation sim = groupOf(group);
                        return new GroupHost.GroupSpec(sim.settingsOf(id, replica), sim.clusterConfiguration.isVoter(id)
                                ? sim.clusterConfiguration : placement.bootstrap(group, id));
                    }, () -> {
                    });
            // Those recovered run already; then those placed here (all of them but the ones removed before).
            for (long group = 1; group <= groups.size(); group++) {
                if (placement.places(group, id) && !host.wasRemoved(group)) {
                    host.startGroup(group);
                }
            }
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (RuntimeException e) {
            group(1).fail("Host start", id + " failed to open its host: " + e + SimulationFailure.stackTop(e));
            return;
        }
        process.host = host;
        world.trace().record(world.events().now(), id, "host", "incarnation " + incarnation + " opened, "
                + host.groups().size() + " groups, recovery " + host.log().recovery());
        for (long group : host.groups()) {
            adopt(process, group);
        }
        if (quiescence) {
            schedulePings(process, incarnation);
        }
        if (placement.followEveryTicks() > 0) {
            followPlacement(process); // a replica recovered after its process was retired from the group goes now
            scheduleFollowing(process, incarnation);
        }
    }

    /** Hands the replica of {@code group} the host just started to its group's simulation. */
    private void adopt(Process process, long group) {
        NodeRuntime runtime = process.host.group(group).orElseThrow();
        HostedLogStore store = process.stores.remove(group);
        groupOf(group).adoptHosted(process.id, runtime, process.starting.remove(group), store, store.bootstrap());
        process.everStarted.add(group);
    }

    /**
     * What a sharded node does on each look at its map (ShardedKvServer): removes the replica of a group the
     * placement retired it from, and starts the replica of a group placed on it that it does not run and never
     * removed (a group id is never reused on a host).
     */
    private void followPlacement(Process process) {
        for (long group = 1; group <= groups.size(); group++) {
            boolean running = process.host.group(group).isPresent();
            if (running && placement.retired(group, process.id)) {
                removeReplica(process, group);
            } else if (!running && placement.places(group, process.id) && !process.host.wasRemoved(group)) {
                try {
                    process.host.startGroup(group);
                } catch (SimulationFailure failure) {
                    throw failure;
                } catch (RuntimeException e) {
                    groupOf(group).fail("Host start", process.id + " failed to start its replica of group " + group
                            + ": " + e + SimulationFailure.stackTop(e));
                }
                world.trace().record(world.events().now(), process.id, "host", "started group " + group
                        + ", placed here");
                adopt(process, group);
                replicasJoined++;
            }
        }
    }

    private void removeReplica(Process process, long group) {
        world.trace().record(world.events().now(), process.id, "host", "removing group " + group
                + ": retired from it");
        groupOf(group).removeHosted(process.id, () -> process.host.removeGroup(group));
        replicasRemoved++;
    }

    /** Replicas a process started because the placement put them on it while it was up (replica moves). */
    public long replicasJoined() {
        return replicasJoined;
    }

    /** Replicas a process removed for good because the placement retired it from their group. */
    public long replicasRemoved() {
        return replicasRemoved;
    }

    /** Each process looks at the placement every {@link Placement#followEveryTicks()} while it is up. */
    private void scheduleFollowing(Process process, int incarnation) {
        world.events().at(world.events().now() + placement.followEveryTicks() * config.tickMicros(), () -> {
            if (process.incarnation != incarnation || !process.isUp()) {
                return;
            }
            followPlacement(process);
            scheduleFollowing(process, incarnation);
        });
    }

    /**
     * The process heartbeat the transport is to carry (docs/multiraft.md, "Quiescence"): once per heartbeat interval
     * the process pings every other one, through the same faults as the groups' messages (partitions, loss, delays,
     * crashes), and each ping delivered counts as hearing from its sender. Only while groups quiesce: otherwise
     * nothing reads it, and leaving it out keeps the seeds' runs as they were.
     */
    private void schedulePings(Process process, int incarnation) {
        long intervalMicros = config.options().heartbeatIntervalTicks() * config.tickMicros();
        world.events().at(world.events().now() + intervalMicros, () -> {
            if (process.incarnation != incarnation || !process.isUp()) {
                return;
            }
            replicaSamples += groups.size();
            quiescedReplicaSamples += process.host.quiescedGroups();
            for (Process target : processes.values()) {
                if (target != process) {
                    ping(process.id, target);
                }
            }
            schedulePings(process, incarnation);
        });
    }

    private void ping(NodeId from, Process target) {
        pingsSent++;
        NetworkProfile profile = groups.get(0).network();
        if (!target.isUp() || !world.connectivity().canSend(from, target.id)
                || world.random().nextDouble() < profile.lossProbability()) {
            return;
        }
        long delay = profile.minDelayMicros()
                + world.random().nextLong(profile.maxDelayMicros() - profile.minDelayMicros() + 1);
        if (world.random().nextDouble() < profile.reorderProbability()) {
            delay += world.random().nextLong(10 * profile.maxDelayMicros());
        }
        int incarnation = target.incarnation;
        world.events().at(world.events().now() + delay, () -> {
            if (target.incarnation == incarnation && target.isUp() && world.connectivity().canSend(from, target.id)) {
                pingsDelivered++;
                target.lastHeardMicros.put(from, world.events().now());
            }
        });
    }

    /** Process pings sent and delivered over the run (zero unless groups quiesce). */
    public long pingsSent() {
        return pingsSent;
    }

    public long pingsDelivered() {
        return pingsDelivered;
    }

    /** Of the replicas of live processes, sampled once per heartbeat interval, the fraction that was quiesced. */
    public double quiescedFraction() {
        return replicaSamples == 0 ? 0 : (double) quiescedReplicaSamples / replicaSamples;
    }

    long replicaSamples() {
        return replicaSamples;
    }

    long quiescedReplicaSamples() {
        return quiescedReplicaSamples;
    }

    /** How many of {@code process}'s groups are quiesced now (0 while it is down). */
    public int quiescedGroups(NodeId process) {
        Process host = processes.get(process);
        return host.isUp() ? host.host.quiescedGroups() : 0;
    }

    /** Quiesced groups woken by their host because the leader's process went silent, over the run. */
    public long quiescedWakes() {
        long running = 0;
        for (Process process : processes.values()) {
            running += process.isUp() ? process.host.quiescedWakes() : 0;
        }
        return quiescedWakes + running;
    }

    /** Every group of the process crashes; the host is abandoned (closing would flush what a crash loses). */
    private void crashProcess(NodeId id) {
        Process process = processes.get(id);
        if (!process.isUp()) {
            throw new IllegalStateException(id + " is already down");
        }
        sharedWalFsyncs += process.host.log().fsyncs();
        quiescedWakes += process.host.quiescedWakes();
        process.host = null;
        process.incarnation++;
        processCrashes++;
        for (Simulation group : groups) {
            if (group.isUp(id)) {
                group.crashHosted(id);
            }
        }
        process.disk.crash(world.random());
        recoverWhileDown(process);
        world.trace().record(world.events().now(), id, "host", "crashed with every group on it");
    }

    /**
     * Runs the shared WAL's recovery on the crashed disk, as the restart will (it changes the disk as the restart's
     * would: a torn tail cut, the newest segment forced), so that the checkers know what each group's replica holds
     * durably while the process is down.
     */
    private void recoverWhileDown(Process process) {
        try (HostStorage storage = HostStorage.open(process.disk, DATA, WAL_OPTIONS, 2)) {
            if (storage.wal().recovery().droppedTailBytes() > 0) {
                tornTailsRecovered++;
            }
            for (long group : process.everStarted) {
                if (storage.wasRemoved(group)) {
                    continue; // nothing of it is left
                }
                SimNode node = node(process.id, group);
                GroupLog log = storage.group(group, node.bootstrap()).log();
                node.disk().hostedCrashed(RecoveredLog.of(log), log.hardState());
            }
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (RuntimeException e) {
            group(1).fail("Host recovery", process.id + "'s shared WAL does not recover after its crash: " + e
                    + SimulationFailure.stackTop(e));
        }
    }

    private SimNode node(NodeId process, long group) {
        return groupOf(group).node(process);
    }

    /** Each group's turns and timers as events of its replica's next incarnation. */
    private final class Executors implements GroupHost.GroupExecutors {
        private final Process process;

        Executors(Process process) {
            this.process = process;
        }

        @Override
        public NodeExecutor open(long group) {
            SimNode node = node(process.id, group);
            return SimEnvironment.executor(node, node.nextIncarnation(), groupOf(group).runtimeTurns.events());
        }

        @Override
        public void close(NodeExecutor executor) {
            // A replica's events die with its incarnation.
        }

        @Override
        public void shutdown() {
        }

        @Override
        public NodeExecutor openHost() {
            return new ProcessExecutor(process, process.incarnation);
        }
    }

    /** The host's own timer (the liveness check of quiesced groups): events of the process's incarnation. */
    private final class ProcessExecutor implements NodeExecutor {
        private final Process process;
        private final int incarnation;
        private boolean running;

        ProcessExecutor(Process process, int incarnation) {
            this.process = process;
            this.incarnation = incarnation;
        }

        @Override
        public void execute(Runnable task) {
            schedule(task, 0);
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            if (process.incarnation != incarnation) {
                throw new java.util.concurrent.RejectedExecutionException(process.id + " has crashed");
            }
            boolean[] cancelled = new boolean[1];
            world.events().at(world.events().now() + (delayNanos + 999) / 1000, () -> {
                if (cancelled[0] || process.incarnation != incarnation) {
                    return; // the process crashed: its timers died with it
                }
                running = true;
                try {
                    task.run();
                } finally {
                    running = false;
                }
            });
            return () -> cancelled[0] = true;
        }

        @Override
        public boolean inExecutor() {
            return running;
        }
    }

    /** The host's own worker (the shared WAL's sync worker): its tasks are events of the process's incarnation. */
    private final class ProcessWorker implements Worker {
        private final Process process;
        private final int incarnation;
        private boolean running;

        ProcessWorker(Process process, int incarnation) {
            this.process = process;
            this.incarnation = incarnation;
        }

        @Override
        public void execute(Runnable task) {
            // An fsync takes time: writes of other groups made meanwhile join the round, and a crash in between
            // finds them unsynced (torn tails of the shared WAL).
            world.events().at(world.events().now() + fsyncMicros, () -> {
                if (process.incarnation != incarnation) {
                    return; // the process crashed: its sync rounds died with it
                }
                running = true;
                try {
                    task.run();
                } finally {
                    running = false;
                }
            });
        }

        @Override
        public boolean inWorker() {
            return running;
        }

        @Override
        public void shutdown() {
        }

        @Override
        public boolean awaitTermination(Duration timeout) {
            return true;
        }
    }

    /** Each start of a process is an incarnation of it; a crash ends it (its events are dropped from then). */
    public int incarnation(NodeId process) {
        return processes.get(process).incarnation;
    }

    /**
     * Whether the process, which must be up, keeps anything of {@code group}: runs its replica, or holds records
     * of it in its shared WAL that it never removed.
     */
    public boolean holdsReplica(NodeId process, long group) {
        GroupHost host = processes.get(process).host;
        if (host == null) {
            throw new IllegalStateException(process + " is down");
        }
        return host.group(group).isPresent() || (!host.wasRemoved(group) && host.log().groups().contains(group));
    }

    /** The processes as faults see them: a crash or restart is of a process; a leader is group 1's. */
    Nemesis.Targets processTargets() {
        return new Nemesis.Targets() {
            @Override
            public List<NodeId> nodeIds() {
                return processIds();
            }

            @Override
            public List<NodeId> upNodes() {
                return upProcesses();
            }

            @Override
            public boolean isUp(NodeId id) {
                return MultiGroupSimulation.this.isUp(id);
            }

            @Override
            public Optional<NodeId> leader() {
                return group(1).leader();
            }
        };
    }

    /** The ids of the processes that are up. */
    public List<NodeId> upProcesses() {
        List<NodeId> up = new ArrayList<>();
        for (Process process : processes.values()) {
            if (process.isUp()) {
                up.add(process.id);
            }
        }
        return up;
    }

    /** The groups, as a set of ids, for totals. */
    public TreeSet<Long> groupIds() {
        TreeSet<Long> ids = new TreeSet<>();
        for (long group = 1; group <= groups.size(); group++) {
            ids.add(group);
        }
        return ids;
    }
}
