package io.caucus.server;

import static io.caucus.server.RecordingStateMachine.bytes;
import static io.caucus.server.RecordingStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.core.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real nodes (real storage in a temporary directory, real transport on loopback) through the public API. */
class CaucusNodeClusterTest {

    @TempDir
    Path dataRoot;

    private LocalCluster cluster(int size, Duration requestTimeout) {
        return new LocalCluster(size, (id, peers, machine) -> CaucusNode.builder()
                .id(id.value())
                .peers(peers)
                .clientAddresses(clientAddresses(peers.keySet()))
                .dataDirectory(dataRoot.resolve(id.value()))
                .stateMachine(machine)
                .tickInterval(Duration.ofMillis(20))
                .requestTimeout(requestTimeout)
                .start());
    }

    /** Made-up client addresses: metadata the runtime hands out, never dialled. */
    private static java.util.Map<NodeId, java.net.InetSocketAddress> clientAddresses(java.util.Set<NodeId> ids) {
        java.util.Map<NodeId, java.net.InetSocketAddress> addresses = new java.util.HashMap<>();
        for (NodeId id : ids) {
            addresses.put(id, java.net.InetSocketAddress.createUnresolved("client-" + id, 6379));
        }
        return addresses;
    }

    private LocalCluster cluster(int size) {
        return cluster(size, Duration.ofSeconds(10));
    }

    @Test
    void threeNodesElectALeaderAndApplyWritesOnEveryNode() {
        try (LocalCluster cluster = cluster(3).startAll()) {
            List<String> written = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String result = cluster.submitAtLeader("w" + i);
                assertThat(result).startsWith("applied:");
                written.add("w" + i);
            }
            for (NodeId id : cluster.ids()) {
                cluster.awaitApplied(id, written);
            }
        }
    }

    @Test
    void concurrentSubmitsAllApplyOnceInTheSameOrderEverywhere() throws Exception {
        try (LocalCluster cluster = cluster(3).startAll()) {
            CaucusNode leader = cluster.awaitLeader();
            int threads = 4;
            int perThread = 50;
            List<CompletableFuture<byte[]>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> submitters = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                submitters.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        futures.add(leader.submit(bytes("t" + thread + "-" + i)));
                    }
                }));
            }
            for (Thread submitter : submitters) {
                submitter.join();
            }
            java.util.Set<String> results = new java.util.HashSet<>();
            for (CompletableFuture<byte[]> future : futures) {
                results.add(text(future.get(30, TimeUnit.SECONDS)));
            }
            assertThat(results).hasSize(threads * perThread); // each at its own index

            List<String> order = cluster.machine(leader.id()).applied();
            assertThat(order).hasSize(threads * perThread).doesNotHaveDuplicates();
            for (NodeId id : cluster.ids()) {
                cluster.awaitApplied(id, order);
            }

            RuntimeMetrics atLeader = leader.metrics();
            assertThat(atLeader.proposals()).isEqualTo(threads * perThread);
            assertThat(atLeader.logWrites()).isPositive().isLessThanOrEqualTo(atLeader.nodeTurns());
            assertThat(atLeader.logSyncs()).isPositive().isLessThanOrEqualTo(atLeader.logWrites())
                    .isLessThan(atLeader.proposals()); // group commit: commands queued together share an fsync
            long[] syncsByBound = atLeader.logSyncDurations().cumulativeCounts(); // read later, so at least as many
            assertThat(syncsByBound[syncsByBound.length - 1]).isGreaterThanOrEqualTo(atLeader.logSyncs());
            assertThat(atLeader.applyBatches()).isPositive();
            assertThat(atLeader.transport().messagesSent()).isPositive();
            for (CaucusNode node : cluster.runningNodes()) {
                if (!node.id().equals(leader.id())) {
                    assertThat(node.metrics().proposals()).isZero();
                    assertThat(node.metrics().logSyncs()).isPositive();
                    assertThat(node.metrics().transport().messagesReceived()).isPositive();
                }
            }
        }
    }

    @Test
    void aReadAtTheLeaderSeesEveryAcknowledgedWrite() throws Exception {
        try (LocalCluster cluster = cluster(3).startAll()) {
            for (int i = 1; i <= 3; i++) {
                cluster.submitAtLeader("w" + i);
                CaucusNode leader = cluster.awaitLeader();
                String count = text(leader.read(bytes("count")).get(30, TimeUnit.SECONDS));
                assertThat(count).isEqualTo(Integer.toString(i));
            }
        }
    }

    @Test
    void aFollowerRefusesSubmitsNamingTheLeader() {
        try (LocalCluster cluster = cluster(3).startAll()) {
            CaucusNode leader = cluster.awaitLeader();
            CaucusNode follower = cluster.runningNodes().stream()
                    .filter(node -> !node.id().equals(leader.id())).findFirst().orElseThrow();

            assertThatThrownBy(() -> follower.submit(bytes("x")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(NotLeaderException.class, e -> {
                        assertThat(e.leader()).isEqualTo(leader.id());
                        assertThat(e.leaderClientAddress()).contains(
                                java.net.InetSocketAddress.createUnresolved("client-" + leader.id(), 6379));
                        assertThat(e.outcomeKnown()).isTrue();
                    });
            assertThat(cluster.machine(follower.id()).applied()).doesNotContain("x");
        }
    }

    @Test
    void aFollowerServesLinearizableReadsFromItsOwnStateMachine() throws Exception {
        try (LocalCluster cluster = cluster(3).startAll()) {
            CaucusNode leader = cluster.awaitLeader();
            List<CaucusNode> followers = cluster.runningNodes().stream()
                    .filter(node -> !node.id().equals(leader.id())).toList();
            for (int i = 1; i <= 20; i++) {
                leader.submit(bytes("w" + i)).get(30, TimeUnit.SECONDS);
                // Acknowledged before the read starts, so each follower's read must see it (thesis §6.4.1).
                for (CaucusNode follower : followers) {
                    assertThat(text(follower.read(bytes("count")).get(30, TimeUnit.SECONDS)))
                            .as("count read at %s after write %d", follower.id(), i).isEqualTo(String.valueOf(i));
                }
            }
        }
    }

    @Test
    void closingTheLeaderElectsANewOneAndLosesNoAcknowledgedWrite() throws Exception {
        try (LocalCluster cluster = cluster(3).startAll()) {
            List<String> acknowledged = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                cluster.submitAtLeader("before" + i);
                acknowledged.add("before" + i);
            }
            NodeId oldLeader = cluster.awaitLeader().id();
            cluster.stop(oldLeader);

            CaucusNode newLeader = cluster.awaitLeader();
            assertThat(newLeader.id()).isNotEqualTo(oldLeader);
            for (int i = 0; i < 3; i++) {
                cluster.submitAtLeader("after" + i);
                acknowledged.add("after" + i);
            }
            for (CaucusNode node : cluster.runningNodes()) {
                cluster.awaitApplied(node.id(), acknowledged);
            }
            String count = text(cluster.awaitLeader().read(bytes("count")).get(30, TimeUnit.SECONDS));
            assertThat(count).isEqualTo(Integer.toString(acknowledged.size()));

            cluster.start(oldLeader); // same data directory: it recovers its log and catches up
            cluster.awaitApplied(oldLeader, acknowledged);
        }
    }

    @Test
    void closingTheLeaderUnderLoadReportsEveryOutcomeHonestly() throws Exception {
        try (LocalCluster cluster = cluster(3).startAll()) {
            CaucusNode leader = cluster.awaitLeader();
            List<String> commands = new ArrayList<>();
            List<CompletableFuture<byte[]>> futures = new ArrayList<>();
            Thread stopper = null;
            for (int i = 0; i < 300; i++) {
                commands.add("c" + i);
                futures.add(leader.submit(bytes("c" + i)));
                if (i == 100) {
                    futures.get(50).get(30, TimeUnit.SECONDS); // some are surely done; many are in flight
                    stopper = Thread.ofPlatform().start(() -> cluster.stop(leader.id()));
                }
            }
            List<String> succeeded = new ArrayList<>();
            List<String> knownNotApplied = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                try {
                    futures.get(i).get(30, TimeUnit.SECONDS);
                    succeeded.add(commands.get(i));
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(CaucusException.class);
                    if (((CaucusException) e.getCause()).outcomeKnown()) {
                        knownNotApplied.add(commands.get(i));
                    }
                }
            }
            assertThat(succeeded).hasSizeGreaterThan(50);

            stopper.join();
            cluster.submitAtLeader("end");
            for (CaucusNode survivor : cluster.runningNodes()) {
                await(survivor.id() + " to apply the barrier").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                        .until(() -> cluster.machine(survivor.id()).applied().contains("end"));
                List<String> applied = cluster.machine(survivor.id()).applied();
                assertThat(applied).doesNotHaveDuplicates()
                        .containsAll(succeeded);                            // nothing acknowledged is lost
                assertThat(applied).filteredOn(knownNotApplied::contains).isEmpty(); // "known" means not applied
            }
        }
    }

    @Test
    void restartingTheWholeClusterKeepsEveryAcknowledgedWrite() {
        List<String> acknowledged = new ArrayList<>();
        try (LocalCluster cluster = cluster(3).startAll()) {
            for (int i = 0; i < 5; i++) {
                cluster.submitAtLeader("w" + i);
                acknowledged.add("w" + i);
            }
            for (NodeId id : cluster.ids()) {
                cluster.stop(id);
            }
            cluster.startAll();
            cluster.submitAtLeader("after-restart");
            acknowledged.add("after-restart");
            for (NodeId id : cluster.ids()) {
                cluster.awaitApplied(id, acknowledged);
            }
        }
    }

    @Test
    void withTwoOfThreeClosedNothingIsAcknowledged() throws Exception {
        try (LocalCluster cluster = cluster(3, Duration.ofSeconds(3)).startAll()) {
            cluster.submitAtLeader("w0");
            CaucusNode leader = cluster.awaitLeader();
            for (NodeId id : cluster.ids()) {
                if (!id.equals(leader.id())) {
                    cluster.stop(id);
                }
            }
            // The lone leader still thinks it leads (until CheckQuorum demotes it), so these may be accepted
            // but can never commit: each must fail, never succeed.
            List<CompletableFuture<byte[]>> attempts = new ArrayList<>();
            attempts.add(leader.submit(bytes("lost-at-old-leader")));
            await("the lone leader to step down").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                    .until(() -> leader.status().role() != Role.LEADER);
            attempts.add(leader.submit(bytes("refused-without-leader")));
            for (CompletableFuture<byte[]> attempt : attempts) {
                assertThatThrownBy(() -> attempt.get(30, TimeUnit.SECONDS))
                        .cause().isInstanceOfAny(NoLeaderException.class, NotLeaderException.class,
                                OutcomeUnknownException.class);
            }
            assertThat(cluster.machine(leader.id()).applied()).containsExactly("w0");
        }
    }

    @Test
    void aFollowerLeftAloneRefusesWithKnownOutcomeAndAppliesNothing() throws Exception {
        try (LocalCluster cluster = cluster(3, Duration.ofSeconds(3)).startAll()) {
            cluster.submitAtLeader("w0");
            CaucusNode leader = cluster.awaitLeader();
            CaucusNode survivor = cluster.runningNodes().stream()
                    .filter(node -> !node.id().equals(leader.id())).findFirst().orElseThrow();
            cluster.awaitApplied(survivor.id(), List.of("w0"));
            for (NodeId id : cluster.ids()) {
                if (!id.equals(survivor.id())) {
                    cluster.stop(id);
                }
            }
            for (int attempt = 0; attempt < 3; attempt++) {
                CompletableFuture<byte[]> refused = survivor.submit(bytes("never" + attempt));
                assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS))
                        .cause().isInstanceOfAny(NoLeaderException.class, NotLeaderException.class)
                        .satisfies(e -> assertThat(((CaucusException) e).outcomeKnown()).isTrue());
            }
            assertThatThrownBy(() -> survivor.read(bytes("count")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOfAny(NoLeaderException.class, NotLeaderException.class);
            assertThat(cluster.machine(survivor.id()).applied()).containsExactly("w0");
        }
    }

    @Test
    void aSingleNodeClusterCommitsAloneAndSurvivesARestart() throws Exception {
        try (LocalCluster cluster = cluster(1).startAll()) {
            NodeId only = NodeId.of("n1");
            assertThat(cluster.submitAtLeader("a")).isEqualTo("applied:2"); // index 1 is the leader's no-op
            cluster.submitAtLeader("b");
            assertThat(text(cluster.node(only).read(bytes("all")).get(30, TimeUnit.SECONDS))).isEqualTo("a,b");

            cluster.stop(only);
            cluster.start(only);
            cluster.submitAtLeader("c");
            cluster.awaitApplied(only, List.of("a", "b", "c"));
        }
    }
}
