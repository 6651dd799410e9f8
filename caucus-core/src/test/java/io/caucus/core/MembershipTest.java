package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ConfigurationChange.AddLearner;
import io.caucus.core.ConfigurationChange.ChangeAddresses;
import io.caucus.core.ConfigurationChange.PromoteLearner;
import io.caucus.core.ConfigurationChange.RemoveMember;
import io.caucus.core.ProposeResult.Reason;
import io.caucus.core.message.RequestVote;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Membership changes by joint consensus (Raft paper §6) and learners (thesis §4.2.1). */
class MembershipTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N4 = NodeId.of("n4");

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static long accepted(ProposeResult result) {
        assertThat(result).isInstanceOf(ProposeResult.Accepted.class);
        return ((ProposeResult.Accepted) result).firstIndex();
    }

    private static Reason refused(ProposeResult result) {
        assertThat(result).isInstanceOf(ProposeResult.Rejected.class);
        return ((ProposeResult.Rejected) result).reason();
    }

    /** A 3-node cluster led by n1, its no-op committed, and n4 started outside the configuration. */
    private static TestCluster clusterLedByN1WithJoiner() {
        TestCluster cluster = new TestCluster(3);
        cluster.node("n1").campaign();
        cluster.settle();
        assertThat(cluster.leader().id()).isEqualTo(N1);
        cluster.addMember("n4", cluster.node("n1").status().configuration());
        return cluster;
    }

    /** n1 leads voters n1-n3, and n4 has been added as a learner and caught up. */
    private static TestCluster clusterLedByN1WithLearnerN4() {
        TestCluster cluster = clusterLedByN1WithJoiner();
        accepted(cluster.node("n1").proposeConfigurationChange(new AddLearner(N4)));
        cluster.settle();
        return cluster;
    }

    private static List<ClusterConfiguration> configurationEntries(RaftNode node) {
        LogView log = node.log();
        return log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE).stream()
                .filter(e -> e.type() == EntryType.CONFIGURATION)
                .map(e -> ConfigurationCodec.decode(e.payload())).toList();
    }

    @Test
    void learnerIsAddedInOneEntryAndPromotedThroughTheJointConfiguration() {
        TestCluster cluster = clusterLedByN1WithLearnerN4();
        RaftNode leader = cluster.node("n1");
        assertThat(cluster.node("n4").status().configuration().learners()).containsExactly(N4);
        accepted(leader.proposeConfigurationChange(new PromoteLearner(N4)));
        cluster.settle();
        cluster.tickAll(2); // heartbeats carry the final commit index to the followers

        ClusterConfiguration four = ClusterConfiguration.ofVoters("n1", "n2", "n3", "n4");
        for (TestCluster.Member member : cluster.members.values()) {
            assertThat(member.node.status().configuration()).isEqualTo(four);
            assertThat(member.node.status().commitIndex()).isEqualTo(leader.log().lastIndex());
        }
        List<ClusterConfiguration> steps = configurationEntries(cluster.node("n4"));
        assertThat(steps).hasSize(3);
        assertThat(steps.get(1).isJoint()).isTrue();
        assertThat(steps.get(1).outgoingVoters()).isEqualTo(Set.of(N1, NodeId.of("n2"), NodeId.of("n3")));
        assertThat(steps.get(2)).isEqualTo(four);
        // The history answers for every index, including before any configuration entry.
        assertThat(leader.configurationAt(1)).isEqualTo(ClusterConfiguration.ofVoters("n1", "n2", "n3"));
        assertThat(leader.configurationAt(leader.log().lastIndex())).isEqualTo(four);
    }

    private static TestCluster jointCluster() {
        ClusterConfiguration joint = new ClusterConfiguration(
                Set.of(N1, N4, NodeId.of("n5")), Set.of(N1, NodeId.of("n2"), NodeId.of("n3")), Set.of());
        return new TestCluster(joint, RaftOptions.DEFAULTS, 7);
    }

    @Test
    void jointConfigurationElectsOnlyWithMajoritiesOfBothHalves() {
        TestCluster cluster = jointCluster();
        // n1, n4, n5 are a majority of the incoming half but only n1 of the outgoing one: no election.
        cluster.isolate("n2");
        cluster.isolate("n3");
        cluster.node("n1").campaign();
        cluster.tickAll(40);
        assertThat(cluster.leader()).isNull();
        cluster.heal();
        cluster.tickUntil(c -> c.leader() != null, 200);
    }

    @Test
    void jointConfigurationCommitsOnlyWithMajoritiesOfBothHalves() {
        for (List<String> cutOff : List.of(List.of("n2", "n3"), List.of("n4", "n5"))) {
            TestCluster cluster = jointCluster();
            RaftNode leader = cluster.node("n1");
            leader.campaign();
            assertThat(cluster.settleUntil(c -> leader.role() == Role.LEADER)).isTrue();
            // One half holds the new leader's no-op with n1, the other hears nothing: nothing commits.
            cutOff.forEach(cluster::isolate);
            cluster.tickAll(3);
            assertThat(cluster.node(cutOff.get(0).equals("n2") ? "n4" : "n2").log().lastIndex()).isEqualTo(1);
            assertThat(leader.status().commitIndex()).as("cut off " + cutOff).isZero();
            assertThat(leader.status().configuration().isJoint()).isTrue();

            cluster.heal();
            cluster.tickAll(3);
            // Committed; and C_new, appended by the leader once C_old,new was known committed, too (§6).
            assertThat(leader.status().commitIndex()).isEqualTo(2);
            assertThat(leader.status().configuration()).isEqualTo(ClusterConfiguration.ofVoters("n1", "n4", "n5"));
        }
    }

    @Test
    void configurationRevertsWhenItsEntryIsTruncated() {
        TestCluster cluster = new TestCluster(5);
        cluster.node("n1").campaign();
        cluster.settle();
        ClusterConfiguration original = cluster.node("n1").status().configuration();
        for (String other : List.of("n3", "n4", "n5")) {
            cluster.cut("n1", other);
        }
        long index = accepted(cluster.node("n1").proposeConfigurationChange(new AddLearner(NodeId.of("n6"))));
        cluster.settle();
        RaftNode n2 = cluster.node("n2");
        // Takes effect when appended, uncommitted (§6).
        assertThat(n2.status().configuration().learners()).containsExactly(NodeId.of("n6"));
        assertThat(n2.status().commitIndex()).isLessThan(index);

        cluster.crash("n1");
        cluster.isolate("n2");
        cluster.tickUntil(c -> c.leader() != null, 200);
        RaftNode newLeader = cluster.leader();
        assertThat(newLeader.id()).isNotIn(N1, NodeId.of("n2"));
        cluster.heal();
        cluster.tickAll(3);
        assertThat(n2.log().term(index)).isEqualTo(newLeader.term());
        assertThat(n2.status().configuration()).isEqualTo(original);
        assertThat(n2.configurationAt(index)).isEqualTo(original);
    }

    @Test
    void oneChangeAtATimeAndClearRefusals() {
        TestCluster cluster = clusterLedByN1WithJoiner();
        RaftNode leader = cluster.node("n1");
        assertThat(refused(cluster.node("n2").proposeConfigurationChange(new AddLearner(N4))))
                .isEqualTo(Reason.NOT_LEADER);
        assertThat(refused(leader.proposeConfigurationChange(new PromoteLearner(N4)))).isEqualTo(Reason.UNKNOWN_MEMBER);
        assertThat(refused(leader.proposeConfigurationChange(new RemoveMember(N4)))).isEqualTo(Reason.UNKNOWN_MEMBER);
        assertThat(refused(leader.proposeConfigurationChange(new AddLearner(NodeId.of("n2")))))
                .isEqualTo(Reason.ALREADY_MEMBER);

        accepted(leader.proposeConfigurationChange(new AddLearner(N4)));
        assertThat(refused(leader.proposeConfigurationChange(new AddLearner(NodeId.of("n5")))))
                .isEqualTo(Reason.CHANGE_IN_PROGRESS);
        cluster.settle();
        assertThat(refused(leader.proposeConfigurationChange(new AddLearner(N4)))).isEqualTo(Reason.ALREADY_MEMBER);
        accepted(leader.proposeConfigurationChange(new PromoteLearner(N4)));
        // Stop once the joint configuration is committed: C_new is appended but not yet committed.
        cluster.settleUntil(c -> !leader.status().configuration().isJoint());
        assertThat(refused(leader.proposeConfigurationChange(new RemoveMember(NodeId.of("n2")))))
                .isEqualTo(Reason.CHANGE_IN_PROGRESS);
        cluster.settle();
        assertThat(refused(leader.proposeConfigurationChange(new PromoteLearner(N4)))).isEqualTo(Reason.ALREADY_MEMBER);
        accepted(leader.proposeConfigurationChange(new RemoveMember(NodeId.of("n2"))));
        cluster.settle();
        assertThat(leader.status().configuration()).isEqualTo(ClusterConfiguration.ofVoters("n1", "n3", "n4"));
    }

    @Test
    void theLastVoterCannotBeRemoved() {
        TestCluster cluster = new TestCluster(1);
        RaftNode leader = cluster.electLeader();
        assertThat(refused(leader.proposeConfigurationChange(new RemoveMember(N1)))).isEqualTo(Reason.LAST_VOTER);
    }

    @Test
    void leaderOutsideCNewLeadsUntilItCommitsWithoutCountingItselfThenStepsDown() {
        TestCluster cluster = new TestCluster(3);
        cluster.node("n1").campaign();
        cluster.settle();
        RaftNode leader = cluster.node("n1");
        accepted(leader.proposeConfigurationChange(new RemoveMember(N1)));
        // Let C_old,new commit; as soon as C_new is appended, cut n3 off.
        assertThat(cluster.settleUntil(c -> !leader.status().configuration().isJoint())).isTrue();
        long cNewIndex = leader.log().lastIndex();
        cluster.isolate("n3");
        cluster.settle();
        cluster.tickAll(3);
        // n1 and n2 hold C_new, but n1 is not in C_new = {n2, n3}: no majority of C_new holds it yet.
        assertThat(cluster.node("n2").log().lastIndex()).isGreaterThanOrEqualTo(cNewIndex);
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        assertThat(leader.status().commitIndex()).isLessThan(cNewIndex);

        cluster.heal();
        cluster.tickAll(2);
        assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
        assertThat(leader.status().configuration()).isEqualTo(ClusterConfiguration.ofVoters("n2", "n3"));
        cluster.delivered.clear();
        cluster.tickUntil(c -> c.leader() != null && !c.leader().id().equals(N1), 200);
        long term = cluster.leader().term();
        cluster.tickAll(100);
        // Out of the configuration, n1 may ask for pre-votes once the voters seem leaderless for long (thesis
        // §4.2.3); with a live leader they are ignored, and it never raises a term or asks for a real vote.
        assertThat(leader.role()).isNotEqualTo(Role.LEADER);
        assertThat(cluster.leader().term()).isEqualTo(term);
        assertThat(cluster.delivered).noneMatch(m -> m instanceof RequestVote vote && !vote.preVote()
                && m.from().equals(N1));
    }

    @Test
    void anIsolatedLearnerDisturbsNoOneAndItsAcknowledgementsDoNotCommit() {
        TestCluster cluster = clusterLedByN1WithLearnerN4();
        RaftNode leader = cluster.node("n1");
        long commit = leader.status().commitIndex();
        cluster.isolate("n2");
        cluster.isolate("n3");
        long index = accepted(leader.propose(bytes("x")));
        cluster.settle();
        assertThat(cluster.node("n4").log().lastIndex()).isEqualTo(index);
        assertThat(leader.status().commitIndex()).isEqualTo(commit);

        // Cut off from every leader, the learner waits several election timeouts before it asks for pre-votes,
        // which raise no term; the operators' campaign() is for voters only.
        cluster.heal();
        cluster.isolate("n4");
        cluster.delivered.clear();
        RaftNode learner = cluster.node("n4");
        long term = leader.term();
        int timeout = RaftOptions.DEFAULTS.electionTimeoutTicks();
        cluster.tickAll(RaftNode.NON_VOTER_PATIENCE * timeout - 1);
        assertThat(learner.role()).isEqualTo(Role.FOLLOWER);
        cluster.tickAll(100);
        assertThat(learner.term()).isEqualTo(term);
        learner.campaign();
        assertThat(learner.term()).isEqualTo(term);
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        assertThat(leader.term()).isEqualTo(term);
        assertThat(cluster.members.values()).allSatisfy(m -> assertThat(m.node.status().configuration()
                .learners()).contains(N4));
    }

    /**
     * Simulator seed 722490, scripted: with one voter down for good, the voters left cannot elect one of
     * themselves. n2 holds an uncommitted joint configuration that makes learner n4 a voter, so it needs n4's
     * vote, which n4 refuses: its log has a later term. n3 lacks the joint entry, so n2 refuses it. The learner,
     * whose log is the most up-to-date, campaigns after its longer wait, leads just long enough to commit an
     * entry of its term on n2 and n3 (n2 gives up the joint entry), and steps down; a voter then takes over.
     */
    @Test
    void aLearnerWithTheNewestLogTakesOverWhenTheVotersCannotElectAnyone() {
        TestCluster cluster = clusterLedByN1WithLearnerN4();
        RaftNode n1 = cluster.node("n1");

        // n1 enters the joint configuration promoting n4; only n2 receives it, and n1 crashes before it is durable.
        cluster.autoPersist = false;
        cluster.cut("n1", "n3");
        cluster.cut("n1", "n4");
        accepted(n1.proposeConfigurationChange(new PromoteLearner(N4)));
        cluster.settle();
        assertThat(cluster.node("n2").status().configuration().isJoint()).isTrue();
        cluster.crash("n1");
        cluster.persistAll();
        cluster.autoPersist = true;
        cluster.heal();

        // n3 elects n1 again (n2 cut off; n3 has first stopped trusting the old leader), n1's new term reaches only
        // the learner, and then n1 is gone for good.
        cluster.isolate("n2");
        cluster.tickAll(2 * RaftOptions.DEFAULTS.electionTimeoutTicks());
        cluster.restart("n1");
        RaftNode restarted = cluster.node("n1");
        assertThat(restarted.status().configuration().isJoint()).isFalse();
        restarted.campaign();
        assertThat(cluster.settleUntil(c -> restarted.role() == Role.LEADER)).isTrue();
        cluster.cut("n1", "n3");
        accepted(restarted.propose(bytes("only on n1 and n4")));
        cluster.settle();
        long newTerm = restarted.term();
        RaftNode n4 = cluster.node("n4");
        assertThat(n4.log().term(n4.log().lastIndex())).isEqualTo(newTerm);
        RaftNode n3 = cluster.node("n3");
        assertThat(n3.log().term(n3.log().lastIndex())).isLessThan(newTerm);
        cluster.crash("n1");
        cluster.heal();
        cluster.delivered.clear();

        cluster.tickUntil(c -> c.leader() != null && !c.leader().id().equals(N4), 2_000);
        assertThat(cluster.delivered).anyMatch(m -> m instanceof RequestVote vote && !vote.preVote()
                && m.from().equals(N4));
        assertThat(cluster.leader().id()).isIn(NodeId.of("n2"), NodeId.of("n3"));
        assertThat(cluster.node("n4").role()).isNotEqualTo(Role.LEADER);
        for (String id : List.of("n2", "n3", "n4")) {
            assertThat(cluster.node(id).status().configuration().isJoint()).as(id).isFalse();
            assertThat(cluster.node(id).status().configuration().learners()).as(id).containsExactly(N4);
        }
        // The voters' new leader commits again: n1 being down, that takes both n2 and n3.
        RaftNode voterLeader = cluster.leader();
        long index = accepted(voterLeader.propose(bytes("after")));
        cluster.settle();
        assertThat(voterLeader.status().commitIndex()).isGreaterThanOrEqualTo(index);
    }

    @Test
    void aJoiningNodeOutsideTheConfigurationWaitsWithoutCampaigning() {
        TestCluster cluster = clusterLedByN1WithJoiner();
        cluster.tickAll(100);
        RaftNode joiner = cluster.node("n4");
        assertThat(joiner.role()).isEqualTo(Role.FOLLOWER);
        assertThat(joiner.term()).isZero();
        assertThat(joiner.log().lastIndex()).isZero();
    }

    @Test
    void aLearnerIsPromotedOnlyWhenCloseBehindTheLeader() {
        TestCluster cluster = new TestCluster(3, RaftOptions.DEFAULTS.withMaxLearnerLagEntries(5), 42);
        cluster.node("n1").campaign();
        cluster.settle();
        cluster.addMember("n4", cluster.node("n1").status().configuration());
        RaftNode leader = cluster.node("n1");
        accepted(leader.proposeConfigurationChange(new AddLearner(N4)));
        cluster.settle();
        cluster.cut("n1", "n4");
        for (int i = 0; i < 20; i++) {
            accepted(leader.propose(bytes("cmd" + i)));
        }
        cluster.settle();
        assertThat(refused(leader.proposeConfigurationChange(new PromoteLearner(N4)))).isEqualTo(Reason.LEARNER_BEHIND);
        cluster.heal();
        cluster.tickAll(3);
        accepted(leader.proposeConfigurationChange(new PromoteLearner(N4)));
        cluster.settle();
        assertThat(leader.status().configuration().voters()).contains(N4);
    }

    @Test
    void aRemovedNodeCannotDisruptTheCluster() {
        TestCluster cluster = new TestCluster(3);
        cluster.node("n1").campaign();
        cluster.settle();
        RaftNode leader = cluster.node("n1");
        // n3 hears nothing of its removal: it keeps the old configuration and campaigns on and on.
        cluster.isolate("n3");
        accepted(leader.proposeConfigurationChange(new RemoveMember(NodeId.of("n3"))));
        cluster.settle();
        assertThat(leader.status().configuration()).isEqualTo(ClusterConfiguration.ofVoters("n1", "n2"));
        assertThat(leader.status().commitIndex()).isEqualTo(leader.log().lastIndex());
        long term = leader.term();
        cluster.heal();
        cluster.delivered.clear();
        cluster.tickAll(300);
        assertThat(cluster.delivered).anyMatch(m -> m instanceof RequestVote && m.from().equals(NodeId.of("n3")));
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        assertThat(leader.term()).isEqualTo(term);
        assertThat(cluster.node("n2").term()).isEqualTo(term);
        assertThat(accepted(leader.propose(bytes("still serving")))).isPositive();
    }

    @Test
    void aLearnersAddressReachesEveryMemberThroughTheLogAndLeavesWithIt() {
        TestCluster cluster = clusterLedByN1WithJoiner();
        RaftNode leader = cluster.node("n1");
        accepted(leader.proposeConfigurationChange(new AddLearner(N4, MemberAddresses.ofRaft("n4.example:7000"))));
        cluster.settle();
        accepted(leader.proposeConfigurationChange(new PromoteLearner(N4)));
        cluster.settle();
        cluster.tickAll(2);

        for (TestCluster.Member member : cluster.members.values()) {
            assertThat(member.node.status().configuration().addresses()).containsExactly(
                    java.util.Map.entry(N4, MemberAddresses.ofRaft("n4.example:7000")));
        }
        List<ClusterConfiguration> steps = configurationEntries(cluster.node("n4"));
        assertThat(steps).allSatisfy(step -> assertThat(step.addresses()).containsKey(N4));

        accepted(leader.proposeConfigurationChange(new RemoveMember(N4)));
        cluster.settle();
        cluster.tickAll(2);
        assertThat(cluster.node("n2").status().configuration().addresses()).isEmpty();
    }

    @Test
    void changingAMembersAddressesIsOneEntryThatKeepsEveryPart() {
        TestCluster cluster = clusterLedByN1WithLearnerN4();
        RaftNode leader = cluster.node("n1");
        ClusterConfiguration before = leader.status().configuration();
        MemberAddresses moved = new MemberAddresses(java.util.Map.of(MemberAddresses.RAFT, "new-host:7002",
                MemberAddresses.CLIENT, "new-host:6379"));
        int entriesBefore = configurationEntries(leader).size();

        accepted(leader.proposeConfigurationChange(new ChangeAddresses(NodeId.of("n2"), moved)));
        assertThat(refused(leader.proposeConfigurationChange(new ChangeAddresses(N4, moved))))
                .as("one change at a time (§6)").isEqualTo(Reason.CHANGE_IN_PROGRESS);
        cluster.settle();
        cluster.tickAll(2);

        assertThat(configurationEntries(leader)).hasSize(entriesBefore + 1);
        for (TestCluster.Member member : cluster.members.values()) {
            ClusterConfiguration now = member.node.status().configuration();
            assertThat(now.isJoint()).isFalse();
            assertThat(now.voters()).isEqualTo(before.voters());
            assertThat(now.learners()).isEqualTo(before.learners());
            assertThat(now.addresses()).containsEntry(NodeId.of("n2"), moved);
        }
        assertThat(refused(leader.proposeConfigurationChange(new ChangeAddresses(NodeId.of("n9"), moved))))
                .isEqualTo(Reason.UNKNOWN_MEMBER);
        assertThat(refused(cluster.node("n2").proposeConfigurationChange(new ChangeAddresses(N4, moved))))
                .isEqualTo(Reason.NOT_LEADER);
    }
}
