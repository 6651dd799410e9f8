package io.caucus.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.core.Role;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding the library" example, compiled and run: a service's own state machine (a counter)
 * replicated by three nodes in this JVM over loopback. If this test needs a change, the README does too.
 */
class EmbeddingExampleTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /** The README's state machine, word for word. */
    static final class Counter implements StateMachine {
        private long value; // touched only by the node's apply thread

        @Override
        public byte[] apply(long index, byte[] command) {  // committed commands, in log order
            value += Long.parseLong(new String(command, UTF_8));
            return Long.toString(value).getBytes(UTF_8);
        }

        @Override
        public byte[] query(byte[] query) {                // linearizable reads
            return Long.toString(value).getBytes(UTF_8);
        }

        @Override
        public Snapshot snapshot(long appliedIndex) {      // optional: lets the log be compacted
            long captured = value; // a point-in-time view; written out on another thread
            return out -> out.write(Long.toString(captured).getBytes(UTF_8));
        }

        @Override
        public void restore(long lastIncludedIndex, InputStream data) throws IOException {
            value = Long.parseLong(new String(data.readAllBytes(), UTF_8));
        }
    }

    @TempDir
    Path dataRoot;

    @Test
    void threeNodesReplicateTheServicesOwnStateMachine() throws Exception {
        Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        for (String id : List.of("n1", "n2", "n3")) {
            peers.put(NodeId.of(id), LocalCluster.freeLoopbackAddress());
        }
        List<CaucusNode> nodes = new ArrayList<>();
        try {
            for (NodeId id : peers.keySet()) {
                // The README's builder call; each process of a real service starts one of these.
                CaucusNode node = CaucusNode.builder()
                        .id(id.value())                           // this process's entry in peers
                        .peers(peers)                             // every member's Raft address
                        .dataDirectory(dataRoot.resolve(id.value())) // log, hard state, snapshots
                        .stateMachine(new Counter())
                        .start();
                nodes.add(node);
            }

            CaucusNode leader = await("a leader").atMost(DEADLINE).pollInterval(Duration.ofMillis(10))
                    .until(() -> nodes.stream()
                    .filter(node -> node.status().role() == Role.LEADER).findFirst().orElse(null), Objects::nonNull);
            assertThat(submit(leader, "5")).isEqualTo("5");
            assertThat(submit(leader, "2")).isEqualTo("7");
            byte[] read = leader.read(new byte[0]).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertThat(new String(read, UTF_8)).isEqualTo("7");

            // Every replica applies both commands: a follower's applied index reaches the leader's.
            long applied = leader.status().appliedIndex();
            for (CaucusNode node : nodes) {
                await(node.id() + " applying index " + applied).atMost(DEADLINE).pollInterval(Duration.ofMillis(10))
                        .until(() -> node.status().appliedIndex() >= applied);
            }
        } finally {
            nodes.forEach(CaucusNode::close);
        }
    }

    /** Submits on the leader; the future completes once the command is durable on a majority and applied. */
    private static String submit(CaucusNode leader, String delta)
            throws InterruptedException, ExecutionException, TimeoutException {
        byte[] result = leader.submit(delta.getBytes(UTF_8)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        return new String(result, UTF_8);
    }
}
