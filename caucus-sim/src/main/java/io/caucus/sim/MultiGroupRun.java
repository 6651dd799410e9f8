package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.sim.client.ClientWorkload;
import io.caucus.sim.linearizability.CheckResult;
import io.caucus.sim.linearizability.LinearizabilityChecker;
import io.caucus.sim.linearizability.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * One seed's multi-Raft run under random faults ({@link MultiGroupSimulation}): three processes, each one host with
 * one shared WAL, hosting a replica of each of {@code groups} groups; clients on every group; the {@link Nemesis}
 * crashing and restarting whole processes (every group on one together, torn unsynced writes of the shared WAL),
 * partitioning them and storming the network for {@code faultTicks}; then every fault repaired (half the seeds
 * leave one process down) and liveness required of every group; last, each group's client history must be
 * linearizable. Every group's safety invariants are checked after each of its events throughout.
 */
public final class MultiGroupRun {

    /** What one seed's run did, for totals. */
    public record Result(long seed, int processes, int groups, long events, long messages, long clientOperations,
                         long ok, long unknown, long faults, long processCrashes, long tornTailsRecovered,
                         long snapshotsTaken, long installSnapshots, long sharedWalFsyncs, long entriesCommitted,
                         long undecided, long pings, long quiescedWakes, long replicaSamples,
                         long quiescedReplicaSamples) {
    }

    public static final int PROCESSES = 3;
    /**
     * Ticks with nothing in flight after which a leader quiesces its group: on unless
     * {@code -Dcaucus.sim.quiesce=false} (then 0, never), so that runs check quiescence and the hosts' wakes of
     * quiesced groups under every fault.
     */
    public static final int QUIESCE_AFTER_TICKS = Boolean.parseBoolean(
            System.getProperty("caucus.sim.quiesce", "true")) ? 3 : 0;
    private static final List<String> KEYS = List.of("x", "y", "z");
    private static final long LEADER_BOUND_TICKS = 300;
    private static final long LINEARIZABILITY_STEPS = 20_000_000;

    private MultiGroupRun() {
    }

    /**
     * The configuration of seed {@code seed}: three processes, the core's tunables drawn from the seed as the
     * single-group runs draw them, quiescence after {@link #QUIESCE_AFTER_TICKS}, and in a quarter of the seeds
     * snapshots every few entries, so that groups' snapshot stores, compaction on the shared WAL and InstallSnapshot
     * between hosts are exercised.
     */
    public static SimConfig configOf(long seed) {
        return configOf(seed, PROCESSES);
    }

    /** As {@link #configOf(long)}, on {@code processes} processes. */
    public static SimConfig configOf(long seed, int processes) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x6d756c74L);
        int electionTimeoutTicks = 8 + random.nextInt(13);
        RaftOptions options = new RaftOptions(electionTimeoutTicks,
                1 + random.nextInt(Math.max(1, electionTimeoutTicks / 4)),
                64L << random.nextInt(8),
                1 + random.nextInt(16),
                1L << (10 + random.nextInt(10)),
                1L << (9 + random.nextInt(10)),
                64L << random.nextInt(8)).withQuiesceAfterTicks(QUIESCE_AFTER_TICKS);
        SimConfig config = SimConfig.of(seed, processes).withOptions(options)
                .withDisk(SimConfig.DiskModel.SHARED_WAL);
        return random.nextInt(4) == 0 ? config.withCompaction(3 + random.nextInt(40)) : config;
    }

    public static Result run(long seed, long faultTicks, int groups, String reproduce) {
        return run(new MultiGroupSimulation(configOf(seed), groups, reproduce), faultTicks, reproduce);
    }

    /** Runs on a multi-group simulation the caller made (a broken one shows the checks catching it). */
    static Result run(MultiGroupSimulation multi, long faultTicks, String reproduce) {
        long seed = multi.group(1).config().seed();
        try {
            return runPhases(multi, faultTicks);
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (RuntimeException e) {
            SimulationFailure failure = new SimulationFailure(seed, PROCESSES, "Harness (multi-group)", e.toString(),
                    multi.group(1).trace().render(), reproduce);
            failure.initCause(e);
            throw failure;
        }
    }

    private static Result runPhases(MultiGroupSimulation multi, long faultTicks) {
        Simulation first = multi.group(1);
        SimConfig config = first.config();
        Random random = first.random();
        NetworkProfile profile = NetworkProfile.drawn(random);
        first.setNetwork(profile);
        List<ClientWorkload> clients = new ArrayList<>();
        for (long group = 1; group <= multi.groupCount(); group++) {
            ClientWorkload workload = new ClientWorkload(multi.group(group), 1 + random.nextInt(2), KEYS, 50,
                    ClientWorkload.ReadMode.READ_INDEX);
            clients.add(workload);
            workload.start();
            // A quarter of the groups go idle part-way through the faults: they quiesce, and a crash or partition
            // of their leader's process must be noticed by the hosts' process liveness (docs/multiraft.md).
            if (random.nextInt(4) == 0) {
                first.schedule(random.nextLong(faultTicks / 2 * config.tickMicros() + 1), workload::stop);
            }
        }
        Nemesis nemesis = new Nemesis(first, 5, 60);
        nemesis.start();
        first.runFor(faultTicks);

        nemesis.stop();
        nemesis.repairAll();
        // Liveness needs a connected majority of processes: half the seeds leave one of the three down.
        if (random.nextBoolean()) {
            List<NodeId> up = multi.upProcesses();
            first.crash(up.get(random.nextInt(up.size())));
        }
        first.note("-", "phase", "faults repaired; liveness required of every group from here");
        long leaderBound = LEADER_BOUND_TICKS + 20L * config.options().electionTimeoutTicks();
        for (long group = 1; group <= multi.groupCount(); group++) {
            multi.group(group).awaitLeader(leaderBound);
        }
        clients.forEach(ClientWorkload::stop);
        for (long group = 1; group <= multi.groupCount(); group++) {
            RandomFaultRun.awaitSettled(multi.group(group), clients.get((int) group - 1));
        }

        long operations = 0;
        long ok = 0;
        long unknown = 0;
        long undecided = 0;
        long messages = 0;
        long snapshots = 0;
        long installs = 0;
        long committed = 0;
        for (long group = 1; group <= multi.groupCount(); group++) {
            Simulation sim = multi.group(group);
            ClientWorkload workload = clients.get((int) group - 1);
            CheckResult check = LinearizabilityChecker.check(workload.history(), LINEARIZABILITY_STEPS,
                    ClientWorkload.MICROS_PER_MILLI);
            if (check.verdict() == Verdict.NOT_LINEARIZABLE) {
                sim.fail("Linearizability", check.report());
            }
            undecided += check.verdict() == Verdict.LINEARIZABLE ? 0 : 1;
            operations += workload.history().size();
            ok += workload.okCount();
            unknown += workload.unknownCount();
            messages += sim.totalSent();
            snapshots += sim.snapshotsTaken();
            installs += sim.delivered(MessageKind.INSTALL_SNAPSHOT);
            committed += sim.highestCommittedIndex();
        }
        return new Result(config.seed(), PROCESSES, multi.groupCount(), first.eventsRun(), messages, operations, ok,
                unknown, nemesis.faultsInjected(), multi.processCrashes(), multi.tornTailsRecovered(), snapshots,
                installs, multi.sharedWalFsyncs(), committed, undecided, multi.pingsSent(), multi.quiescedWakes(),
                multi.replicaSamples(), multi.quiescedReplicaSamples());
    }
}
