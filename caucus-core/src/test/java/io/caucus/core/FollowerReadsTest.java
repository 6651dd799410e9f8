package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.core.message.ReadIndexResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A follower's linearizable reads, at a read index its leader confirms (thesis §6.4.1). */
class FollowerReadsTest {

    private final TestCluster cluster = new TestCluster(3);
    private final RaftNode leader = cluster.electLeader();
    private final RaftNode follower = cluster.members.values().stream().map(m -> m.node)
            .filter(n -> n.role() == Role.FOLLOWER).findFirst().orElseThrow();
    private final RaftNode otherFollower = cluster.members.values().stream().map(m -> m.node)
            .filter(n -> n.role() == Role.FOLLOWER && n != follower).findFirst().orElseThrow();

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private TestCluster.Member member(RaftNode node) {
        return cluster.members.get(node.id());
    }

    @Test
    void theLeaderConfirmsAFollowersReadAtItsCommitIndex() {
        leader.propose(bytes("x"));
        cluster.settle();
        follower.readIndex(8);
        cluster.settle();
        assertThat(member(follower).reads).containsExactly(new ReadResult.Confirmed(8, leader.status().commitIndex()));
        assertThat(cluster.count(ReadIndexRequest.class)).isEqualTo(1);
        assertThat(member(leader).reads).as("the leader serves nothing itself").isEmpty();
    }

    @Test
    void theReadIndexCoversWhatTheLeaderHeldWhenAsked() {
        cluster.autoPersist = false; // the leader's entry stays uncommitted until persisted
        leader.propose(bytes("x"));
        cluster.settle();
        long held = leader.log().lastIndex();
        assertThat(leader.status().commitIndex()).isLessThan(held);
        follower.readIndex(9);
        cluster.settle();
        assertThat(member(follower).reads)
                .as("served no earlier than the write the leader accepted before the read")
                .containsExactly(new ReadResult.Confirmed(9, held));
    }

    @Test
    void aReadWaitsUntilTheLeaderHasCommittedAnEntryOfItsTerm() {
        cluster.crash(leader.id().value());
        cluster.silentlyLost = message -> message instanceof AppendEntriesResponse; // the no-op cannot commit
        cluster.tickUntil(c -> c.leader() != null, 20 * RaftOptions.DEFAULTS.electionTimeoutTicks());
        RaftNode newLeader = cluster.leader();
        RaftNode asker = newLeader == follower ? otherFollower : follower;
        assertThat(asker.leader()).isEqualTo(newLeader.id());
        assertThat(newLeader.log().term(newLeader.status().commitIndex())).isLessThan(newLeader.term());
        asker.readIndex(3);
        cluster.settle();
        assertThat(member(asker).reads).as("thesis §6.4 step 1 holds for a follower's read too").isEmpty();
        cluster.silentlyLost = message -> false;
        cluster.tickUntil(c -> !c.member(asker.id().value()).reads.isEmpty(), 10);
        assertThat(member(asker).reads)
                .containsExactly(new ReadResult.Confirmed(3, newLeader.status().commitIndex()));
    }

    @Test
    void aFollowerWithoutALeaderRejectsAtOnce() {
        cluster.isolate(follower.id().value());
        cluster.tickUntil(c -> follower.leader() == null, 10 * RaftOptions.DEFAULTS.electionTimeoutTicks());
        follower.readIndex(4);
        cluster.drainReadies();
        assertThat(member(follower).reads).containsExactly(new ReadResult.Rejected(4, null));
        assertThat(cluster.count(ReadIndexRequest.class)).isZero();
    }

    @Test
    void aForwardedReadIsRejectedWhenTheFollowerGivesUpOnItsLeader() {
        cluster.isolate(follower.id().value()); // the request is lost on its way
        follower.readIndex(5);
        cluster.tickUntil(c -> follower.role() != Role.FOLLOWER, 10 * RaftOptions.DEFAULTS.electionTimeoutTicks());
        assertThat(member(follower).reads).containsExactly(new ReadResult.Rejected(5, null));
    }

    @Test
    void aConfirmationFromAnyoneButTheLeaderAskedIsIgnored() {
        cluster.cut(follower.id().value(), leader.id().value());
        follower.readIndex(6);
        cluster.settle();
        long commit = leader.status().commitIndex();
        follower.step(new ReadIndexResponse(otherFollower.id(), follower.id(), follower.term(), 6, true, commit));
        follower.step(new ReadIndexResponse(leader.id(), follower.id(), follower.term(), 7, true, commit));
        cluster.drainReadies();
        assertThat(member(follower).reads).isEmpty();
        follower.step(new ReadIndexResponse(leader.id(), follower.id(), follower.term(), 6, true, commit));
        follower.step(new ReadIndexResponse(leader.id(), follower.id(), follower.term(), 6, true, commit));
        cluster.drainReadies();
        assertThat(member(follower).reads).as("answered once").containsExactly(new ReadResult.Confirmed(6, commit));
    }

    @Test
    void aNodeThatDoesNotLeadRefusesAndAStaleRequestIsToldTheTerm() {
        otherFollower.step(new ReadIndexRequest(follower.id(), otherFollower.id(), otherFollower.term(), 2));
        assertThat(otherFollower.ready().messages())
                .contains(new ReadIndexResponse(otherFollower.id(), follower.id(), otherFollower.term(), 2, false, 0));
        leader.step(new ReadIndexRequest(follower.id(), leader.id(), leader.term() - 1, 3));
        assertThat(leader.ready().messages())
                .contains(new ReadIndexResponse(leader.id(), follower.id(), leader.term(), 3, false, 0));
    }

    @Test
    void aRefusalRejectsTheReadAndARefusalOfALaterTermIsAdopted() {
        cluster.cut(follower.id().value(), leader.id().value());
        follower.readIndex(6);
        cluster.settle();
        follower.readIndex(7);
        cluster.settle();
        follower.step(new ReadIndexResponse(leader.id(), follower.id(), follower.term(), 6, false, 0));
        cluster.drainReadies();
        assertThat(member(follower).reads).containsExactly(new ReadResult.Rejected(6, leader.id()));
        long term = follower.term();
        follower.step(new ReadIndexResponse(leader.id(), follower.id(), term + 1, 99, false, 0));
        cluster.drainReadies();
        assertThat(follower.term()).isEqualTo(term + 1);
        assertThat(member(follower).reads).containsExactly(new ReadResult.Rejected(6, leader.id()),
                new ReadResult.Rejected(7, null));
    }

    @Test
    void readsRequestedTogetherShareOneRequestAndOneAnswer() {
        follower.readIndex(10);
        follower.readIndex(11);
        follower.readIndex(12);
        cluster.settle();
        long commit = leader.status().commitIndex();
        assertThat(cluster.count(ReadIndexRequest.class)).isEqualTo(1);
        assertThat(member(follower).reads).containsExactly(new ReadResult.Confirmed(10, commit),
                new ReadResult.Confirmed(11, commit), new ReadResult.Confirmed(12, commit));
    }
}
