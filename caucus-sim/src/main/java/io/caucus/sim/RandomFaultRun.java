package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.sim.client.ClientWorkload;
import io.caucus.sim.linearizability.CheckResult;
import io.caucus.sim.linearizability.LinearizabilityChecker;
import io.caucus.sim.linearizability.Verdict;
import java.util.ArrayList;
import java.util.List;
import io.caucus.core.RaftOptions;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * One seed's run under random faults, from start to verdict: a cluster (3, 5 or 7 nodes, chosen by the seed)
 * with a random network profile, clients, and a nemesis for {@code faultTicks}; then every fault is repaired
 * and liveness is required (a leader within a bound, every acknowledged write committed on every node); last,
 * the client history must be linearizable. Safety invariants are checked after every event throughout.
 */
public final class RandomFaultRun {

    /** What one seed's run did, for totals. */
    public record Result(long seed, int clusterSize, long events, long messages, long clientOperations,
                         long ok, long failed, long unknown, long faults, SimConfig.DiskModel disk,
                         long tornTailsRecovered, long snapshotsTaken, long installSnapshots, long snapshotsRestored,
                         Verdict verdict, MembershipWorkload.Totals membership,
                         long configurationEntriesCommitted, long followerReadsConfirmed) {
    }

    private static final int[] CLUSTER_SIZES = {3, 5, 7};
    private static final List<String> KEYS = List.of("x", "y", "z");
    /** Generous: under loss and after a full restart Pre-Vote needs a few rounds. */
    private static final long LEADER_BOUND_TICKS = 300;
    private static final long SETTLE_BOUND_TICKS = 300;
    /**
     * Keys that may expire are searched with their time as part of the state, which a long run (3,000 fault ticks)
     * can need tens of millions of steps for (a few seconds); a budget that runs out makes the seed UNDECIDED.
     */
    private static final long LINEARIZABILITY_STEPS = 50_000_000;

    private RandomFaultRun() {
    }

    /** About 60% of the seeds change membership and transfer leadership under the faults. */
    public static boolean changesMembership(long seed) {
        return new SplittableRandom(seed ^ 0x6d656d62L).nextInt(100) < 60;
    }

    /**
     * A quarter of the seeds snapshot and compact, so that followers behind a crash or a partition need an
     * InstallSnapshot (§7). They run on the storage disk, whose production store keeps the snapshots.
     */
    public static boolean compactsLogs(long seed) {
        return new SplittableRandom(seed ^ 0x736e6170L).nextInt(4) == 0;
    }

    public static int clusterSizeOf(long seed) {
        return CLUSTER_SIZES[(int) Math.floorMod(seed, (long) CLUSTER_SIZES.length)];
    }

    public static Result run(long seed, long faultTicks) {
        return run(configOf(seed), faultTicks);
    }

    /**
     * The configuration seed {@code seed} runs with: its cluster size, and core tunables drawn from the seed
     * so that many seeds cover small batches, tiny in-flight windows, back-pressure and several timeouts.
     */
    public static SimConfig configOf(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int electionTimeoutTicks = 8 + random.nextInt(13);
        RaftOptions options = new RaftOptions(electionTimeoutTicks,
                1 + random.nextInt(Math.max(1, electionTimeoutTicks / 4)),
                64L << random.nextInt(8),
                1 + random.nextInt(16),
                1L << (10 + random.nextInt(10)),
                1L << (9 + random.nextInt(10)),
                64L << random.nextInt(8));
        // Half the seeds run the real storage engine on its simulated disk (torn unsynced tails at crashes).
        SimConfig.DiskModel disk = random.nextBoolean() ? SimConfig.DiskModel.STORAGE : SimConfig.DiskModel.MEMORY;
        SimConfig config = SimConfig.of(seed, clusterSizeOf(seed)).withOptions(options).withDisk(disk);
        return compactsLogs(seed)
                ? config.withDisk(SimConfig.DiskModel.STORAGE).withCompaction(compactionThreshold(seed)) : config;
    }

    /**
     * Small thresholds, so that followers behind a crash or a partition often need an InstallSnapshot (§7); a
     * quarter of the compacting seeds snapshot every few entries, so snapshots race with appends, elections and
     * crashes.
     */
    private static long compactionThreshold(long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x636d7074L);
        return random.nextInt(4) == 0 ? 3 + random.nextInt(17) : 20 + random.nextInt(181);
    }

    /** Runs with an explicit configuration (its seed and size are used as given). */
    public static Result run(SimConfig config, long faultTicks) {
        return run(config, faultTicks, ClientWorkload.ReadMode.READ_INDEX);
    }

    /** Runs with an explicit configuration and read mode (a broken one shows the checker catching it). */
    public static Result run(SimConfig config, long faultTicks, ClientWorkload.ReadMode readMode) {
        return run(new Simulation(config), faultTicks, readMode);
    }

    /** Runs on a simulation the caller holds, so that it can read the whole trace afterwards. */
    static Result run(Simulation sim, long faultTicks, ClientWorkload.ReadMode readMode) {
        SimConfig config = sim.config();
        try {
            return runPhases(sim, faultTicks, readMode);
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (RuntimeException e) {
            // A fault of this harness rather than of the core: still name the seed that reproduces it, and the trace.
            SimulationFailure failure = new SimulationFailure(config.seed(), config.clusterSize(), "Harness",
                    e.toString(), sim.trace().render());
            failure.initCause(e);
            throw failure;
        }
    }

    private static Result runPhases(Simulation sim, long faultTicks, ClientWorkload.ReadMode readMode) {
        SimConfig config = sim.config();
        long seed = config.seed();
        Random random = sim.random();
        NetworkProfile profile = NetworkProfile.drawn(random);
        sim.setNetwork(profile);
        ClientWorkload clients = new ClientWorkload(sim, 2 + random.nextInt(4), KEYS, 50, readMode);
        Nemesis nemesis = new Nemesis(sim, 5, 60);
        MembershipWorkload membership = changesMembership(seed) ? new MembershipWorkload(sim, 20, 80) : null;
        clients.start();
        nemesis.start();
        if (membership != null) {
            membership.start();
        }
        sim.runFor(faultTicks);

        nemesis.stop();
        nemesis.repairAll();
        if (membership != null) {
            membership.stop();
            sim.awaitLeader(LEADER_BOUND_TICKS + 20L * config.options().electionTimeoutTicks());
            membership.settle(SETTLE_BOUND_TICKS + 20L * config.options().electionTimeoutTicks());
        }
        // Liveness needs only a connected majority of the configuration: half the seeds leave a minority of its
        // voters crashed.
        ClusterConfiguration configuration = sim.currentConfiguration();
        int leftDown = random.nextBoolean() ? random.nextInt((configuration.voters().size() - 1) / 2 + 1) : 0;
        for (int i = 0; i < leftDown; i++) {
            List<NodeId> up = upVoters(sim, configuration);
            sim.crash(up.get(random.nextInt(up.size())));
        }
        sim.note("-", "phase", "faults repaired (" + leftDown + " left down); liveness required from here");
        sim.awaitLeader(LEADER_BOUND_TICKS + 20L * config.options().electionTimeoutTicks());
        clients.stop();
        awaitSettled(sim, clients);

        CheckResult check = LinearizabilityChecker.check(clients.history(), LINEARIZABILITY_STEPS,
                ClientWorkload.MICROS_PER_MILLI);
        if (check.verdict() == Verdict.NOT_LINEARIZABLE) {
            sim.fail("Linearizability", check.report());
        }
        return new Result(seed, sim.config().clusterSize(), sim.eventsRun(), sim.totalSent(),
                clients.history().size(), clients.okCount(), clients.failedCount(), clients.unknownCount(),
                nemesis.faultsInjected(), sim.config().disk(), tornTails(sim), sim.snapshotsTaken(),
                sim.delivered(MessageKind.INSTALL_SNAPSHOT), sim.snapshotsRestored(),
                check.verdict(), membership == null ? null : membership.totals(), sim.configurationEntriesCommitted(),
                sim.delivered(MessageKind.READ_INDEX_RESPONSE));
    }

    private static List<NodeId> upVoters(Simulation sim, ClusterConfiguration configuration) {
        List<NodeId> up = new ArrayList<>();
        for (NodeId id : sim.upNodes()) {
            if (configuration.isVoter(id)) {
                up.add(id);
            }
        }
        return up;
    }

    private static long tornTails(Simulation sim) {
        long torn = 0;
        for (NodeId id : sim.nodeIds()) {
            torn += sim.node(id).disk().tornTailsRecovered();
        }
        return torn;
    }

    /**
     * Waits until clients are idle and every acknowledged write is committed on every live node. A follower
     * far behind catches up at one batch per round trip (tiny batches and windows are among the seeds'
     * options), so the bound is on the absence of progress: the run fails only if a whole window of
     * {@code SETTLE_BOUND_TICKS} passes with no live node's commit index advancing.
     */
    static void awaitSettled(Simulation sim, ClientWorkload clients) {
        long progress = commitProgress(sim);
        // Progress that never ends (elections churning, each adding a no-op) must not hide a liveness bug.
        int windowsLeft = 50;
        BooleanSupplier settled = oncePerTick(sim, () -> clients.isIdle() && acknowledgedEverywhere(sim, clients));
        while (!sim.runUntil(settled, SETTLE_BOUND_TICKS)) {
            long now = commitProgress(sim);
            if (now == progress || --windowsLeft == 0) {
                sim.fail("Liveness: acknowledged writes committed everywhere", describeLag(sim, clients));
            }
            progress = now;
        }
    }

    /**
     * {@code condition} evaluated at most once per tick of virtual time: checking every acknowledged write on
     * every node before each event would cost more than the events (a runtime takes several per message).
     */
    private static BooleanSupplier oncePerTick(Simulation sim, BooleanSupplier condition) {
        long[] checkedAt = {-1};
        boolean[] held = new boolean[1];
        return () -> {
            if (sim.nowTicks() != checkedAt[0]) {
                checkedAt[0] = sim.nowTicks();
                held[0] = condition.getAsBoolean();
            }
            return held[0];
        };
    }

    private static long commitProgress(Simulation sim) {
        long sum = 0;
        for (NodeId id : sim.upNodes()) {
            sum += sim.status(id).commitIndex();
        }
        return sum;
    }

    /** Every write a client was told is OK is in the committed log of every live node. */
    static boolean acknowledgedEverywhere(Simulation sim, ClientWorkload clients) {
        return acknowledgedEverywhere(sim, clients.acknowledgedWrites());
    }

    /** Every write in {@code acked} is in the committed log of every live node of {@code sim}. */
    static boolean acknowledgedEverywhere(Simulation sim, List<ClientWorkload.AcknowledgedWrite> acked) {
        for (NodeId id : sim.upNodes()) {
            NodeStatus status = sim.status(id);
            LogView log = sim.node(id).core().log();
            for (ClientWorkload.AcknowledgedWrite write : acked) {
                if (status.commitIndex() < write.index() || status.lastIndex() < write.index()) {
                    return false;
                }
                // A write compacted into the node's snapshot is in its state, which the checker compared with the
                // committed state at the snapshot's index.
                if (write.index() >= log.firstIndex() - 1 && log.term(write.index()) != write.term()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String describeLag(Simulation sim, ClientWorkload clients) {
        StringBuilder out = new StringBuilder("no commit progress for " + SETTLE_BOUND_TICKS + " ticks; clients idle: "
                + clients.isIdle());
        long highest = 0;
        for (ClientWorkload.AcknowledgedWrite write : clients.acknowledgedWrites()) {
            highest = Math.max(highest, write.index());
        }
        out.append("; highest acknowledged index ").append(highest);
        for (NodeId id : sim.upNodes()) {
            NodeStatus status = sim.status(id);
            out.append("; ").append(id).append(' ').append(status.role()).append("/t").append(status.term())
                    .append(" commit=").append(status.commitIndex()).append(" last=").append(status.lastIndex());
        }
        return out.toString();
    }
}
