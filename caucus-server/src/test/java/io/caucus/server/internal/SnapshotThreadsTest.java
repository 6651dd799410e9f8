package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.server.CaucusNode;
import io.caucus.server.LocalCluster;
import io.caucus.storage.Disk;
import io.caucus.storage.DiskFile;
import io.caucus.storage.SimulatedDisk;
import io.caucus.transport.TransportOptions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The snapshot machinery on production workers (a thread each): a follower that missed compacted entries catches
 * up by the leader's snapshot, and every snapshot file is touched on a snapshot worker, the applier, or the thread
 * that opens the store, never on a node's executor, whose turns must not wait for the disk.
 */
class SnapshotThreadsTest {

    /** Who created, opened, renamed or deleted a snapshot file: thread names, as recorded by the disk. */
    private final Set<String> snapshotFileThreads = ConcurrentHashMap.newKeySet();
    private final Disk disk = new RecordingDisk(new SimulatedDisk(), snapshotFileThreads);

    @Test
    void aLaggingFollowerInstallsTheLeadersSnapshotAndNoSnapshotFileIsTouchedOnANodesExecutor() throws Exception {
        InProcessNetwork network = new InProcessNetwork();
        try (LocalCluster cluster = new LocalCluster(3, (id, peers, machine) -> {
            NodeSettings settings = new NodeSettings(id, peers, Map.of(), null, machine, Duration.ofMillis(20),
                    RaftOptions.DEFAULTS, true, Duration.ofSeconds(10), 1000, 1 << 20, 1024, 4096,
                    TransportOptions.defaults(), VirtualTimeClusterTest.FREQUENT_SNAPSHOTS,
                    CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER);
            ClusterConfiguration bootstrap = ClusterConfiguration.ofVoters(peers.keySet());
            return NodeRuntime.start(settings, DurableLogStore.open(disk, Path.of("/data", id.toString()),
                            VirtualTimeClusterTest.SMALL_SEGMENTS, bootstrap), bootstrap, PeerDirectory.NO_RESOLVER,
                    new NodeEnvironment(RuntimeClock.SYSTEM, network, Worker::thread,
                            new SplittableRandom(id.hashCode())));
        }).startAll()) {
            cluster.submitAtLeader("first");
            NodeId leader = cluster.awaitLeader().id();
            NodeId lagging = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
            cluster.stop(lagging);
            List<String> written = new ArrayList<>(List.of("first"));
            IntStream.range(0, 40).mapToObj(i -> "c" + i + "-" + "x".repeat(100)).forEach(command -> {
                cluster.submitAtLeader(command);
                written.add(command);
            });
            // Committed before it completes, and the compaction queued to the leader's node thread before that.
            cluster.node(leader).takeSnapshot().get(30, TimeUnit.SECONDS);

            cluster.start(lagging);
            cluster.awaitApplied(lagging, written);
            assertThat(cluster.machine(lagging).restoredFrom()).as("restored from the leader's snapshot")
                    .isNotEmpty();
        }
        assertThat(new TreeSet<>(snapshotFileThreads))
                .noneMatch(name -> name.startsWith("in-process-"))
                .anyMatch(name -> name.startsWith("caucus-snapshot-send-"))
                .anyMatch(name -> name.startsWith("caucus-snapshot-receive-"))
                .anyMatch(name -> name.matches("caucus-snapshot-n\\d"));
    }

    /** A disk that records which thread acts on a file under a {@code snapshots} directory. */
    private record RecordingDisk(Disk disk, Set<String> threads) implements Disk {

        private void record(Path path) {
            if (path.getParent() != null && path.getParent().endsWith("snapshots")) {
                threads.add(Thread.currentThread().getName());
            }
        }

        @Override
        public DiskFile create(Path file) throws IOException {
            record(file);
            return disk.create(file);
        }

        @Override
        public DiskFile open(Path file) throws IOException {
            record(file);
            return disk.open(file);
        }

        @Override
        public boolean exists(Path path) throws IOException {
            return disk.exists(path);
        }

        @Override
        public void createDirectories(Path directory) throws IOException {
            disk.createDirectories(directory);
        }

        @Override
        public List<String> list(Path directory) throws IOException {
            return disk.list(directory);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            record(from);
            disk.rename(from, to);
        }

        @Override
        public void delete(Path file) throws IOException {
            record(file);
            disk.delete(file);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            disk.syncDirectory(directory);
        }

        @Override
        public Closeable lock(Path file) throws IOException {
            return disk.lock(file);
        }
    }
}
