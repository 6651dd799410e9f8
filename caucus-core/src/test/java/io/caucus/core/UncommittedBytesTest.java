package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.message.Heartbeat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The leader's back-pressure on proposals: it refuses one that would take its entries not yet committed past
 * {@code maxUncommittedBytes} (a first one is always taken, whatever its size), counts an entry's bytes until it
 * commits, and forgets them when it loses leadership.
 */
class UncommittedBytesTest {

    /** A 10-byte command's entry. */
    private static final long ENTRY = 10 + LogEntry.OVERHEAD_BYTES;

    private static ProposeResult propose(RaftNode leader, int bytes) {
        return leader.propose(new byte[bytes]);
    }

    private static boolean refused(ProposeResult result) {
        return result instanceof ProposeResult.Rejected rejected
                && rejected.reason() == ProposeResult.Reason.TOO_MANY_UNCOMMITTED;
    }

    @Test
    void proposalsAreTakenUpToTheLimitExactlyAndAgainOnceCommitted() {
        TestCluster cluster = new TestCluster(3, RaftOptions.DEFAULTS.withMaxUncommittedBytes(3 * ENTRY), 7);
        RaftNode leader = cluster.electLeader();
        cluster.settle();
        cluster.isolate(leader.id().value());

        assertThat(leader.propose(List.of(new byte[10], new byte[10])))
                .isEqualTo(new ProposeResult.Accepted(leader.term(), leader.log().lastIndex() - 1));
        assertThat(leader.log().entries(leader.log().lastIndex() - 1, leader.log().lastIndex() + 1, Long.MAX_VALUE))
                .extracting(LogEntry::index).containsExactly(leader.log().lastIndex() - 1, leader.log().lastIndex());
        assertThat(propose(leader, 10)).as("at the limit exactly").isInstanceOf(ProposeResult.Accepted.class);
        assertThat(refused(propose(leader, 10))).as("one byte past it").isTrue();
        assertThat(refused(propose(leader, 0))).isTrue();

        cluster.heal();
        cluster.settle();
        assertThat(leader.status().commitIndex()).isEqualTo(leader.log().lastIndex());
        for (int i = 0; i < 3; i++) {
            assertThat(propose(leader, 10)).as("proposal %d after the commit", i)
                    .isInstanceOf(ProposeResult.Accepted.class);
        }
        assertThat(refused(propose(leader, 10))).isTrue();
    }

    @Test
    void aFirstProposalLargerThanTheLimitIsTaken() {
        TestCluster cluster = new TestCluster(3, RaftOptions.DEFAULTS.withMaxUncommittedBytes(ENTRY), 7);
        RaftNode leader = cluster.electLeader();
        cluster.settle();
        assertThat(propose(leader, 500)).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(refused(propose(leader, 1))).isTrue();
    }

    @Test
    void aLeaderThatLostLeadershipStartsItsNextTermWithNothingUncommitted() {
        NodeId id = NodeId.of("n1");
        long noOp = LogEntry.noOp(1, 1).sizeBytes();
        RaftNode node = RaftNode.start(id, ClusterConfiguration.ofVoters("n1"),
                RaftOptions.DEFAULTS.withMaxUncommittedBytes(noOp + 2 * ENTRY), HardState.INITIAL,
                new InMemoryLog(ClusterConfiguration.ofVoters("n1")), 0, new SplittableRandom(1));
        node.campaign();
        assertThat(node.role()).isEqualTo(Role.LEADER);
        assertThat(propose(node, 10)).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(propose(node, 10)).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(refused(propose(node, 10))).as("nothing is durable, so nothing commits").isTrue();

        node.step(new Heartbeat(NodeId.of("n9"), id, node.term() + 1, 0, 0));
        assertThat(node.role()).isEqualTo(Role.FOLLOWER);
        node.campaign();
        assertThat(node.role()).isEqualTo(Role.LEADER);
        assertThat(propose(node, 10)).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(propose(node, 10)).isInstanceOf(ProposeResult.Accepted.class);
    }
}
