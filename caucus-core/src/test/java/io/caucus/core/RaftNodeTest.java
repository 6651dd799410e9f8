package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.RequestVote;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RaftNodeTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void electsExactlyOneLeaderAndEveryoneFollowsIt() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        cluster.tickAll(5);
        for (TestCluster.Member member : cluster.members.values()) {
            assertThat(member.node.leader()).isEqualTo(leader.id());
            assertThat(member.node.term()).isEqualTo(leader.term());
        }
        assertThat(cluster.members.values().stream().filter(m -> m.node.role() == Role.LEADER)).hasSize(1);
    }

    @Test
    void singleNodeClusterElectsItselfAndCommits() {
        TestCluster cluster = new TestCluster(1);
        RaftNode leader = cluster.electLeader();
        ProposeResult result = leader.propose(bytes("x"));
        cluster.settle();
        assertThat(result).isInstanceOf(ProposeResult.Accepted.class);
        long index = ((ProposeResult.Accepted) result).firstIndex();
        assertThat(leader.status().commitIndex()).isEqualTo(index);
        assertThat(cluster.member("n1").applied).extracting(LogEntry::index).contains(index);
    }

    @Test
    void replicatesAndAppliesOnEveryNode() {
        TestCluster cluster = new TestCluster(5);
        RaftNode leader = cluster.electLeader();
        for (int i = 0; i < 20; i++) {
            assertThat(leader.propose(bytes("cmd" + i))).isInstanceOf(ProposeResult.Accepted.class);
        }
        cluster.tickAll(3);
        for (TestCluster.Member member : cluster.members.values()) {
            List<String> commands = member.applied.stream()
                    .filter(e -> e.type() == EntryType.COMMAND)
                    .map(e -> new String(e.payload(), StandardCharsets.UTF_8)).toList();
            assertThat(commands).hasSize(20).startsWith("cmd0").endsWith("cmd19");
        }
    }

    @Test
    void followerRefusesProposalsAndNamesTheLeader() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        RaftNode follower = cluster.members.values().stream().map(m -> m.node)
                .filter(n -> n.role() == Role.FOLLOWER).findFirst().orElseThrow();
        assertThat(follower.propose(bytes("x")))
                .isEqualTo(new ProposeResult.Rejected(ProposeResult.Reason.NOT_LEADER, leader.id()));
    }

    @Test
    void nothingCommitsWhileTheLeaderIsNotDurable() {
        TestCluster cluster = new TestCluster(1);
        RaftNode leader = cluster.electLeader();
        cluster.autoPersist = false;
        long commit = leader.status().commitIndex();
        leader.propose(bytes("x"));
        cluster.settle();
        assertThat(leader.status().commitIndex()).isEqualTo(commit);
        cluster.persistAll();
        cluster.settle();
        assertThat(leader.status().commitIndex()).isEqualTo(commit + 1);
    }

    @Test
    void voteIsNotSentBeforeItIsDurable() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        cluster.autoPersist = false;
        cluster.crash(leader.id().value());
        int sentBefore = cluster.delivered.size();
        // Pre-votes flow once the leader's lease has run out; the winner raises its term, then must wait.
        cluster.tickUntil(c -> c.members.values().stream().anyMatch(m -> m.node.role() == Role.CANDIDATE), 100);
        RaftNode candidate = cluster.members.values().stream().map(m -> m.node)
                .filter(n -> n.role() == Role.CANDIDATE).findFirst().orElseThrow();
        assertThat(cluster.delivered.subList(sentBefore, cluster.delivered.size()))
                .noneMatch(m -> m instanceof RequestVote rv && !rv.preVote());
        assertThat(cluster.member(candidate.id().value()).durableHardState.term()).isLessThan(candidate.term());
        for (int round = 0; round < 3; round++) {
            cluster.persistAll();
            cluster.settle();
        }
        assertThat(candidate.role()).isEqualTo(Role.LEADER);
        assertThat(cluster.member(candidate.id().value()).durableHardState.votedFor()).isEqualTo(candidate.id());
    }

    @Test
    void readIndexConfirmsAfterAQuorumAnswers() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        leader.propose(bytes("x"));
        cluster.settle();
        leader.readIndex(7);
        cluster.settle();
        assertThat(cluster.members.get(leader.id()).reads)
                .containsExactly(new ReadResult.Confirmed(7, leader.status().commitIndex()));
    }

    @Test
    void isolatedLeaderStepsDownAndItsReadsAreRejected() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        cluster.isolate(leader.id().value());
        leader.readIndex(1);
        cluster.tickAll(2 * RaftOptions.DEFAULTS.electionTimeoutTicks() + 1);
        assertThat(leader.role()).isNotEqualTo(Role.LEADER);
        assertThat(cluster.members.get(leader.id()).reads).containsExactly(new ReadResult.Rejected(1, null));
    }

    @Test
    void followerCatchesUpAfterRestart() {
        TestCluster cluster = new TestCluster(3);
        RaftNode leader = cluster.electLeader();
        String lagging = cluster.members.keySet().stream().filter(id -> !id.equals(leader.id()))
                .findFirst().orElseThrow().value();
        cluster.crash(lagging);
        for (int i = 0; i < 30; i++) {
            leader.propose(bytes("v" + i));
        }
        cluster.tickAll(2);
        cluster.restart(lagging);
        cluster.tickUntil(c -> c.node(lagging).status().appliedIndex() == leader.status().commitIndex(), 100);
        assertThat(cluster.member(lagging).durableLog.lastIndex()).isEqualTo(leader.log().lastIndex());
        assertThat(cluster.count(AppendEntries.class)).isPositive();
    }
}
