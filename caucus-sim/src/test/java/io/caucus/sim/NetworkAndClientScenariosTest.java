package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.sim.client.ClientWorkload;
import io.caucus.sim.linearizability.CheckResult;
import io.caucus.sim.linearizability.LinearizabilityChecker;
import io.caucus.sim.linearizability.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad networks, clients under churn, and message economy. */
class NetworkAndClientScenariosTest {

    private static final List<String> KEYS = List.of("a", "b", "c");

    private static void assertLinearizable(ClientWorkload clients) {
        CheckResult result = LinearizabilityChecker.check(clients.history(), 5_000_000,
                ClientWorkload.MICROS_PER_MILLI);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void lossyDuplicatingReorderingNetworksStillCommitLinearizably() {
        SimConfig config = SimConfig.of(31, 5).withNetwork(NetworkProfile.RELIABLE.withDelays(100, 2500)
                .withLoss(0.2).withDuplication(0.1).withReordering(0.3));
        Simulation sim = new Simulation(config);
        ClientWorkload clients = new ClientWorkload(sim, 4, KEYS, 80);
        clients.start();
        sim.runFor(800);
        clients.stop();
        assertThat(sim.runUntil(clients::isIdle, 200)).isTrue();
        assertThat(sim.dropped(MessageKind.APPEND_ENTRIES) + sim.dropped(MessageKind.HEARTBEAT)).isPositive();
        assertThat(clients.okCount()).as("operations acknowledged through 20% loss").isGreaterThan(50);
        assertLinearizable(clients);
    }

    @Test
    void clientsThroughLeaderChurnSeeALinearizableHistory() {
        Simulation sim = new Simulation(SimConfig.of(32, 5));
        ClientWorkload clients = new ClientWorkload(sim, 5, KEYS, 60);
        clients.start();
        for (int round = 0; round < 8; round++) {
            sim.runFor(60);
            NodeId leader = sim.awaitLeader(100);
            if (round % 2 == 0) {
                sim.crash(leader);
                sim.runFor(30);
                sim.restart(leader);
            } else {
                sim.partitions().isolate(leader);
                sim.runFor(30);
                sim.partitions().heal();
            }
        }
        clients.stop();
        sim.awaitLeader(100);
        assertThat(sim.runUntil(() -> clients.isIdle() && RandomFaultRun.acknowledgedEverywhere(sim, clients), 200))
                .as("every acknowledged write reaches every node").isTrue();
        assertThat(clients.okCount()).isGreaterThan(100);
        assertThat(clients.unknownCount() + clients.failedCount()).as("churn leaves some outcomes open").isPositive();
        assertLinearizable(clients);
    }

    @Test
    void anElectionInAHealthyClusterTakesFewVoteMessages() {
        for (int size : new int[] {3, 5}) {
            Simulation sim = new Simulation(SimConfig.of(33, size));
            sim.awaitLeader(60);
            long requests = sim.sent(MessageKind.PRE_VOTE) + sim.sent(MessageKind.REQUEST_VOTE);
            long responses = sim.sent(MessageKind.PRE_VOTE_RESPONSE) + sim.sent(MessageKind.REQUEST_VOTE_RESPONSE);
            // One pre-vote round and one vote round by one candidate: 2 (N-1) requests; allow one split round.
            assertThat(requests).as("vote requests for %d nodes", size).isLessThanOrEqualTo(4L * (size - 1));
            assertThat(responses).isLessThanOrEqualTo(requests);
        }
    }

    @Test
    void idleHeartbeatTrafficIsBoundedPerTick() {
        for (int size : new int[] {3, 5}) {
            Simulation sim = new Simulation(SimConfig.of(34, size));
            sim.awaitLeader(60);
            sim.runFor(20); // let the election's catch-up traffic finish
            long before = sim.totalSent();
            long preVotesBefore = sim.sent(MessageKind.PRE_VOTE);
            long ticks = 200;
            sim.runFor(ticks);
            long perTickBound = 2L * (size - 1); // a heartbeat and its response per follower
            assertThat(sim.totalSent() - before).as("messages in %d idle ticks, %d nodes", ticks, size)
                    .isLessThanOrEqualTo(ticks * perTickBound + perTickBound)
                    .isGreaterThanOrEqualTo(ticks * (size - 1) / 2);
            assertThat(sim.sent(MessageKind.PRE_VOTE)).as("no elections while idle").isEqualTo(preVotesBefore);
        }
    }

    @Test
    void aSeedReproducesItsRunExactly() {
        RandomFaultRun.Result first = RandomFaultRun.run(77, 300);
        RandomFaultRun.Result again = RandomFaultRun.run(77, 300);
        RandomFaultRun.Result other = RandomFaultRun.run(78, 300);
        assertThat(again).isEqualTo(first);
        assertThat(other.events()).isNotEqualTo(first.events());
    }
}
