package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.RequestVoteResponse;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.sim.kv.KvReplica;
import java.nio.charset.StandardCharsets;
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

    /**
     * At index 1 the Register that opens session 1; after it, {@code SET k value} in that session, so the checker's
     * reference state machine applies each.
     */
    private static LogEntry entry(long term, long index, String value) {
        KvEntry entry = index == 1 ? new KvEntry.Register(0) : new KvEntry.SessionCommand(0, 1, index - 1,
                new KvEntry.Call(java.util.stream.Stream.of("SET", "k", value)
                        .map(arg -> arg.getBytes(StandardCharsets.UTF_8)).toList()));
        return LogEntry.command(term, index, EntryCodec.encode(entry));
    }

    private static SimNode node(NodeId id) {
        ClusterConfiguration configuration = ClusterConfiguration.ofVoters("n1", "n2");
        return new SimNode(id, new SimDisk(configuration), configuration);
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
    void aFollowerRejectingAnIndexItAcknowledgedInTheSameTermLostEntries() {
        checker.onSent(AppendEntriesResponse.accepted(N2, N1, 3, 17));
        checker.onSent(AppendEntriesResponse.rejected(N2, N1, 3, 18, 0, 18)); // beyond what it acknowledged: fine
        checker.onSent(AppendEntriesResponse.rejected(N2, N1, 4, 12, 0, 12)); // another term: a new leader's log
        checker.onSent(AppendEntriesResponse.rejected(N3, N1, 3, 12, 0, 12)); // another follower
        assertThat(violations).isEmpty();
        assertThatThrownBy(() -> checker.onSent(AppendEntriesResponse.rejected(N2, N1, 3, 17, 0, 17)))
                .hasMessageContaining("Acknowledged entries kept").hasMessageContaining("n2")
                .hasMessageContaining("index 17 in term 3");
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
    void aSnapshotWhoseStateDiffersFromTheCommittedStateAtItsIndexIsCaught() {
        SimNode a = node(N1);
        KvReplica machine = new KvReplica();
        for (long i = 1; i <= 3; i++) {
            checker.onApplied(a, entry(1, i, "v" + i));
            machine.apply(entry(1, i, "v" + i));
        }
        ClusterConfiguration configuration = ClusterConfiguration.ofVoters("n1", "n2");
        SnapshotMetadata at3 = new SnapshotMetadata(3, 1, configuration);
        checker.onSnapshotTaken(a, at3, machine.snapshot());
        assertThat(violations).isEmpty();

        KvReplica wrong = new KvReplica();
        wrong.apply(entry(1, 1, "v1"));
        wrong.apply(entry(1, 2, "v2"));
        wrong.apply(entry(1, 3, "other"));
        assertThatThrownBy(() -> checker.onRestored(node(N2), at3, wrong.snapshot()))
                .hasMessageContaining("State Machine Safety (snapshot)");
        assertThatThrownBy(() -> checker.onSent(new InstallSnapshot(N1, N2, 1, new SnapshotMetadata(3, 2, configuration))))
                .hasMessageContaining("Snapshot of committed entries");
        assertThatThrownBy(() -> checker.onSent(new InstallSnapshot(N1, N2, 1, new SnapshotMetadata(4, 1, configuration))))
                .hasMessageContaining("only 3 entries are known committed");
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
