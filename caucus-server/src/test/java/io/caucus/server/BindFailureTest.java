package io.caucus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node whose Raft address is taken fails to start, says why, and leaves its data directory free for a retry. */
class BindFailureTest {

    @TempDir
    Path data;

    private CaucusNode start(InetSocketAddress raftAddress) {
        return CaucusNode.builder()
                .id("n1")
                .peers(Map.of(NodeId.of("n1"), raftAddress))
                .dataDirectory(data)
                .stateMachine(new RecordingStateMachine())
                .tickInterval(Duration.ofMillis(20))
                .start();
    }

    @Test
    void aTakenPortFailsTheStartAndReleasesTheStoreAtOnce() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());
            assertThatThrownBy(() -> start(address)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
        try (CaucusNode node = start(LocalCluster.freeLoopbackAddress())) {
            assertThat(node.id()).isEqualTo(NodeId.of("n1")); // the store was closed: it opens again
        }
    }
}
