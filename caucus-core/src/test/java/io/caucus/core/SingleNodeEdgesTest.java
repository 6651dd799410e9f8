package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Edges of snapshots taken by the runtime (§7) and of ReadIndex rounds (thesis §6.4), on one node whose runtime
 * persists and applies everything at once.
 */
class SingleNodeEdgesTest {

    private static final ClusterConfiguration ALONE = ClusterConfiguration.ofVoters("n1");

    private static RaftNode leaderWithEntries(int commands) {
        InMemoryLog durable = new InMemoryLog(ALONE);
        RaftNode node = RaftNode.start(NodeId.of("n1"), ALONE, RaftOptions.DEFAULTS, HardState.INITIAL, durable, 0,
                new SplittableRandom(1));
        node.campaign();
        for (int i = 0; i < commands; i++) {
            node.propose(new byte[] {(byte) i});
        }
        drain(node, durable);
        return node;
    }

    private static void drain(RaftNode node, InMemoryLog durable) {
        while (node.hasReady()) {
            Ready ready = node.ready();
            if (ready.persist() != null) {
                if (ready.persist().snapshot() != null) {
                    durable.installSnapshot(ready.persist().snapshot());
                }
                durable.append(ready.persist().entries());
                node.persisted(ready.persist().sequence());
            }
            if (!ready.committedEntries().isEmpty()) {
                node.applied(ready.committedEntries().get(ready.committedEntries().size() - 1).index());
            }
        }
    }

    @Test
    void snapshotsCanBeTakenAtAppliedIndexesTheLogStillHolds() {
        RaftNode node = leaderWithEntries(3); // the no-op at 1, commands at 2-4
        assertThat(node.status().appliedIndex()).isEqualTo(4);
        assertThat(node.snapshotMetadataAt(4).lastIncludedIndex()).isEqualTo(4);
        assertThatThrownBy(() -> node.snapshotMetadataAt(5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> node.snapshotMetadataAt(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(node.snapshotMetadataAt(1).lastIncludedTerm()).isEqualTo(node.term());

        node.compact(node.snapshotMetadataAt(3));
        assertThat(node.snapshotMetadataAt(3).lastIncludedIndex()).as("the snapshot's own index").isEqualTo(3);
        assertThatThrownBy(() -> node.snapshotMetadataAt(2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> node.configurationAt(2)).as("the history before the snapshot is forgotten")
                .isInstanceOf(IllegalArgumentException.class);
        node.compact(node.snapshotMetadataAt(3));
        assertThat(node.log().firstIndex()).as("the same compaction again changes nothing").isEqualTo(4);
    }

    @Test
    void readRoundsAreNumberedAndRemovingForgetsThem() {
        ReadIndexRounds rounds = new ReadIndexRounds();
        NodeId self = NodeId.of("n1");
        rounds.enqueue(ReadIndexRounds.PendingRead.local(1));
        rounds.enqueue(ReadIndexRounds.PendingRead.local(2));
        assertThat(rounds.startRound(5, self)).isEqualTo(1);
        rounds.enqueue(ReadIndexRounds.PendingRead.local(3));
        assertThat(rounds.startRound(6, self)).isEqualTo(2);
        assertThat(rounds.latestRound()).isEqualTo(2);

        rounds.enqueue(ReadIndexRounds.PendingRead.local(4));
        List<Long> removed = rounds.removeAll().stream().map(ReadIndexRounds.PendingRead::requestId).toList();
        assertThat(removed).as("the reads of both rounds and the one still waiting").containsExactly(1L, 2L, 3L, 4L);
        assertThat(rounds.hasWaiting()).isFalse();
        assertThat(rounds.removeAll()).as("nothing is removed twice").isEmpty();
        assertThat(rounds.latestRound()).as("round numbers keep growing across leaderships").isEqualTo(2);
    }
    @Test
    void aLoneLeaderConfirmsItsReadAtOnceForNoOtherVoterCanAnswer() {
        RaftNode node = leaderWithEntries(1);
        node.readIndex(30);
        assertThat(node.ready().reads()).as("its own acknowledgement is a quorum of one (thesis §6.4)")
                .containsExactly(new ReadResult.Confirmed(30, node.status().commitIndex()));
    }
}
