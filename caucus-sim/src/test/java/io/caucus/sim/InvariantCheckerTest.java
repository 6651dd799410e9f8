package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.RequestVoteResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checkers must be able to fail: feed them violations directly. */
class InvariantCheckerTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");

    private final List<String> violations = new ArrayList<>();
    private final InvariantChecker checker = new InvariantChecker((invariant, detail) -> {
        violations.add(invariant);
        throw new IllegalStateException(invariant + ": " + detail);
    });

    private static LogEntry entry(long term, long index, String payload) {
        return LogEntry.command(term, index, payload.getBytes());
    }

    @Test
    void aVoterGrantingTwoCandidatesInOneTermIsCaught() {
        checker.onSent(new RequestVoteResponse(N1, N2, 5, true, false));
        checker.onSent(new RequestVoteResponse(N1, N2, 5, true, false)); // a duplicate answer is fine
        checker.onSent(new RequestVoteResponse(N1, N3, 5, true, true));  // pre-votes promise nothing
        checker.onSent(new RequestVoteResponse(N1, N3, 5, false, false)); // refusals neither
        checker.onSent(new RequestVoteResponse(N1, N3, 6, true, false));
        assertThat(violations).isEmpty();
        assertThatThrownBy(() -> checker.onSent(new RequestVoteResponse(N1, N3, 5, true, false)))
                .hasMessageContaining("One vote per term").hasMessageContaining("n2").hasMessageContaining("n3");
    }

    @Test
    void differentEntriesAtTheSameIndexAndTermBreakLogMatching() {
        checker.onSent(new AppendEntries(N1, N2, 2, 0, 0, List.of(entry(2, 1, "a"), entry(2, 2, "b")), 0));
        checker.onSent(new AppendEntries(N1, N3, 2, 1, 2, List.of(entry(2, 2, "b")), 0));
        assertThat(violations).isEmpty();
        assertThatThrownBy(() -> checker.onSent(new AppendEntries(N3, N2, 2, 1, 2, List.of(entry(2, 2, "c")), 0)))
                .hasMessageContaining("Log Matching");
    }

    @Test
    void equalEntriesAfterDifferentPrefixesBreakLogMatching() {
        checker.onSent(new AppendEntries(N1, N2, 3, 4, 1, List.of(entry(3, 5, "x")), 0));
        assertThatThrownBy(() -> checker.onSent(new AppendEntries(N1, N2, 3, 4, 2, List.of(entry(3, 5, "x")), 0)))
                .hasMessageContaining("Log Matching");
    }

    @Test
    void twoNodesApplyingDifferentEntriesAtOneIndexBreakStateMachineSafety() {
        ClusterConfiguration configuration = ClusterConfiguration.ofVoters("n1", "n2");
        SimNode a = new SimNode(N1, new SimDisk(configuration), configuration);
        SimNode b = new SimNode(N2, new SimDisk(configuration), configuration);
        checker.onApplied(a, entry(1, 1, "a"));
        checker.onApplied(b, entry(1, 1, "a"));
        assertThat(checker.committedAt(1)).isEqualTo(entry(1, 1, "a"));
        checker.onApplied(a, entry(2, 2, "x"));
        assertThatThrownBy(() -> checker.onApplied(b, entry(3, 2, "y"))).hasMessageContaining("State Machine Safety");
        assertThatThrownBy(() -> checker.onApplied(b, entry(3, 5, "z"))).hasMessageContaining("Apply order");
    }

    @Test
    void aFailureNamesSeedSizeInvariantAndRecentEvents() {
        Simulation sim = new Simulation(SimConfig.of(4242, 3));
        sim.awaitLeader(60);
        assertThatThrownBy(() -> sim.fail("Some invariant", "what went wrong"))
                .isInstanceOfSatisfying(SimulationFailure.class, failure -> {
                    assertThat(failure.seed()).isEqualTo(4242);
                    assertThat(failure.invariant()).isEqualTo("Some invariant");
                    assertThat(failure.getMessage()).contains("seed=4242", "clusterSize=3", "what went wrong",
                            "-Dcaucus.sim.seed=4242", "RequestVote", "VIOLATION");
                });
    }
}
