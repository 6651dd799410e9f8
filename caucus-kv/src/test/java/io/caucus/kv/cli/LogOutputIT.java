package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.admin.StatusClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real {@code caucus server} process's first lines (standard output and error together): every one is a log
 * line in the chosen form, naming the node, and the JVM prints no warning (no SLF4J notice, no Unsafe or
 * restricted-method warning from Netty), started with the flags the launcher passes.
 */
class LogOutputIT {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String TEXT_LINE =
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z (ERROR|WARN |INFO |DEBUG|TRACE) n1 \\w+: .+";

    private final ChildProcesses children = new ChildProcesses();
    private InetSocketAddress adminAddress;

    @AfterEach
    void stop() {
        children.stopAll();
    }

    @Test
    void textLinesNameTimeLevelNodeAndMessage() throws Exception {
        Path directory = freshDirectory("log-output-text");
        List<String> lines = firstLinesUntilLeader(directory, "text");
        assertThat(lines).as("output of %s", directory).allMatch(line -> line.matches(TEXT_LINE));
        assertThat(lines).anyMatch(line -> line.contains("INFO  n1 ServerCommand: serving: redis on 127.0.0.1:"));
    }

    @Test
    void jsonLinesAreObjectsWithTheSameFields() throws Exception {
        Path directory = freshDirectory("log-output-json");
        List<String> lines = firstLinesUntilLeader(directory, "json");
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode event = json.readTree(line);
            assertThat(event.get("time").asText()).as(line).matches("\\d{4}-\\d{2}-\\d{2}T[0-9:.]{12}Z");
            assertThat(event.get("level").asText()).as(line).isIn("ERROR", "WARN", "INFO", "DEBUG", "TRACE");
            assertThat(event.get("node").asText()).as(line).isEqualTo("n1");
            assertThat(event.get("message").asText()).as(line).isNotBlank();
        }
        assertThat(lines).extracting(line -> json.readTree(line).get("message").asText())
                .anyMatch(message -> message.startsWith("won the election"));
    }

    @Test
    void logLevelWarnKeepsAQuietNodeSilent() throws Exception {
        Path directory = freshDirectory("log-output-warn");
        Path output = directory.resolve("n1.out");
        writeSingleNodeCluster(directory);
        children.start("n1", List.of("server", "--config", directory.resolve("cluster.yaml").toString(), "--id",
                "n1", "--log-level", "warn"), output);
        // The node has started (and would have logged at info) once its admin port names it leader.
        poll(() -> new StatusClient().fetch(adminAddress).filter(status -> status.get("leader") != null)
                .orElse(null), output);
        assertThat(Files.readAllLines(output)).as("output at --log-level warn").isEmpty();
    }

    /** Starts a one-node cluster and returns its output once it has won its first election and serves. */
    private List<String> firstLinesUntilLeader(Path directory, String format) throws Exception {
        Path output = directory.resolve("n1.out");
        writeSingleNodeCluster(directory);
        children.start("n1", List.of("server", "--config", directory.resolve("cluster.yaml").toString(), "--id",
                "n1", "--log-format", format), output);
        List<String> lines = poll(() -> {
            List<String> sofar = Files.readAllLines(output);
            boolean started = sofar.stream().anyMatch(line -> line.contains("won the election"))
                    && sofar.stream().anyMatch(line -> line.contains("serving: redis on"));
            return started ? sofar : null;
        }, output);
        assertThat(lines).as("output of %s", output).isNotEmpty()
                .noneMatch(line -> line.contains("WARNING") || line.contains("SLF4J"));
        return lines;
    }

    private void writeSingleNodeCluster(Path directory) throws IOException {
        List<Integer> ports = LoopbackPorts.reserve(3);
        adminAddress = new InetSocketAddress("127.0.0.1", ports.get(2));
        Files.writeString(directory.resolve("cluster.yaml"), "nodes:\n  - id: n1\n"
                + "    raft: 127.0.0.1:" + ports.get(0) + "\n"
                + "    client: 127.0.0.1:" + ports.get(1) + "\n"
                + "    http: 127.0.0.1:" + ports.get(2) + "\n"
                + "dataDirectory: " + directory.resolve("data") + "\n");
    }

    interface Check<T> {
        T get() throws IOException;
    }

    private static <T> T poll(Check<T> check, Path output) throws IOException {
        try {
            return await().atMost(DEADLINE).pollInterval(Duration.ofMillis(100))
                    .until(() -> Files.exists(output) ? check.get() : null, Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out; output:\n" + (Files.exists(output) ? Files.readString(output) : ""), e);
        }
    }

    private static Path freshDirectory(String name) throws IOException {
        Path directory = Path.of("target", name).toAbsolutePath();
        if (Files.exists(directory)) {
            try (var paths = Files.walk(directory)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        return Files.createDirectories(directory);
    }
}
