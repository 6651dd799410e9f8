package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.server.CaucusNode;
import io.caucus.server.RecordingStateMachine;
import io.caucus.server.SnapshotOptions;
import io.caucus.storage.StorageOptions;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The production runtime (NodeRuntime, NodeLoop, Applier, Completions, MembershipTracker, and with the
 * production store the snapshot taker and streams) run by a {@link VirtualWorld}: three nodes on one thread in
 * virtual time, no sockets and no threads of their own. The runs elect, replicate, lose the leader and catch the
 * restarted node up, by log or by the leader's snapshot; a seed reproduces a run exactly.
 */
class VirtualTimeClusterTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    /** Small segments and snapshots every few entries, sent in chunks of 1 KiB, two in flight. */
    static final StorageOptions SMALL_SEGMENTS = StorageOptions.DEFAULTS.withSegmentBytes(8192);
    static final SnapshotOptions FREQUENT_SNAPSHOTS = SnapshotOptions.DEFAULTS.withThresholds(10, 0)
            .withChunking(1024, 2).withTransferTimeout(Duration.ofSeconds(2));

    /** Three nodes, their in-memory or simulated disks surviving crashes, in one virtual world. */
    private static final class Cluster {
        final VirtualWorld world;
        final boolean durable;
        final Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        final Map<NodeId, MemoryLogStore.Disk> disks = new LinkedHashMap<>();
        final Map<NodeId, NodeRuntime> running = new LinkedHashMap<>();
        final Map<NodeId, LogStore> stores = new LinkedHashMap<>();
        final Map<NodeId, RecordingStateMachine> machines = new LinkedHashMap<>();

        Cluster(long seed) {
            this(seed, false);
        }

        /** With {@code durable}, the production store on simulated disks, snapshotting every few entries. */
        Cluster(long seed, boolean durable) {
            this.durable = durable;
            world = new VirtualWorld(seed, Duration.ofMillis(1), Duration.ofMillis(5));
            for (int i = 1; i <= 3; i++) {
                peers.put(NodeId.of("n" + i), InetSocketAddress.createUnresolved("n" + i, 1));
            }
            ClusterConfiguration configuration = ClusterConfiguration.ofVoters(peers.keySet());
            peers.keySet().forEach(id -> disks.put(id, new MemoryLogStore.Disk(configuration)));
        }

        void start(NodeId id) {
            RecordingStateMachine machine = new RecordingStateMachine();
            NodeSettings settings = new NodeSettings(id, peers, Map.of(), null, machine, Duration.ofMillis(20),
                    RaftOptions.DEFAULTS, true, Duration.ofSeconds(10), 1000, 1 << 20, 1024, 4096,
                    TransportOptions.defaults(), FREQUENT_SNAPSHOTS, CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER);
            ClusterConfiguration bootstrap = ClusterConfiguration.ofVoters(peers.keySet());
            NodeEnvironment environment = world.environment(id);
            LogStore store = durable ? world.openStore(id, environment, SMALL_SEGMENTS, bootstrap)
                    : new MemoryLogStore(disks.get(id));
            stores.put(id, store);
            running.put(id, NodeRuntime.start(settings, store, bootstrap, PeerDirectory.NO_RESOLVER, environment));
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

        NodeId awaitLeader() {
            assertThat(world.runUntil(() -> leader().isPresent(), LIMIT)).as("a leader is elected").isTrue();
            return leader().orElseThrow();
        }

        String submit(NodeId at, String command) {
            CompletableFuture<byte[]> result = running.get(at).submit(RecordingStateMachine.bytes(command));
            assertThat(world.runUntil(result::isDone, LIMIT)).as(command + " completes").isTrue();
            return RecordingStateMachine.text(result.join());
        }

        void awaitAllApplied(List<String> commands) {
            assertThat(world.runUntil(() -> running.keySet().stream()
                    .allMatch(id -> machines.get(id).applied().equals(commands)), LIMIT))
                    .as("every running node applies " + commands).isTrue();
        }
    }

    /** Elects, commits, crashes the leader, commits under the next one, restarts the old one; the run's trace. */
    private static List<String> run(long seed) {
        Cluster cluster = new Cluster(seed);
        cluster.peers.keySet().forEach(cluster::start);
        NodeId first = cluster.awaitLeader();
        assertThat(cluster.submit(first, "a")).startsWith("applied:");
        cluster.awaitAllApplied(List.of("a"));
        cluster.crash(first);
        NodeId second = cluster.awaitLeader();
        assertThat(second).isNotEqualTo(first);
        assertThat(cluster.submit(second, "b")).startsWith("applied:");
        cluster.start(first);
        cluster.awaitAllApplied(List.of("a", "b"));
        List<String> trace = new ArrayList<>(cluster.world.trace());
        trace.add("events " + cluster.world.eventsRun() + " at " + cluster.world.now());
        return trace;
    }

    /**
     * A follower down while the leader writes 60 commands, snapshots and compacts its log past the follower's,
     * then restarted: it can only catch up by the leader's snapshot, streamed in chunks and installed (§7).
     */
    private static List<String> catchUpBySnapshot(long seed) {
        Cluster cluster = new Cluster(seed, true);
        cluster.peers.keySet().forEach(cluster::start);
        NodeId leader = cluster.awaitLeader();
        NodeId lagging = cluster.peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        long laggingLastIndex = cluster.stores.get(lagging).log().lastIndex();
        cluster.crash(lagging);
        List<String> commands = IntStream.range(0, 60).mapToObj(i -> "c" + i + "-" + "x".repeat(100)).toList();
        List<CompletableFuture<byte[]>> results = commands.stream()
                .map(command -> cluster.running.get(leader).submit(RecordingStateMachine.bytes(command))).toList();
        assertThat(cluster.world.runUntil(() -> results.stream().allMatch(CompletableFuture::isDone), LIMIT))
                .as("the writes complete").isTrue();
        assertThat(results).allSatisfy(result -> assertThat(result).isCompletedWithValueMatching(
                value -> RecordingStateMachine.text(value).startsWith("applied:")));
        LogStore leaderStore = cluster.stores.get(leader);
        assertThat(cluster.world.runUntil(
                () -> leaderStore.log().snapshot().lastIncludedIndex() > laggingLastIndex + 1, LIMIT))
                .as("the leader compacts its log past the lagging follower's").isTrue();

        cluster.start(lagging);
        cluster.awaitAllApplied(commands);
        assertThat(cluster.world.runUntil(() -> cluster.world.trace().stream()
                .anyMatch(line -> line.contains("Ack[" + lagging + "->" + leader) && line.contains("INSTALLED")),
                LIMIT)).as("the follower reports the snapshot installed").isTrue();
        assertThat(cluster.machines.get(lagging).restoredFrom()).as("restored from the leader's snapshot")
                .isNotEmpty();
        assertThat(cluster.stores.get(lagging).snapshotStore().latest()).isPresent();
        List<String> trace = new ArrayList<>(cluster.world.trace());
        assertThat(trace).as("the snapshot came in chunks, each acknowledged")
                .anyMatch(line -> line.contains("Chunk[" + leader + "->" + lagging))
                .anyMatch(line -> line.contains("Ack[" + lagging + "->" + leader) && line.contains("ACCEPTED"));
        trace.add("events " + cluster.world.eventsRun() + " at " + cluster.world.now());
        return trace;
    }

    @Test
    void aLaggingFollowerCatchesUpByInstallingTheLeadersSnapshotInVirtualTime() {
        for (long seed = 1; seed <= 5; seed++) {
            assertThat(catchUpBySnapshot(seed)).as("seed " + seed).isNotEmpty();
        }
    }

    @Test
    void aSeedReproducesASnapshotInstallEventForEvent() {
        List<String> first = catchUpBySnapshot(42);
        assertThat(catchUpBySnapshot(42)).isEqualTo(first);
        assertThat(catchUpBySnapshot(43)).isNotEqualTo(first);
    }

    @Test
    void theRuntimeElectsReplicatesAndRecoversFromACrashInVirtualTime() {
        for (long seed = 1; seed <= 20; seed++) {
            assertThat(run(seed)).as("seed " + seed).isNotEmpty();
        }
    }

    @Test
    void aSeedReproducesItsRunEventForEvent() {
        List<String> first = run(42);
        assertThat(run(42)).isEqualTo(first);
        // The seed drives the run: another one times elections and deliveries differently.
        assertThat(IntStream.of(43, 44).mapToObj(seed -> run(seed)).collect(Collectors.toList()))
                .allSatisfy(other -> assertThat(other).isNotEqualTo(first));
    }
}
