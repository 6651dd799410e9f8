package io.caucus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots, compaction and InstallSnapshot with real nodes: real storage, real transport on loopback. */
class SnapshotClusterTest {

    @TempDir
    Path dataRoot;

    /** Snapshots every 40 entries, streamed in 1 KiB chunks so that a transfer takes several. */
    private LocalCluster cluster() {
        return cluster(SnapshotOptions.DEFAULTS.withThresholds(40, 0).withChunking(1024, 2));
    }

    private LocalCluster cluster(SnapshotOptions snapshots) {
        return new LocalCluster(3, (id, peers, machine) -> CaucusNode.builder()
                .id(id.value())
                .peers(peers)
                .dataDirectory(dataRoot.resolve(id.value()))
                .stateMachine(machine)
                .tickInterval(Duration.ofMillis(50)) // the default: a busy shared machine must not cost leadership
                .snapshotOptions(snapshots)
                .start());
    }

    private static String command(int i) {
        return "command-" + i + "-" + "x".repeat(40);
    }

    private long snapshotFiles(NodeId id) {
        try (Stream<Path> files = Files.list(dataRoot.resolve(id.value()).resolve("snapshots"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".snap")).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFollowerThatMissedCompactedEntriesCatchesUpBySnapshotAndRestartsFromSnapshotPlusTail()
            throws Exception {
        try (LocalCluster cluster = cluster().startAll()) {
            List<String> written = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                cluster.submitAtLeader(command(i));
                written.add(command(i));
            }
            CaucusNode leader = cluster.awaitLeader();
            NodeId lagging = cluster.ids().stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
            cluster.awaitApplied(lagging, written);
            cluster.stop(lagging);

            for (int i = 10; i < 1000; i++) {
                cluster.submitAtLeader(command(i));
                written.add(command(i));
            }
            // Thresholds took snapshots on the way; this one covers everything the leader has applied.
            SnapshotMetadata snapshot = cluster.awaitLeader().takeSnapshot().get(30, TimeUnit.SECONDS);
            assertThat(snapshot.lastIncludedIndex()).isGreaterThanOrEqualTo(1000);
            await("the leader to count the snapshots it took").atMost(LocalCluster.WAIT)
                    .pollInterval(LocalCluster.POLL).until(() -> cluster.awaitLeader().metrics().snapshotsTaken() > 0);
            for (NodeId id : cluster.ids()) {
                if (!id.equals(lagging)) {
                    await(id + " to take snapshots by threshold")
                            .atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                            .until(() -> snapshotFiles(id) > 0);
                }
            }

            // Restart the others, one at a time: each restores its latest snapshot, then replays the log tail.
            // (This also empties the leader's queue to the stopped node, which may hold AppendEntries sent before
            // compaction: delivered late they would let it catch up by log, which is not what this test is about.)
            for (NodeId id : cluster.ids()) {
                if (!id.equals(lagging)) {
                    cluster.stop(id);
                    cluster.start(id);
                    cluster.awaitApplied(id, written);
                    assertThat(cluster.machine(id).restoredFrom()).as(id + " restored from a snapshot").isNotEmpty();
                }
            }

            cluster.start(lagging);
            cluster.awaitApplied(lagging, written);
            // It could not have caught up by log: the entries it missed are gone from every log.
            assertThat(cluster.machine(lagging).restoredFrom()).isNotEmpty();
            assertThat(cluster.machine(lagging).restoredFrom().get(0)).isGreaterThan(10);
            assertThat(cluster.node(lagging).metrics().snapshotsInstalled()).as("installed from the leader")
                    .isPositive();

            // Writes go on, and reach the node that installed the snapshot; it restarts from it too.
            for (int i = 1000; i < 1020; i++) {
                cluster.submitAtLeader(command(i));
                written.add(command(i));
            }
            cluster.awaitApplied(lagging, written);
            cluster.stop(lagging);
            cluster.start(lagging);
            cluster.awaitApplied(lagging, written);
            assertThat(cluster.machine(lagging).restoredFrom()).isNotEmpty();
            cluster.submitAtLeader(command(1020));
            written.add(command(1020));
            for (NodeId id : cluster.ids()) {
                cluster.awaitApplied(id, written);
            }
        }
    }

    /**
     * A {@link RecordingStateMachine}'s snapshot holds every command so far, so it outgrows any fixed threshold:
     * with the log-to-snapshot ratio (thesis §5.1.2) each snapshot waits for the log to reach four times the last
     * one, and 600 commands past a 40-entry threshold make two or three snapshots, not fourteen.
     */
    @Test
    void aThresholdWaitsForTheLogToOutgrowTheLastSnapshotByTheRatio() throws Exception {
        SnapshotOptions snapshots = SnapshotOptions.DEFAULTS.withThresholds(40, 0);
        assertThat(snapshots.logToSnapshotRatio()).isEqualTo(4);
        try (LocalCluster cluster = cluster(snapshots).startAll()) {
            List<String> written = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                cluster.submitAtLeader(command(i));
                written.add(command(i));
            }
            for (NodeId id : cluster.ids()) {
                cluster.awaitApplied(id, written);
            }
            // The first snapshot comes at the threshold (there is none to outgrow yet), the second after about 250
            // entries, the third after about 1,250: a node may still be writing the second.
            for (NodeId id : cluster.ids()) {
                await(id + " to take its first snapshots").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                        .until(() -> cluster.node(id).metrics().snapshotsTaken() >= 1);
                assertThat(cluster.node(id).metrics().snapshotsTaken()).as(id.value()).isBetween(1L, 3L);
            }
        }
    }

    @Test
    void takeSnapshotWithNothingNewReturnsTheLatestAndAStateMachineWithoutSnapshotsSaysSo() throws Exception {
        try (LocalCluster cluster = cluster().startAll()) {
            cluster.submitAtLeader(command(1));
            CaucusNode leader = cluster.awaitLeader();
            SnapshotMetadata first = leader.takeSnapshot().get(30, TimeUnit.SECONDS);
            SnapshotMetadata again = leader.takeSnapshot().get(30, TimeUnit.SECONDS);
            assertThat(again).isEqualTo(first);
        }
        StateMachine noSnapshots = new StateMachine() {
            @Override
            public byte[] apply(long index, byte[] command) {
                return new byte[0];
            }

            @Override
            public byte[] query(byte[] query) {
                return new byte[0];
            }
        };
        java.net.InetSocketAddress address = LocalCluster.freeLoopbackAddress();
        try (CaucusNode single = CaucusNode.builder().id("solo").peers(java.util.Map.of(NodeId.of("solo"), address))
                .dataDirectory(dataRoot.resolve("solo")).stateMachine(noSnapshots)
                .tickInterval(Duration.ofMillis(20)).start()) {
            await("solo to lead").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                    .until(() -> single.status().role() == io.caucus.core.Role.LEADER);
            single.submit(new byte[] {1}).get(30, TimeUnit.SECONDS);
            assertThat(single.takeSnapshot()).failsWithin(Duration.ofSeconds(30))
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withCauseInstanceOf(UnsupportedOperationException.class);
        }
    }
}
