package io.caucus.sim;

import static io.caucus.sim.Scenarios.n;
import static io.caucus.sim.Scenarios.nodes;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Leader election (Raft paper §5.2, thesis §9.6 Pre-Vote, §6.2 CheckQuorum) in scripted scenarios. */
class ElectionScenariosTest {

    @Test
    void aFreshClusterElectsOneLeaderThatEveryoneFollows() {
        for (int size : new int[] {3, 5, 7}) {
            Simulation sim = new Simulation(SimConfig.of(11, size));
            NodeId leader = sim.awaitLeader(60);
            long term = sim.status(leader).term();
            boolean allFollow = sim.runUntil(() -> sim.nodeIds().stream().allMatch(id -> {
                NodeStatus status = sim.status(id);
                return leader.equals(status.leader()) && status.term() == term;
            }), 20);
            assertThat(allFollow).as("every node of %d follows %s in term %d", size, leader, term).isTrue();
            assertThat(sim.leaders()).containsExactly(leader);
        }
    }

    @Test
    void anIsolatedLeaderIsReplacedStepsDownAndRejoinsAsFollower() {
        Simulation sim = new Simulation(SimConfig.of(12, 5));
        NodeId old = sim.awaitLeader(60);
        long oldTerm = sim.status(old).term();
        sim.partitions().isolate(old);

        boolean replaced = sim.runUntil(() -> sim.leaders().stream()
                .anyMatch(id -> !id.equals(old) && sim.status(id).term() > oldTerm), 100);
        assertThat(replaced).as("the connected majority elects a new leader").isTrue();
        NodeId fresh = sim.leader().orElseThrow();
        long freshTerm = sim.status(fresh).term();

        // CheckQuorum: cut off from a majority for an election timeout, the old leader steps down on its own.
        boolean steppedDown = sim.runUntil(() -> sim.status(old).role() != Role.LEADER, 40);
        assertThat(steppedDown).as("the isolated leader steps down").isTrue();
        // Pre-Vote: while isolated it cannot win pre-votes, so it does not inflate its term.
        assertThat(sim.status(old).term()).isLessThanOrEqualTo(freshTerm);

        sim.partitions().heal();
        boolean adopted = sim.runUntil(() -> fresh.equals(sim.status(old).leader())
                && sim.status(old).term() == sim.status(fresh).term(), 40);
        assertThat(adopted).as("the old leader adopts the new leader after healing").isTrue();
        assertThat(sim.leader()).contains(fresh);
        assertThat(sim.status(fresh).term()).as("rejoining disrupts nothing").isEqualTo(freshTerm);
    }

    @Test
    void noLeaderWithoutAQuorumAndNoTermInflation() {
        Simulation sim = new Simulation(SimConfig.of(13, 5));
        NodeId leader = sim.awaitLeader(60);
        List<NodeId> others = new ArrayList<>(sim.nodeIds());
        others.remove(leader);
        sim.crash(others.get(0));
        sim.crash(others.get(1));
        sim.crash(others.get(2));
        long term = sim.status(leader).term();

        sim.runFor(300);
        assertThat(sim.leaders()).as("two of five cannot keep or elect a leader").isEmpty();
        for (NodeId id : sim.upNodes()) {
            assertThat(sim.status(id).term()).as("pre-votes fail, so %s keeps its term", id).isEqualTo(term);
        }

        sim.restart(others.get(0));
        NodeId next = sim.awaitLeader(100);
        assertThat(sim.status(next).term()).isGreaterThan(term);
    }

    @Test
    void sevenNodesSurviveManySuccessiveElections() {
        Simulation sim = new Simulation(SimConfig.of(14, 7));
        long lastTerm = 0;
        for (int round = 0; round < 12; round++) {
            NodeId leader = sim.awaitLeader(100);
            long term = sim.status(leader).term();
            assertThat(term).as("round %d elects in a newer term", round).isGreaterThan(lastTerm);
            lastTerm = term;
            if (round % 2 == 0) {
                sim.partitions().isolate(leader);
                sim.runUntil(() -> sim.leaders().stream().anyMatch(id -> sim.status(id).term() > term), 100);
                sim.partitions().heal();
            } else {
                sim.crash(leader);
                sim.runUntil(() -> sim.leaders().stream().anyMatch(id -> sim.status(id).term() > term), 100);
                sim.restart(leader);
            }
        }
        // Election Safety over all those terms is checked after every event by the simulation itself.
        assertThat(sim.invariantChecks()).isPositive();
    }

    @Test
    void aNodeThatMissedACommittedEntryCannotWinTheNextElection() {
        Simulation sim = new Simulation(SimConfig.of(15, 5));
        NodeId leader = sim.awaitLeader(60);
        NodeId laggard = sim.nodeIds().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        sim.partitions().isolate(laggard);
        long index = Scenarios.proposeAccepted(sim, leader, Scenarios.put("committed-without-laggard"));
        sim.runUntil(() -> sim.committedEntry(index) != null, 50);
        assertThat(sim.committedEntry(index)).isNotNull();

        sim.crash(leader);
        sim.partitions().heal();
        // Only the laggard may ask for votes: it campaigns round after round and loses every one (§5.4.1).
        sim.dropMessages(m -> Scenarios.voteRequestFromOtherThan(m, laggard));
        long preVotes = sim.sent(MessageKind.PRE_VOTE);
        sim.runFor(10L * sim.config().options().electionTimeoutTicks());
        assertThat(sim.sent(MessageKind.PRE_VOTE)).as("the laggard campaigned").isGreaterThan(preVotes);
        assertThat(sim.leaders()).as("nobody votes for a log missing a committed entry").isEmpty();
        sim.stopDroppingMessages();
        boolean elected = sim.runUntil(() -> sim.leader().isPresent(), 200);
        assertThat(elected).isTrue();
        assertThat(sim.leader().orElseThrow()).as("the first leader after the crash").isNotEqualTo(laggard);
        // Leader Completeness (checked on every new leader) guarantees the entry survived.
        sim.awaitAllApplied(index, 100);
    }

    @Test
    void aMinorityPartitionKeepsItsTermWhileTheMajorityElects() {
        Simulation sim = new Simulation(SimConfig.of(16, 5));
        sim.awaitLeader(60);
        long termBefore = sim.status(n(1)).term();
        sim.partitions().partition(nodes(1, 2), nodes(3, 4, 5));
        boolean majorityLeader = sim.runUntil(() -> sim.leaders().stream().anyMatch(nodes(3, 4, 5)::contains)
                && sim.leaders().stream().noneMatch(nodes(1, 2)::contains), 100);
        assertThat(majorityLeader).as("a leader in {n3,n4,n5} and none in {n1,n2}").isTrue();
        sim.runFor(100);
        assertThat(sim.leaders()).allMatch(id -> nodes(3, 4, 5).contains(id));
        assertThat(sim.status(n(1)).role()).isNotEqualTo(Role.LEADER);
        assertThat(sim.status(n(1)).term()).as("pre-votes fail in the minority").isLessThanOrEqualTo(termBefore + 1);
    }
}
