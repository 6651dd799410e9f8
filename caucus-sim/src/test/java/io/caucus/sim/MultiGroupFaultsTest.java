package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Multi-Raft under random faults: 3 processes × {@code -Dcaucus.sim.groups} groups (default 16), each process one
 * host on one shared WAL. {@code -Dcaucus.sim.multiSeeds=N} runs N seeds (default 3, for CI) from
 * {@code -Dcaucus.sim.firstSeed} (default 1); {@code -Dcaucus.sim.seed=X} runs only seed X, reproducing a failure
 * exactly; {@code -Dcaucus.sim.multiFaultTicks} sets each seed's length (default 400); groups quiesce unless
 * {@code -Dcaucus.sim.quiesce=false}.
 */
class MultiGroupFaultsTest {

    static final long FAULT_TICKS = Long.getLong("caucus.sim.multiFaultTicks", 400);
    static final int GROUPS = Integer.getInteger("caucus.sim.groups", 16);

    @Test
    void everyGroupStaysSafeLiveAndLinearizableWhenWholeProcessesCrash() {
        String single = System.getProperty("caucus.sim.seed");
        long first = single == null ? Long.getLong("caucus.sim.firstSeed", 1) : Long.parseLong(single.trim());
        long count = single == null ? Long.getLong("caucus.sim.multiSeeds", 3) : 1;
        long events = 0;
        long messages = 0;
        long operations = 0;
        long ok = 0;
        long unknown = 0;
        long faults = 0;
        long crashes = 0;
        long tornTails = 0;
        long snapshots = 0;
        long installs = 0;
        long fsyncs = 0;
        long committed = 0;
        long undecided = 0;
        long pings = 0;
        long wakes = 0;
        long replicaSamples = 0;
        long quiescedSamples = 0;
        for (long seed = first; seed < first + count; seed++) {
            String reproduce = "-Dtest=MultiGroupFaultsTest -Dcaucus.sim.seed=" + seed + " -Dcaucus.sim.groups="
                    + GROUPS + " -Dcaucus.sim.multiFaultTicks=" + FAULT_TICKS;
            MultiGroupRun.Result result = MultiGroupRun.run(seed, FAULT_TICKS, GROUPS, reproduce);
            events += result.events();
            messages += result.messages();
            operations += result.clientOperations();
            ok += result.ok();
            unknown += result.unknown();
            faults += result.faults();
            crashes += result.processCrashes();
            tornTails += result.tornTailsRecovered();
            snapshots += result.snapshotsTaken();
            installs += result.installSnapshots();
            fsyncs += result.sharedWalFsyncs();
            committed += result.entriesCommitted();
            undecided += result.undecided();
            pings += result.pings();
            wakes += result.quiescedWakes();
            replicaSamples += result.replicaSamples();
            quiescedSamples += result.quiescedReplicaSamples();
        }
        System.out.printf("caucus-sim multi-group: seeds=%d processes=%d groups=%d simulatedEvents=%d messages=%d"
                        + " clientOpsChecked=%d (ok=%d unknown=%d) faults=%d processCrashes=%d tornTailsRecovered=%d"
                        + " snapshotsTaken=%d installSnapshots=%d entriesCommitted=%d sharedWalFsyncs=%d"
                        + " linearizabilityUndecided=%d quiesceAfterTicks=%d processPings=%d quiescedGroupsWoken=%d"
                        + " quiescedReplicaShare=%.3f%n",
                count, MultiGroupRun.PROCESSES, GROUPS, events, messages, operations, ok, unknown, faults, crashes,
                tornTails, snapshots, installs, committed, fsyncs, undecided, MultiGroupRun.QUIESCE_AFTER_TICKS, pings,
                wakes, replicaSamples == 0 ? 0.0 : (double) quiescedSamples / replicaSamples);
        assertThat(ok).as("acknowledged client operations over all seeds and groups").isPositive();
        assertThat(committed).as("entries committed over all groups").isPositive();
    }
}
