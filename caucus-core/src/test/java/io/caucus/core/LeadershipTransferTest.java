package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ProposeResult.Reason;
import io.caucus.core.message.TimeoutNow;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Leadership transfer (thesis §3.10). */
class LeadershipTransferTest {

    private static final NodeId N2 = NodeId.of("n2");

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static TestCluster ledByN1() {
        TestCluster cluster = new TestCluster(3);
        cluster.node("n1").campaign();
        cluster.settle();
        return cluster;
    }

    @Test
    void laggingTargetIsBroughtUpToDateThenTakesOverPastStickiness() {
        TestCluster cluster = ledByN1();
        RaftNode leader = cluster.node("n1");
        cluster.cut("n1", "n2");
        for (int i = 0; i < 5; i++) {
            leader.propose(bytes("cmd" + i));
        }
        cluster.settle();
        long last = leader.log().lastIndex();
        assertThat(cluster.node("n2").log().lastIndex()).isLessThan(last);
        long term = leader.term();
        cluster.heal();

        assertThat(leader.transferLeadership(N2)).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(leader.propose(bytes("refused")))
                .isEqualTo(new ProposeResult.Rejected(Reason.TRANSFERRING_LEADERSHIP, NodeId.of("n1")));
        // Heartbeats resume the stalled replication to n2; well within one election timeout it takes over.
        RaftNode target = cluster.node("n2");
        cluster.tickUntil(c -> target.role() == Role.LEADER, RaftOptions.DEFAULTS.electionTimeoutTicks() - 1);
        assertThat(target.term()).isEqualTo(term + 1);
        assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
        assertThat(target.log().term(last)).isEqualTo(term);
        assertThat(cluster.count(TimeoutNow.class)).isEqualTo(1);
        // The voter n3 was within its leader lease: only the transfer flag got its vote.
        assertThat(cluster.node("n3").leader()).isEqualTo(N2);
    }

    @Test
    void transferToAnUnreachableTargetIsAbandonedAfterAnElectionTimeout() {
        TestCluster cluster = ledByN1();
        RaftNode leader = cluster.node("n1");
        cluster.isolate("n2");
        assertThat(leader.transferLeadership(N2)).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(leader.transferLeadership(NodeId.of("n3")))
                .isEqualTo(new ProposeResult.Rejected(Reason.TRANSFERRING_LEADERSHIP, NodeId.of("n1")));
        cluster.tickAll(RaftOptions.DEFAULTS.electionTimeoutTicks() - 1);
        assertThat(leader.propose(bytes("x"))).isInstanceOf(ProposeResult.Rejected.class);
        cluster.tickAll(1);
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        assertThat(leader.propose(bytes("x"))).isInstanceOf(ProposeResult.Accepted.class);
    }

    @Test
    void onlyAVoterCanBeTheTarget() {
        TestCluster cluster = ledByN1();
        RaftNode leader = cluster.node("n1");
        cluster.addMember("n4", leader.status().configuration());
        leader.proposeConfigurationChange(new ConfigurationChange.AddLearner(NodeId.of("n4")));
        cluster.settle();
        assertThat(leader.transferLeadership(NodeId.of("n4")))
                .isEqualTo(new ProposeResult.Rejected(Reason.UNKNOWN_MEMBER, NodeId.of("n1")));
        assertThat(leader.transferLeadership(NodeId.of("n9")))
                .isEqualTo(new ProposeResult.Rejected(Reason.UNKNOWN_MEMBER, NodeId.of("n1")));
        assertThat(cluster.node("n2").transferLeadership(NodeId.of("n3")))
                .isEqualTo(new ProposeResult.Rejected(Reason.NOT_LEADER, NodeId.of("n1")));
    }
}
