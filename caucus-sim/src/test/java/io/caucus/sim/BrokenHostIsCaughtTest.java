package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The multi-group simulation must be able to fail: hosts whose groups report writes durable before the shared
 * WAL forces them (a crash of the process then loses votes and acknowledged entries of many groups at once) are
 * caught as a safety violation of some group, the seed reproduces the failure exactly, and the same seed passes
 * with honest hosts.
 */
class BrokenHostIsCaughtTest {

    private static final Set<String> SAFETY = Set.of("One vote per term", "Election Safety", "Log Matching",
            "Leader Completeness", "State Machine Safety", "Leader Append-Only", "Monotonic durable term",
            "Monotonic commit", "Linearizability", "Durable commit index within durable log",
            "Acknowledged entries kept", "Snapshot base survives restarts", "Restart from snapshot",
            "Commitment by the configuration in force", "A committed configuration is never lost");
    private static final long FAULT_TICKS = 300;
    private static final int GROUPS = 8;

    private static MultiGroupRun.Result lyingRun(long seed) {
        return MultiGroupRun.run(new MultiGroupSimulation(MultiGroupRun.configOf(seed), GROUPS, "lying", true),
                FAULT_TICKS, "lying");
    }

    @Test
    void syncsReportedBeforeTheSharedWalForcesThemAreCaughtAndTheFailureReproduces() {
        List<SimulationFailure> failures = new ArrayList<>();
        for (long seed = 1; seed <= 20 && failures.size() < 3; seed++) {
            try {
                lyingRun(seed);
            } catch (SimulationFailure failure) {
                System.out.println("lying host caught: seed " + seed + " -> " + failure.invariant());
                if (SAFETY.stream().anyMatch(failure.invariant()::startsWith)) {
                    failures.add(failure);
                }
            }
        }
        assertThat(failures).as("safety violations found with lying hosts in 20 seeds").isNotEmpty();
        SimulationFailure caught = failures.get(0);

        SimulationFailure replay = null;
        try {
            lyingRun(caught.seed());
        } catch (SimulationFailure failure) {
            replay = failure;
        }
        assertThat(replay).as("the seed reproduces the failure").isNotNull();
        assertThat(replay.getMessage()).isEqualTo(caught.getMessage());

        MultiGroupRun.Result honest = MultiGroupRun.run(caught.seed(), FAULT_TICKS, GROUPS, "honest");
        assertThat(honest.ok()).isPositive();
    }
}
