package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Replica moves under random faults (docs/simulator.md, "Replica moves"): 5 processes, {@code
 * -Dcaucus.sim.replicaGroups} groups (default 4) of three replicas each, every process's replica mover moving random
 * replicas to processes that never held one, by the production mover's decisions, while clients use the groups.
 * {@code -Dcaucus.sim.replicaSeeds=N} runs N seeds (default 4, for CI) from {@code -Dcaucus.sim.firstSeed} (default
 * 1); {@code -Dcaucus.sim.seed=X} runs only seed X, reproducing a failure exactly; {@code
 * -Dcaucus.sim.replicaFaultTicks} sets each seed's length (default 600); {@code -Dcaucus.sim.replicaRemovals=false}
 * removes no process from the cluster (default: each seed removes one and drains it). The second test runs seed 33,
 * which a move finished on an uncommitted configuration fails (docs/simulator.md, "Replica moves"), as found: without
 * cancels or a removal.
 */
class MultiGroupReplicaMovesTest {

    static final long FAULT_TICKS = Long.getLong("caucus.sim.replicaFaultTicks", 600);
    static final int GROUPS = Integer.getInteger("caucus.sim.replicaGroups", 4);
    static final boolean CANCELS = Boolean.parseBoolean(System.getProperty("caucus.sim.replicaCancels", "true"));
    static final boolean REMOVALS = Boolean.parseBoolean(System.getProperty("caucus.sim.replicaRemovals", "true"));

    @Test
    void groupsStayLinearizableAndPlacedByTheMapWhileReplicasMoveUnderFaults() {
        String single = System.getProperty("caucus.sim.seed");
        long first = single == null ? Long.getLong("caucus.sim.firstSeed", 1) : Long.parseLong(single.trim());
        long count = single == null ? Long.getLong("caucus.sim.replicaSeeds", 4) : 1;
        runSeeds("groupsStayLinearizableAndPlacedByTheMapWhileReplicasMoveUnderFaults", first, count, GROUPS,
                FAULT_TICKS, CANCELS, REMOVALS);
    }

    /**
     * Group 3's leader, the replica leaving, appends the configuration without itself and its Remove goes unanswered;
     * a mover that finished the move on that uncommitted configuration had the old replica deleted, and the group,
     * left in C_old,new when the entry was lost, without a majority (ReplicaMover.CommitWatch).
     */
    @Test
    void aMoveIsFinishedOnlyOnceTheGroupCommittedTheConfigurationWithoutTheOldReplica() {
        runSeeds("aMoveIsFinishedOnlyOnceTheGroupCommittedTheConfigurationWithoutTheOldReplica", 33, 1, 4, 600,
                false, false);
    }

    private static void runSeeds(String test, long first, long count, int groups, long faultTicks,
                                 boolean cancels, boolean removing) {
        long events = 0;
        long operations = 0;
        long ok = 0;
        long failed = 0;
        long unknown = 0;
        long crashes = 0;
        long started = 0;
        long finished = 0;
        long cancelled = 0;
        long abandoned = 0;
        long learners = 0;
        long promotions = 0;
        long removals = 0;
        long refused = 0;
        long timedOut = 0;
        long joined = 0;
        long removed = 0;
        long configurationEntries = 0;
        long undecided = 0;
        long processesRemoved = 0;
        long removalsRefused = 0;
        long rounds = 0;
        long roundMoves = 0;
        long drained = 0;
        for (long seed = first; seed < first + count; seed++) {
            String reproduce = "-Dtest=MultiGroupReplicaMovesTest#" + test + " -Dcaucus.sim.seed=" + seed
                    + " -Dcaucus.sim.replicaGroups=" + groups + " -Dcaucus.sim.replicaFaultTicks=" + faultTicks
                    + " -Dcaucus.sim.replicaCancels=" + cancels + " -Dcaucus.sim.replicaRemovals=" + removing;
            MultiGroupReplicaMovesRun.Result result = MultiGroupReplicaMovesRun.run(seed, faultTicks, groups,
                    cancels, removing, reproduce);
            events += result.events();
            operations += result.clientOperations();
            ok += result.ok();
            failed += result.failed();
            unknown += result.unknown();
            crashes += result.processCrashes();
            started += result.moves().movesStarted();
            finished += result.moves().movesFinished();
            cancelled += result.moves().movesCancelled();
            abandoned += result.moves().movesAbandoned();
            learners += result.moves().learnersAdded();
            promotions += result.moves().promotions();
            removals += result.moves().removals();
            refused += result.moves().stepsRefused();
            timedOut += result.moves().stepsTimedOut();
            joined += result.replicasJoined();
            removed += result.replicasRemoved();
            configurationEntries += result.configurationEntries();
            undecided += result.undecided();
            processesRemoved += result.moves().processesRemoved();
            removalsRefused += result.moves().removalsRefused();
            rounds += result.moves().rounds();
            roundMoves += result.moves().roundMoves();
            drained += result.removedDrained();
        }
        System.out.printf("caucus-sim replica moves: seeds=%d from %d processes=%d groups=%d simulatedEvents=%d"
                        + " clientOpsChecked=%d (ok=%d failed=%d unknown=%d) processCrashes=%d movesStarted=%d"
                        + " movesFinished=%d movesCancelled=%d movesAbandoned=%d learnersAdded=%d promotions=%d removals=%d stepsRefused=%d"
                        + " stepsTimedOut=%d replicasJoined=%d replicasRemoved=%d configurationEntries=%d"
                        + " linearizabilityUndecided=%d processesRemoved=%d removalsRefused=%d rounds=%d"
                        + " roundMoves=%d removedDrained=%d%n",
                count, first, MultiGroupReplicaMovesRun.PROCESSES, groups, events, operations, ok, failed, unknown,
                crashes, started, finished, cancelled, abandoned, learners, promotions, removals, refused, timedOut, joined, removed,
                configurationEntries, undecided, processesRemoved, removalsRefused, rounds, roundMoves, drained);
        assertThat(finished).as("replica moves finished over all seeds").isPositive();
        if (cancels) {
            assertThat(cancelled).as("replica moves cancelled over all seeds").isPositive();
        }
        assertThat(removed).as("replicas removed by the processes retired from their groups").isPositive();
        if (removing) {
            assertThat(processesRemoved).as("processes removed from the cluster over all seeds").isPositive();
            assertThat(roundMoves).as("replica moves started by the removals' rounds over all seeds").isPositive();
        }
        assertThat(ok).as("acknowledged client operations over all seeds").isPositive();
    }
}
