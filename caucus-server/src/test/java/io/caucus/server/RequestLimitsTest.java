package io.caucus.server;

import static io.caucus.server.RecordingStateMachine.bytes;
import static io.caucus.server.RecordingStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.core.Role;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Back-pressure, timeouts and bad input on a single real node whose state machine can be held up. */
class RequestLimitsTest {

    @TempDir
    Path data;

    /** Applies like {@link RecordingStateMachine}, but "hold" waits until released. */
    private static final class HoldingStateMachine implements StateMachine {
        final CountDownLatch release = new CountDownLatch(1);
        final RecordingStateMachine recording = new RecordingStateMachine();

        @Override
        public byte[] apply(long index, byte[] command) {
            if (text(command).equals("hold")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return recording.apply(index, command);
        }

        @Override
        public byte[] query(byte[] query) {
            return recording.query(query);
        }
    }

    private CaucusNode start(StateMachine machine, int maxPendingRequests, Duration requestTimeout) {
        return start(machine, maxPendingRequests, requestTimeout, true);
    }

    private CaucusNode start(StateMachine machine, int maxPendingRequests, Duration requestTimeout, boolean fsync) {
        CaucusNode node = CaucusNode.builder()
                .id("solo")
                .peers(Map.of(NodeId.of("solo"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
                .dataDirectory(data)
                .stateMachine(machine)
                .tickInterval(Duration.ofMillis(20))
                .maxPendingRequests(maxPendingRequests)
                .requestTimeout(requestTimeout)
                .maxCommandBytes(1024)
                .fsync(fsync)
                .start();
        await("the single node to lead").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                .until(() -> node.status().role() == Role.LEADER);
        return node;
    }

    @Test
    void requestsBeyondTheLimitAreRefusedAtOnceAndTheRestComplete() throws Exception {
        HoldingStateMachine machine = new HoldingStateMachine();
        try (CaucusNode node = start(machine, 10, Duration.ofSeconds(30))) {
            List<CompletableFuture<byte[]>> accepted = new ArrayList<>();
            accepted.add(node.submit(bytes("hold")));
            for (int i = 1; i < 10; i++) {
                accepted.add(node.submit(bytes("w" + i)));
            }
            CompletableFuture<byte[]> refused = node.submit(bytes("one-too-many"));
            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::get).cause().isInstanceOfSatisfying(OverloadedException.class,
                    e -> assertThat(e.outcomeKnown()).isTrue());

            machine.release.countDown();
            for (CompletableFuture<byte[]> future : accepted) {
                assertThat(text(future.get(30, TimeUnit.SECONDS))).startsWith("applied:");
            }
            assertThat(machine.recording.applied()).hasSize(10).doesNotContain("one-too-many");
        }
    }

    @Test
    void aRequestWithoutAnOutcomeInTimeFailsAsUnknown() throws Exception {
        HoldingStateMachine machine = new HoldingStateMachine();
        try (CaucusNode node = start(machine, 100, Duration.ofMillis(300))) {
            CompletableFuture<byte[]> held = node.submit(bytes("hold"));
            assertThatThrownBy(() -> held.get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOfSatisfying(OutcomeUnknownException.class,
                            e -> assertThat(e.outcomeKnown()).isFalse());
            machine.release.countDown();
            // It did apply in the end: exactly why the timeout could not call it failed.
            await("the held command to apply").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                    .until(() -> machine.recording.applied().contains("hold"));
        }
    }

    @Test
    void withoutFsyncWritesStillCommitAndACleanCloseKeepsThem() throws Exception {
        try (CaucusNode node = start(new RecordingStateMachine(), 100, Duration.ofSeconds(10), false)) {
            for (int i = 0; i < 20; i++) {
                node.submit(bytes("w" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        RecordingStateMachine restarted = new RecordingStateMachine();
        try (CaucusNode node = start(restarted, 100, Duration.ofSeconds(10), false)) {
            node.submit(bytes("after")).get(30, TimeUnit.SECONDS);
            assertThat(restarted.applied()).hasSize(21).startsWith("w0").endsWith("after");
        }
    }

    @Test
    void aQueryThatThrowsFailsOnlyItsOwnRead() throws Exception {
        try (CaucusNode node = start(new RecordingStateMachine(), 100, Duration.ofSeconds(10))) {
            node.submit(bytes("a")).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> node.read(bytes("no-such-query")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no-such-query");
            assertThat(node.failure()).isEmpty();
            assertThat(text(node.read(bytes("count")).get(30, TimeUnit.SECONDS))).isEqualTo("1");
        }
    }

    @Test
    void anOversizedCommandIsRefusedWithAClearError() {
        try (CaucusNode node = start(new RecordingStateMachine(), 100, Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> node.submit(new byte[1025]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1025 bytes").hasMessageContaining("maxCommandBytes (1024)");
            assertThatThrownBy(() -> node.submit(null)).isInstanceOf(NullPointerException.class);
        }
    }

    @Test
    void aClosedNodeRefusesRequestsAsShutdown() {
        CaucusNode node = start(new RecordingStateMachine(), 100, Duration.ofSeconds(10));
        node.close();
        assertThat(node.submit(bytes("late"))).failsWithin(Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(ShutdownException.class);
        assertThat(node.read(bytes("count"))).failsWithin(Duration.ZERO)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(ShutdownException.class);
        node.close(); // idempotent
    }

    @Test
    void closingFromACallbackOnTheNodesOwnThreadsDoesNotHang() throws Exception {
        CaucusNode node = start(new RecordingStateMachine(), 100, Duration.ofSeconds(10));
        CompletableFuture<Void> closedFromApplyThread = node.submit(bytes("a")).thenAccept(result -> node.close());
        closedFromApplyThread.get(30, TimeUnit.SECONDS);
        assertThat(node.submit(bytes("late"))).isCompletedExceptionally();
    }

    @Test
    void aSecondNodeOnTheSameDataDirectoryIsRefusedAndTheFirstKeepsWorking() throws Exception {
        try (CaucusNode node = start(new RecordingStateMachine(), 100, Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> CaucusNode.builder()
                    .id("solo")
                    .peers(Map.of(NodeId.of("solo"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
                    .dataDirectory(data)
                    .stateMachine(new RecordingStateMachine())
                    .start())
                    .hasMessageContaining("already open");
            assertThat(text(node.submit(bytes("still-here")).get(30, TimeUnit.SECONDS))).startsWith("applied:");
        }
    }

    @Test
    void aNodeListensOnItsListenAddressWhenOneIsGiven() throws Exception {
        // The advertised peer address is not bindable here; the node must bind the listen address instead.
        try (CaucusNode node = CaucusNode.builder()
                .id("solo")
                .peers(Map.of(NodeId.of("solo"), InetSocketAddress.createUnresolved("solo.invalid", 7001)))
                .listenAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .dataDirectory(data)
                .stateMachine(new RecordingStateMachine())
                .tickInterval(Duration.ofMillis(20))
                .start()) {
            await("the single node to lead").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                    .until(() -> node.status().role() == Role.LEADER);
            assertThat(text(node.submit(bytes("a")).get(30, TimeUnit.SECONDS))).startsWith("applied:");
        }
    }

    @Test
    void theBuilderNamesWhatIsMissingOrWrong() {
        assertThatThrownBy(() -> CaucusNode.builder().start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id is required");
        assertThatThrownBy(() -> CaucusNode.builder().id("a")
                .peers(Map.of(NodeId.of("b"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
                .dataDirectory(data).stateMachine(new RecordingStateMachine()).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must include this node's id a");
    }
}
