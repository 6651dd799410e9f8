package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.server.SnapshotOptions;
import io.caucus.storage.DurableLog;
import io.caucus.storage.RealDisk;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.SnapshotWriter;
import io.caucus.storage.StorageOptions;
import io.caucus.transport.SnapshotFrame;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leader and follower snapshot streaming wired through an in-memory network that can hold, lose or damage chunks,
 * on production workers (a thread each) and a real timer thread.
 */
class SnapshotStreamingTest {

    private static final NodeId LEADER = NodeId.of("leader");
    private static final NodeId FOLLOWER = NodeId.of("follower");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(10);
    private static final int CHUNK_BYTES = 1024;
    private static final int IN_FLIGHT = 3;
    private static final SnapshotMetadata SNAPSHOT =
            new SnapshotMetadata(500, 2, ClusterConfiguration.ofVoters(Set.of(LEADER, FOLLOWER)));

    @TempDir
    Path directory;

    private DurableLog leaderLog;
    private DurableLog followerLog;
    private OutgoingSnapshots outgoing;
    private IncomingSnapshots incoming;
    private final InProcessNetwork.ScheduledExecutor timers = new InProcessNetwork.ScheduledExecutor("timers");
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private byte[] data;
    private final List<NodeId> failures = new CopyOnWriteArrayList<>();
    private final List<InstallSnapshot> delivered = new CopyOnWriteArrayList<>();
    /** Chunks the network holds instead of delivering, while holding is on. */
    private final ConcurrentLinkedQueue<SnapshotFrame.Chunk> held = new ConcurrentLinkedQueue<>();
    private volatile boolean holding;
    private volatile UnaryOperator<SnapshotFrame.Chunk> network = chunk -> chunk; // may drop (null) or damage

    @BeforeEach
    void setUp() {
        ClusterConfiguration configuration = SNAPSHOT.configuration();
        leaderLog = DurableLog.open(RealDisk.INSTANCE, directory.resolve("leader"), StorageOptions.DEFAULTS,
                configuration).log();
        followerLog = DurableLog.open(RealDisk.INSTANCE, directory.resolve("follower"), StorageOptions.DEFAULTS,
                configuration).log();
        data = new byte[10 * CHUNK_BYTES + 77];
        new Random(5).nextBytes(data);
        try (SnapshotWriter writer = leaderLog.snapshots().begin(SNAPSHOT)) {
            writer.write(data, 0, data.length);
            writer.commit();
        }
        SnapshotOptions options = SnapshotOptions.DEFAULTS.withChunking(CHUNK_BYTES, IN_FLIGHT)
                .withTransferTimeout(Duration.ofSeconds(20));
        incoming = receiver(options);
        outgoing = new OutgoingSnapshots(LEADER, leaderLog.snapshots(), options, this::leaderSends, failures::add,
                worker("send"), timers, RuntimeClock.SYSTEM);
    }

    private IncomingSnapshots receiver(SnapshotOptions options) {
        return new IncomingSnapshots(FOLLOWER, new SnapshotClaims(followerLog.snapshots()), options, frame -> {
            outgoing.onAck((SnapshotFrame.Ack) frame);
            return true;
        }, delivered::add, worker("receive"), timers, RuntimeClock.SYSTEM);
    }

    private Worker worker(String name) {
        Worker worker = Worker.thread("test-snapshot-" + name);
        workers.add(worker);
        return worker;
    }

    private synchronized boolean leaderSends(SnapshotFrame frame) {
        SnapshotFrame.Chunk chunk = network.apply((SnapshotFrame.Chunk) frame);
        if (chunk != null) {
            if (holding) {
                held.add(chunk);
            } else {
                incoming.onChunk(chunk);
            }
        }
        return true;
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        outgoing.close();
        incoming.close();
        for (Worker worker : workers) {
            worker.shutdown();
            assertThat(worker.awaitTermination(WAIT)).isTrue();
        }
        timers.shutdownNow();
        leaderLog.close();
        followerLog.close();
    }

    private static InstallSnapshot message() {
        return new InstallSnapshot(LEADER, FOLLOWER, 3, SNAPSHOT);
    }

    private byte[] followerData() throws IOException {
        try (InputStream in = followerLog.snapshots().openData(SNAPSHOT)) {
            return in.readAllBytes();
        }
    }

    private List<Path> temporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(directory.resolve("follower").resolve("snapshots"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void theLeaderKeepsAtMostTheWindowUnacknowledgedAndTheFollowerInstallsAnIdenticalCopy() throws IOException {
        holding = true;
        outgoing.start(message());
        await("the window to fill").atMost(WAIT).pollInterval(POLL).until(() -> held.size() == IN_FLIGHT);
        // Nothing is acknowledged, so the sender must not send more however long we look.
        assertThat(outgoing.active()).isEqualTo(1);
        assertThat(held).hasSize(IN_FLIGHT);

        synchronized (this) { // the sender's next chunk waits until the held ones are on their way, in order
            holding = false;
            for (SnapshotFrame.Chunk chunk; (chunk = held.poll()) != null; ) {
                incoming.onChunk(chunk);
            }
        }
        await("the follower's core to be handed the snapshot").atMost(WAIT).pollInterval(POLL)
                .until(() -> delivered.size() == 1);
        assertThat(delivered.get(0)).isEqualTo(message());
        assertThat(followerLog.snapshots().latest()).contains(SNAPSHOT);
        assertThat(followerData()).isEqualTo(data);
        await("the transfer to end").atMost(WAIT).pollInterval(POLL).until(() -> outgoing.active() == 0);
        assertThat(failures).isEmpty();
        assertThat(temporaryFiles()).isEmpty();
    }

    @Test
    void aLostChunkAbandonsTheTransferWhichThenStartsOverCleanly() throws IOException {
        int[] sent = {0};
        network = chunk -> ++sent[0] == 4 ? null : chunk; // the fourth chunk is lost
        outgoing.start(message());
        await("the leader to report the failed transfer").atMost(WAIT).pollInterval(POLL)
                .until(() -> failures.size() == 1);
        assertThat(failures).containsExactly(FOLLOWER);
        assertThat(delivered).isEmpty();
        assertThat(followerLog.snapshots().latest()).isEmpty();
        await("the temporary file to be deleted").atMost(WAIT).pollInterval(POLL).until(() -> {
            try {
                return temporaryFiles().isEmpty();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });

        network = chunk -> chunk;
        outgoing.start(message()); // what the core does after reportSnapshotFailed
        await("the second attempt to install").atMost(WAIT).pollInterval(POLL)
                .until(() -> delivered.size() == 1);
        assertThat(followerData()).isEqualTo(data);
        assertThat(failures).hasSize(1);
    }

    @Test
    void aDamagedChunkIsRefusedAndNothingIsInstalled() throws IOException {
        network = chunk -> {
            if (chunk.offset() != 2L * CHUNK_BYTES) {
                return chunk;
            }
            byte[] damaged = chunk.data().clone();
            damaged[10] ^= 1;
            return new SnapshotFrame.Chunk(chunk.from(), chunk.to(), chunk.term(), chunk.transferId(),
                    chunk.snapshot(), chunk.offset(), damaged, chunk.dataCrc(), chunk.last(), chunk.totalBytes(),
                    chunk.totalCrc());
        };
        outgoing.start(message());
        await("the leader to report the refused transfer").atMost(WAIT).pollInterval(POLL)
                .until(() -> failures.size() == 1);
        assertThat(delivered).isEmpty();
        assertThat(followerLog.snapshots().latest()).isEmpty();
    }

    @Test
    void aReceiverThatRestartedMidTransferRefusesTheRestAndTheLeaderStartsOver() {
        int[] sent = {0};
        network = chunk -> {
            if (++sent[0] == 3) {
                // The follower restarts: its receiver forgets the transfer (and its temporary file is gone).
                incoming.close();
                incoming = receiver(SnapshotOptions.DEFAULTS.withChunking(CHUNK_BYTES, IN_FLIGHT));
            }
            return chunk;
        };
        outgoing.start(message());
        await("the leader to report the failed transfer").atMost(WAIT).pollInterval(POLL)
                .until(() -> failures.size() == 1);
        assertThat(delivered).isEmpty();
    }
}
