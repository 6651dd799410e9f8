package io.caucus.kv.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClusterDirectory}: a running node's view of its cluster file, read again when the file changes. */
class ClusterDirectoryTest {

    @TempDir
    Path directory;

    private Path write(int nodes, Instant modified) throws IOException {
        StringBuilder yaml = new StringBuilder("nodes:\n");
        for (int i = 1; i <= nodes; i++) {
            yaml.append("  - {id: n").append(i).append(", raft: 127.0.0.1:").append(20000 + i)
                    .append(", client: 127.0.0.1:").append(21000 + i).append(", http: 127.0.0.1:")
                    .append(22000 + i).append("}\n");
        }
        yaml.append("shards: 4\ndataDirectory: ").append(directory.resolve("data")).append('\n');
        Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, yaml);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    @Test
    void aNodeAddedToTheFileIsListedOnceTheFileChangesAndABrokenFileKeepsTheLastGoodOne() throws IOException {
        Instant start = Instant.parse("2026-12-07T12:00:00Z");
        Path file = write(3, start);
        ClusterDirectory nodes = new ClusterDirectory(ConfigLoader.load(file));
        assertThat(nodes.nodes()).extracting(ClusterConfig.Node::id).hasSize(3);

        write(4, start.plusSeconds(1));
        await("n4 listed").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> nodes.nodes().size() == 4);
        assertThat(nodes.node(NodeId.of("n4")).orElseThrow().client().getPort()).isEqualTo(21004);

        Files.writeString(file, "nodes: [ {id: n1, raft: nowhere");
        Files.setLastModifiedTime(file, FileTime.from(start.plusSeconds(2)));
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> nodes.nodes().size() == 4);

        write(2, start.plusSeconds(3));
        await("the file fixed, read again").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> nodes.nodes().size() == 2);
    }
}
