package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * §5.1: a server that sees a higher term adopts it and becomes a follower, and a message of an older term is
 * not acted on. A leader deposed by a message of the new term's leader names that leader to the reads it
 * rejects, and forgets its followers; a stale sender is told the current term where it would otherwise never
 * hear of it (thesis §9.6).
 */
class TermAdoptionTest {

    private static final NodeId N2 = NodeId.of("n2");

    /** A settled three-node cluster's leader with read 7 waiting. */
    private static RaftNode leaderWithAWaitingRead() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        cluster.settle();
        assertThat(leader.status().followers()).hasSize(2);
        leader.readIndex(7);
        return leader;
    }

    /** The other node that sends {@code leader} a message (a node id other than the leader's). */
    private static NodeId other(RaftNode leader) {
        return leader.id().equals(N2) ? NodeId.of("n3") : N2;
    }

    private static void assertDeposedBy(Function<RaftNode, RaftMessage> messageTo, boolean namesSender) {
        RaftNode leader = leaderWithAWaitingRead();
        long term = leader.term();
        NodeId expectedLeader = namesSender ? other(leader) : null;
        leader.step(messageTo.apply(leader));
        assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
        assertThat(leader.term()).isEqualTo(term + 1);
        assertThat(leader.leader()).isEqualTo(expectedLeader);
        assertThat(leader.status().followers()).as("a follower tracks no followers").isEmpty();
        assertThat(leader.ready().reads()).containsExactly(new ReadResult.Rejected(7, expectedLeader));
    }

    @Test
    void theLeaderOfTheNewTermIsNamedByItsAppendEntriesHeartbeatOrSnapshot() {
        assertDeposedBy(leader -> new AppendEntries(other(leader), leader.id(), leader.term() + 1, 0, 0, List.of(),
                0), true);
        assertDeposedBy(leader -> new Heartbeat(other(leader), leader.id(), leader.term() + 1, 0, 0), true);
        assertDeposedBy(leader -> new InstallSnapshot(other(leader), leader.id(), leader.term() + 1,
                new SnapshotMetadata(1, 1, ClusterConfiguration.ofVoters("n1", "n2", "n3"))), true);
    }

    @Test
    void anAnswerOfAHigherTermNamesNoLeader() {
        assertDeposedBy(leader -> AppendEntriesResponse.accepted(other(leader), leader.id(), leader.term() + 1, 0),
                false);
        assertDeposedBy(leader -> new HeartbeatResponse(other(leader), leader.id(), leader.term() + 1, 0), false);
    }

    @Test
    void staleSendersAreToldTheCurrentTermExceptForVotesOfTheRealKind() {
        RaftNode leader = leaderWithAWaitingRead();
        leader.ready();
        long term = leader.term();
        NodeId other = other(leader);
        SnapshotMetadata snapshot = new SnapshotMetadata(1, 1, ClusterConfiguration.ofVoters("n1", "n2", "n3"));

        leader.step(new Heartbeat(other, leader.id(), term - 1, 0, 0));
        leader.step(new InstallSnapshot(other, leader.id(), term - 1, snapshot));
        leader.step(new RequestVote(other, leader.id(), term - 1, 0, 0, true, false));
        leader.step(new RequestVote(other, leader.id(), term - 1, 0, 0, false, false));
        assertThat(leader.ready().messages()).containsExactly(
                new HeartbeatResponse(leader.id(), other, term, 0),
                new InstallSnapshotResponse(leader.id(), other, term, 0, false),
                new RequestVoteResponse(leader.id(), other, term, false, true));
        assertThat(leader.role()).isEqualTo(Role.LEADER);
    }
}
