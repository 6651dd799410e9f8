package io.caucus.sim;

import static io.caucus.sim.Scenarios.n;
import static io.caucus.sim.Scenarios.proposeAccepted;
import static io.caucus.sim.Scenarios.propose;
import static io.caucus.sim.Scenarios.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Partial partitions where some nodes hear the leader and others do not. Pre-Vote and leader stickiness
 * (thesis §9.6, §4.2.3) must keep a leader that reaches a majority in place: the nodes that cannot hear it
 * cannot win pre-votes, so they never raise terms and depose it, and commits keep flowing.
 */
class PartitionShapesScenarioTest {

    /** Proposes one command per round at whoever leads and checks that each commits. */
    private static void assertCommitsKeepFlowing(Simulation sim, int rounds) {
        for (int round = 0; round < rounds; round++) {
            NodeId leader = sim.awaitLeader(100);
            Proposal result = propose(sim, leader, put("round" + round));
            if (result.accepted()) {
                boolean committed = sim.runUntil(() -> sim.committedEntry(result.index()) != null, 60);
                assertThat(committed).as("round %d: index %d commits", round, result.index()).isTrue();
            }
            sim.runFor(10);
        }
    }

    @Test
    void aRingOfOverlappingMajoritiesKeepsOneLeaderAndCommits() {
        Simulation sim = new Simulation(SimConfig.of(41, 5));
        NodeId leader = sim.awaitLeader(60);
        long term = sim.status(leader).term();
        proposeAccepted(sim, leader, put("before-ring"));
        sim.partitions().ring(List.of(n(1), n(2), n(3), n(4), n(5)));
        assertCommitsKeepFlowing(sim, 10);
        assertThat(sim.leader()).as("the leader reaches its two neighbours: a majority").contains(leader);
        assertThat(sim.status(leader).term()).as("nodes out of its reach never depose it").isEqualTo(term);
    }

    @Test
    void aBridgeNodeJoiningTwoHalvesKeepsTheClusterCommitting() {
        Simulation sim = new Simulation(SimConfig.of(42, 5));
        NodeId leader = sim.awaitLeader(60);
        long term = sim.status(leader).term();
        List<NodeId> others = sim.nodeIds().stream().filter(id -> !id.equals(leader)).toList();
        // The leader sits on one side with one follower; the bridge links it to the far side.
        sim.partitions().bridge(List.of(leader, others.get(0)), others.get(1), List.of(others.get(2), others.get(3)));
        assertCommitsKeepFlowing(sim, 10);
        assertThat(sim.leader()).contains(leader);
        assertThat(sim.status(leader).term()).isEqualTo(term);

        sim.partitions().heal();
        long last = sim.highestCommittedIndex();
        sim.awaitAllApplied(last, 100);
    }
}
