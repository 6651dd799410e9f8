package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.server.CaucusNode;
import io.caucus.server.Membership;
import io.caucus.server.RecordingStateMachine;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Membership changes through the production runtime (MembershipTracker, TransportPeers) in virtual time: a new
 * node joins as a learner and is promoted, the leader removes itself and the others go on without it, and
 * leadership is handed to a chosen voter (Raft paper §6, thesis §3.10); on the production store, a new learner
 * whose leader has compacted its log starts from the leader's snapshot (§7). Checked before every event: one
 * leader per term (§5.2).
 */
class VirtualTimeMembershipTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final NodeId JOINER = NodeId.of("n4");

    private static final class Cluster {
        final VirtualWorld world;
        final Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        final ClusterConfiguration initial;
        final Map<NodeId, NodeRuntime> running = new LinkedHashMap<>();
        final Map<NodeId, RecordingStateMachine> machines = new HashMap<>();
        final Map<NodeId, LogStore> stores = new HashMap<>();
        final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
        /** The production store on simulated disks, snapshots every few entries; else stores in memory. */
        boolean durable;

        Cluster(long seed) {
            world = new VirtualWorld(seed, Duration.ofMillis(1), Duration.ofMillis(5));
            for (int i = 1; i <= 4; i++) {
                peers.put(NodeId.of("n" + i), InetSocketAddress.createUnresolved("n" + i, 1));
            }
            initial = ClusterConfiguration.ofVoters(Set.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3")));
        }

        /** Starts a node whose log begins from the three original voters (the joiner is not among them). */
        void start(NodeId id) {
            RecordingStateMachine machine = new RecordingStateMachine();
            NodeSettings settings = new NodeSettings(id, peers, Map.of(), null, machine, Duration.ofMillis(20),
                    RaftOptions.DEFAULTS, true, Duration.ofSeconds(10), 1000, 1 << 20, 1024, 4096,
                    TransportOptions.defaults(), VirtualTimeClusterTest.FREQUENT_SNAPSHOTS,
                    CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER);
            NodeEnvironment environment = world.environment(id);
            LogStore store = durable
                    ? world.openStore(id, environment, VirtualTimeClusterTest.SMALL_SEGMENTS, initial)
                    : new MemoryLogStore(new MemoryLogStore.Disk(initial));
            stores.put(id, store);
            running.put(id, NodeRuntime.start(settings, store, initial, PeerDirectory.NO_RESOLVER, environment));
            machines.put(id, machine);
        }

        void crash(NodeId id) {
            world.crash(id);
            running.remove(id);
        }

        Optional<NodeId> leader() {
            return running.entrySet().stream()
                    .filter(node -> node.getValue().status().role() == Role.LEADER)
                    .max((a, b) -> Long.compare(a.getValue().status().term(), b.getValue().status().term()))
                    .map(Map.Entry::getKey);
        }

        boolean runUntil(Supplier<Boolean> condition) {
            return world.runUntil(() -> {
                running.forEach((id, node) -> {
                    if (node.status().role() == Role.LEADER) {
                        NodeId earlier = leaderOfTerm.putIfAbsent(node.status().term(), id);
                        assertThat(earlier).as("the leader of term " + node.status().term()).isIn(null, id);
                    }
                });
                return condition.get();
            }, LIMIT);
        }

        NodeId awaitLeaderAmong(Set<NodeId> candidates) {
            assertThat(runUntil(() -> leader().filter(candidates::contains).isPresent()))
                    .as("a leader among " + candidates).isTrue();
            return leader().orElseThrow();
        }

        /** Asks whoever leads until the change is done; a refusal (a learner still behind, say) is retried. */
        Membership change(java.util.function.Function<NodeRuntime, CompletableFuture<Membership>> request) {
            for (int attempt = 0; attempt < 20; attempt++) {
                NodeId at = awaitLeaderAmong(running.keySet());
                CompletableFuture<Membership> done = request.apply(running.get(at));
                assertThat(runUntil(done::isDone)).as("the change completes").isTrue();
                if (!done.isCompletedExceptionally()) {
                    return done.join();
                }
                world.runUntil(() -> false, Duration.ofMillis(200));
            }
            throw new AssertionError("the change was refused 20 times");
        }

        String submit(String command) {
            for (int attempt = 0; attempt < 20; attempt++) {
                NodeId at = awaitLeaderAmong(running.keySet());
                CompletableFuture<byte[]> result = running.get(at).submit(RecordingStateMachine.bytes(command));
                assertThat(runUntil(result::isDone)).as(command + " completes").isTrue();
                if (!result.isCompletedExceptionally()) {
                    return RecordingStateMachine.text(result.join());
                }
            }
            throw new AssertionError(command + " was refused 20 times");
        }
    }

    @Test
    void aNewLearnerStartsFromTheLeadersSnapshotOnceTheLogIsCompacted() {
        for (long seed = 1; seed <= 3; seed++) {
            Cluster cluster = new Cluster(seed);
            cluster.durable = true;
            cluster.initial.voters().forEach(cluster::start);
            List<String> commands = IntStream.range(0, 30).mapToObj(i -> "c" + i).toList();
            commands.forEach(cluster::submit);
            NodeId leader = cluster.awaitLeaderAmong(cluster.running.keySet());
            assertThat(cluster.runUntil(() -> cluster.stores.get(leader).log().snapshot().lastIncludedIndex() > 0))
                    .as("seed " + seed + ": the leader compacts its log").isTrue();
            cluster.start(JOINER);

            Membership learner = cluster.change(node -> node.addLearner(JOINER, cluster.peers.get(JOINER)));
            assertThat(learner.member(JOINER).orElseThrow().part()).isEqualTo(Membership.Part.LEARNER);
            assertThat(cluster.runUntil(() -> cluster.machines.get(JOINER).applied().equals(commands)))
                    .as("seed " + seed + ": the learner applies every command").isTrue();
            assertThat(cluster.machines.get(JOINER).restoredFrom()).as("seed " + seed + ": from a snapshot")
                    .isNotEmpty();
        }
    }

    @Test
    void aNodeJoinsTheLeaderLeavesAndLeadershipMovesOnRequest() {
        for (long seed = 1; seed <= 10; seed++) {
            Cluster cluster = new Cluster(seed);
            cluster.initial.voters().forEach(cluster::start);
            cluster.submit("before");
            cluster.start(JOINER);

            Membership learner = cluster.change(node -> node.addLearner(JOINER, cluster.peers.get(JOINER)));
            assertThat(learner.member(JOINER).orElseThrow().part()).isEqualTo(Membership.Part.LEARNER);
            Membership voter = cluster.change(node -> node.promote(JOINER));
            assertThat(voter.member(JOINER).orElseThrow().part()).isEqualTo(Membership.Part.VOTER);

            NodeId leaving = cluster.leader().orElseThrow();
            Membership without = cluster.change(node -> node.remove(leaving));
            assertThat(without.member(leaving)).as("seed " + seed).isEmpty();
            cluster.crash(leaving);
            cluster.submit("after");
            assertThat(cluster.runUntil(() -> cluster.running.keySet().stream()
                    .allMatch(id -> cluster.machines.get(id).applied().equals(List.of("before", "after")))))
                    .as("seed " + seed + ": every remaining voter, the joiner included, applies both").isTrue();

            NodeId target = cluster.running.keySet().stream()
                    .filter(id -> !id.equals(cluster.leader().orElseThrow())).findFirst().orElseThrow();
            cluster.change(node -> node.transferLeadership(target));
            assertThat(cluster.runUntil(() -> cluster.leader().filter(target::equals).isPresent()))
                    .as("seed " + seed + ": leadership moves to " + target).isTrue();
        }
    }
}
