package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.RequestVote;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Quiescence of an idle group ({@link Quiescence}, after CockroachDB's quiesced ranges). */
class QuiescenceTest {

    private static final int QUIESCE_AFTER = 3;
    private static final RaftOptions OPTIONS = RaftOptions.DEFAULTS.withQuiesceAfterTicks(QUIESCE_AFTER);
    private static final int ELECTION_TIMEOUT = OPTIONS.electionTimeoutTicks();
    private static final NodeId N1 = NodeId.of("n1");

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static TestCluster ledByN1(RaftOptions options) {
        TestCluster cluster = new TestCluster(3, options, 42);
        cluster.node("n1").campaign();
        cluster.settle();
        assertThat(cluster.node("n1").role()).isEqualTo(Role.LEADER);
        return cluster;
    }

    private static boolean allQuiesced(TestCluster cluster) {
        return cluster.members.values().stream()
                .filter(member -> !cluster.down.contains(member.id))
                .allMatch(member -> member.node.isQuiesced());
    }

    /** An idle cluster led by n1, every node quiesced, the network empty. */
    private static TestCluster quiescedCluster() {
        TestCluster cluster = ledByN1(OPTIONS);
        cluster.node("n1").propose(bytes("x"));
        cluster.settle();
        cluster.tickUntil(QuiescenceTest::allQuiesced, 2 * QUIESCE_AFTER + 2);
        return cluster;
    }

    @Test
    void anIdleGroupQuiescesOnceEverythingIsAcknowledgedAndThenSendsNothing() {
        TestCluster cluster = quiescedCluster();
        RaftNode leader = cluster.node("n1");
        long term = leader.term();
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        // Every follower was told the commit index and holds the leader's last entry.
        for (String id : List.of("n2", "n3")) {
            assertThat(cluster.node(id).log().lastIndex()).isEqualTo(leader.log().lastIndex());
            assertThat(cluster.node(id).status().commitIndex()).isEqualTo(leader.log().lastIndex());
        }
        // The last heartbeats were flagged quiesce and were not answered.
        List<RaftMessage> lastTwo = cluster.delivered.subList(cluster.delivered.size() - 2, cluster.delivered.size());
        assertThat(lastTwo).allMatch(message -> message instanceof Heartbeat heartbeat && heartbeat.quiesce());

        int before = cluster.delivered.size();
        cluster.tickAll(20 * ELECTION_TIMEOUT);
        assertThat(cluster.delivered).hasSize(before);
        assertThat(allQuiesced(cluster)).isTrue();
        assertThat(leader.role()).isEqualTo(Role.LEADER); // no CheckQuorum step-down while quiesced
        assertThat(leader.term()).isEqualTo(term);
    }

    @Test
    void neverQuiescesWithTheDefaultOptions() {
        TestCluster cluster = ledByN1(RaftOptions.DEFAULTS);
        cluster.tickAll(5 * ELECTION_TIMEOUT);
        assertThat(cluster.members.values()).noneMatch(member -> member.node.isQuiesced());
        assertThat(cluster.delivered).noneMatch(message -> message instanceof Heartbeat heartbeat
                && heartbeat.quiesce());
    }

    @Test
    void aLaggingFollowerKeepsTheGroupAwakeUntilItCatchesUp() {
        TestCluster cluster = ledByN1(OPTIONS);
        RaftNode leader = cluster.node("n1");
        cluster.cut("n1", "n3");
        leader.propose(bytes("x"));
        cluster.settle();
        assertThat(leader.status().commitIndex()).isEqualTo(leader.log().lastIndex()); // n1 and n2 commit it

        cluster.tickAll(3 * QUIESCE_AFTER);
        assertThat(leader.isQuiesced()).isFalse();
        assertThat(cluster.node("n2").isQuiesced()).isFalse();
        assertThat(cluster.delivered).noneMatch(message -> message instanceof Heartbeat heartbeat
                && heartbeat.quiesce());

        cluster.heal();
        cluster.tickUntil(QuiescenceTest::allQuiesced, 4 * QUIESCE_AFTER);
        assertThat(cluster.node("n3").log().lastIndex()).isEqualTo(leader.log().lastIndex());
    }

    @Test
    void aPendingReadKeepsTheLeaderAwake() {
        TestCluster cluster = ledByN1(OPTIONS);
        RaftNode leader = cluster.node("n1");
        cluster.isolate("n2");
        cluster.isolate("n3");
        leader.readIndex(7); // cannot be confirmed: no quorum answers
        cluster.tickAll(3 * QUIESCE_AFTER);
        assertThat(leader.isQuiesced()).isFalse();
    }

    @Test
    void aProposalWakesTheLeaderAndItsAppendsWakeTheFollowers() {
        TestCluster cluster = quiescedCluster();
        RaftNode leader = cluster.node("n1");

        assertThat(leader.propose(bytes("y"))).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(leader.isQuiesced()).isFalse();
        cluster.settle();
        assertThat(cluster.node("n2").isQuiesced()).isFalse();
        assertThat(cluster.node("n3").isQuiesced()).isFalse();
        assertThat(cluster.node("n2").log().lastIndex()).isEqualTo(leader.log().lastIndex());
        assertThat(leader.status().commitIndex()).isEqualTo(leader.log().lastIndex());

        cluster.tickUntil(QuiescenceTest::allQuiesced, 2 * QUIESCE_AFTER + 2);
    }

    @Test
    void aMessageOtherThanAQuiesceHeartbeatWakesTheLeader() {
        TestCluster cluster = quiescedCluster();
        RaftNode leader = cluster.node("n1");
        leader.step(new HeartbeatResponse(NodeId.of("n2"), N1, leader.term(), 0));
        assertThat(leader.isQuiesced()).isFalse();
        // Woken, it heartbeats at once, which wakes its followers.
        assertThat(leader.ready().messages()).hasSize(2).allMatch(message -> message instanceof Heartbeat heartbeat
                && !heartbeat.quiesce());
    }

    @Test
    void aQuiesceHeartbeatDoesNotWakeAndARepeatedOneIsNotAnswered() {
        TestCluster cluster = quiescedCluster();
        RaftNode follower = cluster.node("n2");
        long commit = follower.status().commitIndex();
        follower.step(new Heartbeat(N1, NodeId.of("n2"), follower.term(), commit, 0, true));
        assertThat(follower.isQuiesced()).isTrue();
        assertThat(follower.hasReady()).isFalse();
    }

    @Test
    void aRestartedFollowersPreVoteWakesTheGroupWithoutChangingTheTerm() {
        TestCluster cluster = quiescedCluster();
        long term = cluster.node("n1").term();
        cluster.crash("n3");
        cluster.restart("n3"); // restarts as a follower that knows no leader, ticking
        cluster.tickUntil(c -> NodeId.of("n1").equals(c.node("n3").leader()), 3 * ELECTION_TIMEOUT);
        // The quiesced n2 refused its pre-vote as if it had just heard from n1 (leader stickiness).
        assertThat(cluster.delivered).anyMatch(message -> message instanceof RequestVote request && request.preVote());
        assertThat(cluster.node("n1").role()).isEqualTo(Role.LEADER);
        assertThat(cluster.members.values()).allMatch(member -> member.node.term() == term);
        cluster.tickUntil(QuiescenceTest::allQuiesced, 4 * QUIESCE_AFTER);
    }

    @Test
    void aQuiescedFollowerDoesNotTimeOutButWakeMakesItElect() {
        TestCluster cluster = quiescedCluster();
        long term = cluster.node("n1").term();
        cluster.crash("n1");

        cluster.tickAll(20 * ELECTION_TIMEOUT);
        for (String id : List.of("n2", "n3")) {
            RaftNode follower = cluster.node(id);
            assertThat(follower.isQuiesced()).isTrue();
            assertThat(follower.role()).isEqualTo(Role.FOLLOWER);
            assertThat(follower.leader()).isEqualTo(N1);
            assertThat(follower.term()).isEqualTo(term);
        }

        // What the host does once n1's process has been silent for an election timeout.
        cluster.node("n2").wake();
        cluster.node("n3").wake();
        assertThat(cluster.node("n2").isQuiesced()).isFalse();
        cluster.tickUntil(c -> c.leader() != null && c.leader().term() > term, 3 * ELECTION_TIMEOUT);
        RaftNode leader = cluster.leader();
        assertThat(leader.id()).isNotEqualTo(N1);
        assertThat(leader.propose(bytes("after"))).isInstanceOf(ProposeResult.Accepted.class);
        cluster.settle();
        assertThat(leader.status().commitIndex()).isEqualTo(leader.log().lastIndex());
    }

    @Test
    void aWokenLeaderWhoseFollowersAreGoneStepsDownInsteadOfQuiescingAgain() {
        TestCluster cluster = quiescedCluster();
        RaftNode leader = cluster.node("n1");
        cluster.isolate("n1");
        // What the host does once it has not heard from a quorum's processes for an election timeout.
        leader.wake();
        cluster.tickUntil(c -> leader.role() != Role.LEADER, ELECTION_TIMEOUT + 1);
        assertThat(leader.isQuiesced()).isFalse();
    }

    @Test
    void wakeOfAnAwakeNodeChangesNothing() {
        TestCluster cluster = ledByN1(OPTIONS);
        RaftNode follower = cluster.node("n2");
        cluster.tickAll(1);
        int elapsed = follower.electionElapsedTicks;
        follower.wake();
        assertThat(follower.electionElapsedTicks).isEqualTo(elapsed);
        assertThat(follower.hasReady()).isFalse();
    }

    @Test
    void aFollowerWhoseLogDoesNotMatchDoesNotQuiesceAndAnswers() {
        TestCluster cluster = ledByN1(OPTIONS);
        RaftNode leader = cluster.node("n1");
        RaftNode follower = cluster.node("n2");
        cluster.cut("n1", "n2");
        leader.propose(bytes("x"));
        cluster.settle(); // committed by n1 and n3; n2 lacks the entry
        assertThat(follower.log().lastIndex()).isLessThan(leader.log().lastIndex());

        follower.step(new Heartbeat(N1, NodeId.of("n2"), leader.term(), leader.status().commitIndex(), 0, true));
        assertThat(follower.isQuiesced()).isFalse();
        assertThat(follower.ready().messages()).singleElement().isInstanceOf(HeartbeatResponse.class);

        // A quiesce heartbeat whose commit index is behind the follower's log does not quiesce it either.
        cluster.heal();
        cluster.tickAll(1); // the heartbeat's answer makes the leader send n2 what it lacks
        leader.propose(bytes("y"));
        cluster.settle();
        assertThat(follower.log().lastIndex()).isEqualTo(leader.log().lastIndex());
        long behind = leader.status().commitIndex() - 1;
        follower.step(new Heartbeat(N1, NodeId.of("n2"), leader.term(), behind, 0, true));
        assertThat(follower.isQuiesced()).isFalse();
    }

    @Test
    void aLostQuiesceHeartbeatOnlyDelaysQuiescence() {
        TestCluster cluster = ledByN1(OPTIONS);
        long term = cluster.node("n1").term();
        boolean[] lose = {true};
        cluster.silentlyLost = message -> lose[0] && message.to().equals(NodeId.of("n3"))
                && message instanceof Heartbeat heartbeat && heartbeat.quiesce();
        cluster.tickUntil(c -> c.node("n1").isQuiesced(), 2 * QUIESCE_AFTER + 2);
        assertThat(cluster.node("n3").isQuiesced()).isFalse();
        lose[0] = false;
        // n3 times out; its pre-vote is refused but wakes n1, which quiesces the group again.
        cluster.tickUntil(QuiescenceTest::allQuiesced, 4 * ELECTION_TIMEOUT);
        assertThat(cluster.members.values()).allMatch(member -> member.node.term() == term);
        assertThat(cluster.node("n1").role()).isEqualTo(Role.LEADER);
    }
}
