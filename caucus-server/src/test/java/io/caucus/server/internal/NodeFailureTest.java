package io.caucus.server.internal;

import static io.caucus.server.RecordingStateMachine.bytes;
import static io.caucus.server.RecordingStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.server.LocalCluster;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.RecordingStateMachine;
import io.caucus.server.ShutdownException;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.StorageFailedException;
import io.caucus.storage.StorageOptions;
import io.caucus.transport.TransportOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A node whose disk or state machine fails stops accepting requests, says why, and keeps what was durable. */
class NodeFailureTest {

    private static final NodeId ID = NodeId.of("n1");
    private static final Path DATA = Path.of("/simulated/n1");

    private final SimulatedDisk disk = new SimulatedDisk();

    private NodeRuntime startSingleNode(io.caucus.server.StateMachine machine) {
        return startSingleNode(machine, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private NodeRuntime startSingleNode(io.caucus.server.StateMachine machine, InetSocketAddress raftAddress) {
        Map<NodeId, InetSocketAddress> peers = Map.of(ID, raftAddress);
        NodeSettings settings = new NodeSettings(ID, peers, Map.of(), null, machine, Duration.ofMillis(20),
                RaftOptions.DEFAULTS, true, Duration.ofSeconds(10), 100, 1 << 20, 1024, 4096,
                TransportOptions.defaults());
        return NodeRuntime.start(settings, DurableLogStore.open(disk, DATA, StorageOptions.DEFAULTS,
                ClusterConfiguration.ofVoters(peers.keySet())));
    }

    private static NodeRuntime awaitLeading(NodeRuntime node) {
        await("the single node to lead").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                .until(() -> node.status().role() == Role.LEADER);
        return node;
    }

    @Test
    void aFailedFsyncStopsTheNodeAndLeavesDurableDataIntact() throws Exception {
        RecordingStateMachine machine = new RecordingStateMachine();
        try (NodeRuntime node = awaitLeading(startSingleNode(machine))) {
            assertThat(text(node.submit(bytes("a")).get(30, TimeUnit.SECONDS))).startsWith("applied:");

            disk.failNext(SimulatedDisk.Operation.FORCE);
            assertThatThrownBy(() -> node.submit(bytes("b")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(OutcomeUnknownException.class)
                    .hasRootCauseInstanceOf(java.io.IOException.class);

            assertThat(node.failure()).containsInstanceOf(StorageFailedException.class);
            assertThatThrownBy(() -> node.submit(bytes("c")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOfSatisfying(ShutdownException.class, e -> {
                        assertThat(e.outcomeKnown()).isTrue();
                        assertThat(e.getCause()).isInstanceOf(StorageFailedException.class);
                    });
            assertThatThrownBy(() -> node.read(bytes("count")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ShutdownException.class);
        }
        assertThat(machine.applied()).containsExactly("a");

        RecordingStateMachine restarted = new RecordingStateMachine();
        try (NodeRuntime node = awaitLeading(startSingleNode(restarted))) {
            node.submit(bytes("d")).get(30, TimeUnit.SECONDS);
            List<String> applied = restarted.applied();
            assertThat(applied).startsWith("a").endsWith("d").doesNotContain("c");
        }
    }

    @Test
    void aFailedNodeLeavesTheClusterButClientsOnItsLoopAreStillToldWhy() throws Exception {
        InetSocketAddress raftAddress = LocalCluster.freeLoopbackAddress();
        try (NodeRuntime node = awaitLeading(startSingleNode(new RecordingStateMachine(), raftAddress))) {
            node.submit(bytes("a")).get(30, TimeUnit.SECONDS);
            disk.failNext(SimulatedDisk.Operation.FORCE);
            assertThatThrownBy(() -> node.submit(bytes("b")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(OutcomeUnknownException.class);

            await("the failed node to close its Raft port").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                    .until(() -> !accepts(raftAddress));
            // A service that serves its clients on the node's loop (executor()) can still answer them.
            CompletableFuture<byte[]> fromLoop = CompletableFuture
                    .supplyAsync(() -> node.submit(bytes("c")), node.executor())
                    .thenCompose(answer -> answer);
            assertThatThrownBy(() -> fromLoop.get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ShutdownException.class);
        }
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aStateMachineThatThrowsStopsTheNodeRatherThanDiverge() throws Exception {
        RecordingStateMachine recording = new RecordingStateMachine();
        io.caucus.server.StateMachine throwing = new io.caucus.server.StateMachine() {
            @Override
            public byte[] apply(long index, byte[] command) {
                if (text(command).equals("poison")) {
                    throw new IllegalStateException("cannot apply poison");
                }
                return recording.apply(index, command);
            }

            @Override
            public byte[] query(byte[] query) {
                return recording.query(query);
            }
        };
        try (NodeRuntime node = awaitLeading(startSingleNode(throwing))) {
            node.submit(bytes("a")).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> node.submit(bytes("poison")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(OutcomeUnknownException.class);
            assertThat(node.failure().orElseThrow()).hasRootCauseMessage("cannot apply poison");
            assertThatThrownBy(() -> node.submit(bytes("b")).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ShutdownException.class);
        }
        assertThat(recording.applied()).containsExactly("a");
    }

    @Test
    void aFullDiskStopsTheNodeWithTheCause() throws Exception {
        try (NodeRuntime node = awaitLeading(startSingleNode(new RecordingStateMachine()))) {
            node.submit(bytes("a")).get(30, TimeUnit.SECONDS);
            disk.setCapacityBytes(0);
            assertThatThrownBy(() -> node.submit(bytes("b".repeat(10_000))).get(30, TimeUnit.SECONDS))
                    .cause().isInstanceOf(OutcomeUnknownException.class);
            await("the node to report its failure").atMost(LocalCluster.WAIT).pollInterval(LocalCluster.POLL)
                    .until(() -> node.failure().isPresent());
            assertThat(node.failure().orElseThrow()).isInstanceOf(StorageFailedException.class)
                    .hasMessageContaining("No space left");
        }
    }
}
