package io.caucus.sim;

import static io.caucus.sim.Scenarios.proposeAccepted;
import static io.caucus.sim.Scenarios.propose;
import static io.caucus.sim.Scenarios.put;
import static io.caucus.sim.Scenarios.register;
import static io.caucus.sim.Scenarios.valueOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.server.NotLeaderException;
import io.caucus.core.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log replication (Raft paper §5.3) and persistence (Figure 2) in scripted scenarios. */
class ReplicationScenariosTest {

    private static List<NodeId> followersOf(Simulation sim, NodeId leader) {
        List<NodeId> followers = new ArrayList<>(sim.nodeIds());
        followers.remove(leader);
        return followers;
    }

    @Test
    void theClusterAgreesDespiteAFailedFollowerWhichCatchesUpOnRestart() {
        Simulation sim = new Simulation(SimConfig.of(21, 3));
        NodeId leader = sim.awaitLeader(60);
        NodeId failed = followersOf(sim, leader).get(0);
        sim.crash(failed);
        long last = 0;
        for (int i = 0; i < 5; i++) {
            last = proposeAccepted(sim, leader, put("v" + i));
        }
        sim.awaitAllApplied(last, 50);
        assertThat(valueOf(sim.committedEntry(last))).isEqualTo("v4");

        sim.restart(failed);
        sim.awaitAllApplied(last, 50);
        assertThat(sim.node(failed).stateMachine().get("k")).isEqualTo("v4");
    }

    @Test
    void nothingCommitsWithoutAMajorityAndItCommitsOnceOneReturns() {
        Simulation sim = new Simulation(SimConfig.of(22, 5));
        NodeId leader = sim.awaitLeader(60);
        long before = sim.status(leader).commitIndex();
        List<NodeId> followers = followersOf(sim, leader);
        sim.crash(followers.get(0));
        sim.crash(followers.get(1));
        sim.crash(followers.get(2));
        long index = proposeAccepted(sim, leader, put("needs-a-majority"));

        sim.runFor(8); // less than an election timeout: still the leader, but only two of five hold the entry
        assertThat(sim.status(leader).role()).isEqualTo(Role.LEADER);
        assertThat(sim.status(leader).commitIndex()).isEqualTo(before);
        assertThat(sim.committedEntry(index)).isNull();

        sim.restart(followers.get(0));
        sim.awaitLeader(100);
        sim.awaitAllApplied(index, 100);
        assertThat(valueOf(sim.committedEntry(index))).isEqualTo("needs-a-majority");
    }

    @Test
    void concurrentProposalsCommitInOneOrderEverywhereAndFollowersRedirect() {
        Simulation sim = new Simulation(SimConfig.of(23, 5));
        NodeId leader = sim.awaitLeader(60);
        NodeId follower = followersOf(sim, leader).get(0);
        sim.runUntil(() -> leader.equals(sim.status(follower).leader()), 20);
        Proposal redirected = propose(sim, follower, put("to-a-follower"));
        assertThat(redirected.refusal()).isInstanceOfSatisfying(NotLeaderException.class,
                notLeader -> assertThat(notLeader.leader()).isEqualTo(leader));

        List<Long> indexes = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            for (int client = 0; client < 3; client++) {
                indexes.add(proposeAccepted(sim, leader, put("c" + client + "r" + round)));
            }
            sim.runFor(1);
        }
        Proposal batch = propose(sim, leader, put("b1"), put("b2"), put("b3"));
        assertThat(batch.accepted()).isTrue();
        long batchFirst = batch.index();
        indexes.add(batchFirst + 4);
        assertThat(indexes).isSorted().doesNotHaveDuplicates();

        long last = batchFirst + 4;
        sim.awaitAllApplied(last, 100);
        assertThat(valueOf(sim.committedEntry(last))).isEqualTo("b3");
        for (NodeId id : sim.nodeIds()) {
            assertThat(sim.node(id).stateMachine().get("k")).as("state of %s", id).isEqualTo("b3");
        }
    }

    @Test
    void aStaleLeadersUncommittedEntriesAreOverwrittenWhenItRejoins() {
        Simulation sim = new Simulation(SimConfig.of(24, 5));
        NodeId stale = sim.awaitLeader(60);
        List<NodeId> followers = followersOf(sim, stale);
        NodeId companion = followers.get(0);
        List<NodeId> majority = followers.subList(1, 4);
        sim.partitions().partition(List.of(stale, companion), majority);
        List<Long> lost = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lost.add(proposeAccepted(sim, stale, put("lost" + i)));
        }
        NodeId fresh = sim.awaitLeaderAmong(majority, 100);
        long committed = 0;
        for (int i = 0; i < 3; i++) {
            committed = proposeAccepted(sim, fresh, put("kept" + i));
        }
        final long lastKept = committed;
        assertThat(sim.runUntil(() -> sim.committedEntry(lastKept) != null, 50)).isTrue();

        sim.partitions().heal();
        sim.awaitAllApplied(lastKept, 100);
        assertThat(sim.status(stale).role()).isEqualTo(Role.FOLLOWER);
        for (long index : lost) {
            LogEntry applied = sim.committedEntry(index);
            assertThat(applied).isNotNull();
            assertThat(valueOf(applied)).as("index %d", index).doesNotStartWith("lost");
            assertThat(sim.node(stale).core().log().term(index)).isEqualTo(applied.term());
        }
        assertThat(sim.node(stale).stateMachine().get("k")).isEqualTo("kept2");
    }

    /**
     * Figure 7's situation: after a common committed prefix, two followers hold 50 entries of an old term that
     * never committed, while the current leader (elected after its own 50 entries of a later term) starts
     * replicating past both suffixes. With the conflict-term hint (§5.3, end) each follower costs about two
     * rejections (one "log too short", one "conflicting term"), not one per entry.
     */
    @Test
    void fastBacktrackingSkipsADivergentFiftyEntrySuffixInAFewRejections() {
        Simulation sim = new Simulation(SimConfig.of(25, 7));
        NodeId oldLeader = sim.awaitLeader(60);
        long common = 0;
        for (int i = 0; i < 5; i++) {
            common = proposeAccepted(sim, oldLeader, register());
        }
        sim.awaitAllApplied(common, 50);
        List<NodeId> followers = followersOf(sim, oldLeader);
        NodeId companion = followers.get(0);
        List<NodeId> majority = followers.subList(1, 6);
        sim.partitions().partition(List.of(oldLeader, companion), majority);
        for (int i = 0; i < 50; i++) {
            proposeAccepted(sim, oldLeader, register());
        }
        NodeId second = sim.awaitLeaderAmong(majority, 100);
        long last = 0;
        for (int i = 0; i < 50; i++) {
            // The last one is a SET, so the state machines show who won; the rest only count.
            last = i < 49 ? proposeAccepted(sim, second, register()) : proposeAccepted(sim, second, put("majority49"));
        }
        final long lastIndex = last;
        assertThat(sim.runUntil(() -> sim.status(second).commitIndex() >= lastIndex, 100)).isTrue();
        final long minorityEnd = common + 50;
        sim.runUntil(() -> sim.node(companion).core().log().lastIndex() >= minorityEnd, 50);
        assertThat(sim.node(companion).core().log().lastIndex()).as("the companion holds the minority suffix")
                .isEqualTo(common + 50);
        // A leader elected now starts with nextIndex past both followers' logs.
        sim.crash(second);
        List<NodeId> remaining = new ArrayList<>(majority);
        remaining.remove(second);
        NodeId third = sim.awaitLeaderAmong(remaining, 100);
        assertThat(sim.status(third).lastIndex()).isGreaterThan(common + 51);

        long rejectionsBefore = sim.sent(MessageKind.APPEND_ENTRIES_REJECT);
        sim.partitions().heal();
        sim.awaitAllApplied(lastIndex, 200);
        long rejections = sim.sent(MessageKind.APPEND_ENTRIES_REJECT) - rejectionsBefore;
        assertThat(rejections).as("rejections to repair two followers' 50-entry divergent suffixes")
                .isPositive().isLessThanOrEqualTo(8);
        assertThat(sim.node(oldLeader).stateMachine().get("k")).isEqualTo("majority49");
        assertThat(sim.node(companion).stateMachine().get("k")).isEqualTo("majority49");
    }

    @Test
    void committedStateSurvivesFullClusterRestarts() {
        Simulation sim = new Simulation(SimConfig.of(26, 3));
        long last = 0;
        for (int restart = 0; restart < 3; restart++) {
            NodeId leader = sim.awaitLeader(100);
            for (int i = 0; i < 5; i++) {
                last = proposeAccepted(sim, leader, put("r" + restart + "v" + i));
            }
            sim.awaitAllApplied(last, 50);
            for (NodeId id : sim.nodeIds()) {
                sim.crash(id);
            }
            sim.runFor(5);
            for (NodeId id : sim.nodeIds()) {
                sim.restart(id);
                assertThat(sim.node(id).disk().log().lastIndex()).isGreaterThanOrEqualTo(last);
            }
        }
        sim.awaitLeader(100);
        sim.awaitAllApplied(last, 50);
        for (NodeId id : sim.nodeIds()) {
            assertThat(sim.node(id).stateMachine().get("k")).as("rebuilt state of %s", id).isEqualTo("r2v4");
        }
    }

    @Test
    void aFollowerIsolatedOneWayStillCatchesUpAfterHealing() {
        Simulation sim = new Simulation(SimConfig.of(27, 3));
        NodeId leader = sim.awaitLeader(60);
        NodeId deaf = followersOf(sim, leader).get(0);
        sim.partitions().blockOneWay(leader, deaf);
        long last = 0;
        for (int i = 0; i < 5; i++) {
            last = proposeAccepted(sim, leader, put("one-way" + i));
        }
        final long index = last;
        assertThat(sim.runUntil(() -> sim.committedEntry(index) != null, 50)).isTrue();
        sim.partitions().heal();
        sim.awaitLeader(100);
        sim.awaitAllApplied(last, 150);
        assertThat(sim.node(deaf).stateMachine().get("k")).isEqualTo("one-way4");
    }
}
