package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.sim.client.ClientWorkload;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The simulator must be able to fail. A runtime whose fsync lies (a crash loses the last write it reported
 * durable: a vote, an acknowledged entry) breaks Raft's assumptions, and random faults must expose it as a
 * safety violation with a reproducible seed — while the same seeds pass with an honest disk.
 */
class BrokenRuntimeIsCaughtTest {

    private static final Set<String> SAFETY = Set.of("One vote per term", "Election Safety", "Log Matching",
            "Leader Completeness", "State Machine Safety", "Leader Append-Only", "Monotonic durable term",
            "Monotonic commit", "Linearizability", "Liveness: acknowledged writes committed everywhere",
            "Durable commit index within durable log", "Acknowledged entries kept", "Runtime threw",
            "Runtime failed", "Apply order");

    @Test
    void aDiskThatLosesAcknowledgedWritesIsCaughtAndTheFailureReproduces() {
        List<SimulationFailure> failures = new ArrayList<>();
        for (long seed = 1; seed <= 60 && failures.size() < 3; seed++) {
            SimConfig lying = lyingDisk(seed);
            try {
                RandomFaultRun.run(lying, 600);
            } catch (SimulationFailure failure) {
                System.out.println("lying disk caught: seed " + seed + " -> " + failure.invariant());
                // A lost write may also leave replication stuck (a liveness failure); safety is what must show.
                if (SAFETY.contains(failure.invariant())) {
                    failures.add(failure);
                }
            }
        }
        assertThat(failures).as("safety violations found with a lying disk in 60 seeds").isNotEmpty();

        SimulationFailure first = failures.get(0);
        System.out.println(first.getMessage().lines().limit(12).reduce((a, b) -> a + "\n" + b).orElse(""));
        SimConfig again = lyingDisk(first.seed());
        SimulationFailure replay = null;
        try {
            RandomFaultRun.run(again, 600);
        } catch (SimulationFailure failure) {
            replay = failure;
        }
        assertThat(replay).as("the seed reproduces the failure").isNotNull();
        assertThat(replay.getMessage()).isEqualTo(first.getMessage());

        RandomFaultRun.Result honest = RandomFaultRun.run(first.seed(), 600);
        assertThat(honest.seed()).isEqualTo(first.seed());
    }

    /**
     * The lying disk is the in-memory one, which keeps no snapshots, so the seeds that would compact do not.
     * A follower that loses an entry it acknowledged is caught at its next rejection of that index ("Acknowledged
     * entries kept"); unchecked, its leader, whose match index never goes back, would probe it forever.
     */
    private static SimConfig lyingDisk(long seed) {
        return RandomFaultRun.configOf(seed).withLyingDisk().withCompaction(0);
    }

    @Test
    void readsServedFromAnyNodesLocalStateAreCaughtAsNotLinearizable() {
        SimulationFailure caught = null;
        for (long seed = 1; seed <= 60 && caught == null; seed++) {
            try {
                RandomFaultRun.run(RandomFaultRun.configOf(seed), 600, ClientWorkload.ReadMode.LOCAL_UNSAFE);
            } catch (SimulationFailure failure) {
                caught = failure;
                System.out.println("stale reads caught: seed " + seed + " -> " + failure.invariant());
            }
        }
        assertThat(caught).as("a stale read found in 60 seeds").isNotNull();
        assertThat(caught.invariant()).isEqualTo("Linearizability");
        assertThat(caught.getMessage()).contains("NOT_LINEARIZABLE", "GET");
    }
}
