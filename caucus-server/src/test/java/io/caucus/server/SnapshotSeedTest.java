package io.caucus.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.core.Role;
import io.caucus.core.SnapshotMetadata;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup and a disaster: one cluster's snapshot, read through {@link CaucusNode#openSnapshot}, seeds the data
 * directories of a new three-node cluster (every old node lost), which starts from it, elects a leader and goes on.
 */
class SnapshotSeedTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dataRoot;

    @Test
    void aNewClusterSeededWithAnotherClustersSnapshotServesItsStateAndGoesOn() throws Exception {
        byte[] backup;
        SnapshotMetadata taken;
        try (CaucusNode old = start(Map.of(NodeId.of("old"), LocalCluster.freeLoopbackAddress()), "old",
                dataRoot.resolve("old"))) {
            CaucusNode leader = awaitLeader(List.of(old));
            submit(leader, "40");
            submit(leader, "2");
            taken = leader.takeSnapshot().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            try (InputStream data = leader.openSnapshot(taken)) {
                backup = data.readAllBytes();
            }
        }
        assertThat(new String(backup, UTF_8)).isEqualTo("42");

        Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        for (String id : List.of("a", "b", "c")) {
            peers.put(NodeId.of(id), LocalCluster.freeLoopbackAddress());
        }
        for (NodeId id : peers.keySet()) {
            SnapshotMetadata seeded = SnapshotSeed.seed(dataRoot.resolve("new-" + id.value()), peers.keySet(),
                    taken.lastIncludedIndex(), new ByteArrayInputStream(backup));
            assertThat(seeded.lastIncludedIndex()).isEqualTo(taken.lastIncludedIndex());
        }
        List<CaucusNode> nodes = new ArrayList<>();
        try {
            for (NodeId id : peers.keySet()) {
                nodes.add(start(peers, id.value(), dataRoot.resolve("new-" + id.value())));
            }
            CaucusNode leader = awaitLeader(nodes);
            assertThat(new String(leader.read(new byte[0]).get(DEADLINE.toSeconds(), TimeUnit.SECONDS), UTF_8))
                    .isEqualTo("42");
            assertThat(submit(leader, "1")).isEqualTo("43");
            assertThat(leader.status().lastIndex()).isGreaterThan(taken.lastIncludedIndex());
            for (CaucusNode node : nodes) {
                assertThat(node.status().configuration().voters()).isEqualTo(peers.keySet());
            }
        } finally {
            nodes.forEach(CaucusNode::close);
        }
    }

    @Test
    void refusesADirectoryThatHoldsData() throws Exception {
        Path used = Files.createDirectories(dataRoot.resolve("used"));
        Files.writeString(used.resolve("something"), "a node's data");

        assertThatThrownBy(() -> SnapshotSeed.seed(used, java.util.Set.of(NodeId.of("a")), 5,
                new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is not empty");
        assertThat(Files.readString(used.resolve("something"))).isEqualTo("a node's data");
    }

    private static CaucusNode start(Map<NodeId, InetSocketAddress> peers, String id, Path data) {
        return CaucusNode.builder().id(id).peers(peers).dataDirectory(data)
                .stateMachine(new EmbeddingExampleTest.Counter()).start();
    }

    private static CaucusNode awaitLeader(List<CaucusNode> nodes) {
        return await("a leader").atMost(DEADLINE).until(() -> nodes.stream()
                .filter(node -> node.status().role() == Role.LEADER).findFirst().orElse(null), Objects::nonNull);
    }

    private static String submit(CaucusNode leader, String delta) throws Exception {
        return new String(leader.submit(delta.getBytes(UTF_8)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS), UTF_8);
    }
}
