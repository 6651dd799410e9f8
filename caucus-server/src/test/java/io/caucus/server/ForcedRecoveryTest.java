package io.caucus.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.core.Role;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A majority lost for good: of three nodes only n1's disk survives. Forced recovery makes n1 the only voter of a
 * new cluster from its own log; it elects itself, keeps every write, and takes new ones.
 */
class ForcedRecoveryTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dataRoot;

    @Test
    void aSurvivorOfALostMajorityServesAloneWithEveryWriteItHeld() throws Exception {
        Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        for (String id : List.of("n1", "n2", "n3")) {
            peers.put(NodeId.of(id), LocalCluster.freeLoopbackAddress());
        }
        List<CaucusNode> nodes = new ArrayList<>();
        try {
            for (NodeId id : peers.keySet()) {
                nodes.add(start(peers, id));
            }
            CaucusNode leader = await("a leader").atMost(DEADLINE).until(() -> nodes.stream()
                    .filter(node -> node.status().role() == Role.LEADER).findFirst().orElse(null), Objects::nonNull);
            submit(leader, "40");
            submit(leader, "2");
            long applied = leader.status().appliedIndex();
            await("n1 applying " + applied).atMost(DEADLINE)
                    .until(() -> nodes.getFirst().status().appliedIndex() >= applied);
        } finally {
            nodes.forEach(CaucusNode::close);
        }

        ForcedRecovery.Outcome outcome = ForcedRecovery.forceNewCluster(dataRoot.resolve("n1"), NodeId.of("n1"));
        assertThat(outcome.configurationIndex()).isEqualTo(outcome.lastIndexBefore() + 1);

        Map<NodeId, InetSocketAddress> alone = Map.of(NodeId.of("n1"), peers.get(NodeId.of("n1")));
        try (CaucusNode survivor = start(alone, NodeId.of("n1"))) {
            await("n1 leading alone").atMost(DEADLINE).until(() -> survivor.status().role() == Role.LEADER);
            assertThat(survivor.status().configuration().voters()).isEqualTo(Set.of(NodeId.of("n1")));
            assertThat(survivor.status().configuration().raftAddress(NodeId.of("n1")))
                    .as("the survivor's address, kept from the old configuration for members added later")
                    .hasValueSatisfying(address -> assertThat(address)
                            .endsWith(":" + peers.get(NodeId.of("n1")).getPort()));
            assertThat(survivor.status().term()).isGreaterThan(outcome.term() - 1);
            assertThat(new String(survivor.read(new byte[0]).get(DEADLINE.toSeconds(), TimeUnit.SECONDS), UTF_8))
                    .isEqualTo("42");
            assertThat(submit(survivor, "1")).isEqualTo("43");
        }
    }

    @Test
    void refusesADirectoryWithoutNodeData() {
        assertThatThrownBy(() -> ForcedRecovery.forceNewCluster(dataRoot.resolve("empty"), NodeId.of("n1")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds no node data");
    }

    private CaucusNode start(Map<NodeId, InetSocketAddress> peers, NodeId id) {
        return CaucusNode.builder().id(id.value()).peers(peers).dataDirectory(dataRoot.resolve(id.value()))
                .stateMachine(new EmbeddingExampleTest.Counter()).start();
    }

    private static String submit(CaucusNode leader, String delta) throws Exception {
        return new String(leader.submit(delta.getBytes(UTF_8)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS), UTF_8);
    }
}
