package io.caucus.kv;

import static org.awaitility.Awaitility.await;

import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.admin.StatusClient;
import io.caucus.kv.cli.ChildProcesses;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import redis.clients.jedis.Jedis;

/**
 * A cluster of real {@code caucus server} child JVMs on loopback, started with this JVM's java binary and
 * class path. Every process is stopped by {@link #close()} and, should the test JVM die first, by a
 * shutdown hook.
 */
public final class ProcessCluster implements AutoCloseable {

    static final Duration STARTUP = Duration.ofSeconds(120);
    public static final int CLIENT_TIMEOUT_MILLIS = 60_000;

    final Path directory;
    final Path clusterFile;
    /** The cluster file as last written; nodes added with {@link #addNodeToFile} appear here. */
    volatile ClusterConfig config;
    private final ChildProcesses children = new ChildProcesses();
    private final StatusClient statusClient = new StatusClient();
    private final Thread hook = new Thread(children::stopAll, "process-cluster-stop");

    ProcessCluster(Path directory, int size, long requestTimeoutMillis) throws IOException {
        this(directory, size, requestTimeoutMillis, "");
    }

    /** @param extraYaml more top-level fields for the cluster file, one per line */
    ProcessCluster(Path directory, int size, long requestTimeoutMillis, String extraYaml) throws IOException {
        this.directory = directory;
        this.clusterFile = directory.resolve("cluster.yaml");
        StringBuilder yaml = new StringBuilder("nodes:\n");
        List<Integer> ports = LoopbackPorts.reserve(size * 3);
        for (int i = 0; i < size; i++) {
            yaml.append("  - id: n").append(i + 1).append('\n')
                    .append("    raft: 127.0.0.1:").append(ports.get(3 * i)).append('\n')
                    .append("    client: 127.0.0.1:").append(ports.get(3 * i + 1)).append('\n')
                    .append("    http: 127.0.0.1:").append(ports.get(3 * i + 2)).append('\n');
        }
        // Slower ticks than the default: the test machine may be heavily loaded, and spurious elections
        // would only slow the test down (they are handled correctly either way).
        yaml.append("tickIntervalMillis: 100\n")
                .append("requestTimeoutMillis: ").append(requestTimeoutMillis).append('\n')
                .append("dataDirectory: ").append(directory.resolve("data")).append('\n')
                .append(extraYaml);
        Files.writeString(clusterFile, yaml);
        this.config = ConfigLoader.load(clusterFile);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Lists a new node in the cluster file (free loopback ports), as an operator does before starting it with
     * {@code --join} and adding it; the running servers re-read the file to learn its addresses.
     */
    void addNodeToFile(String id) throws IOException {
        List<Integer> ports = LoopbackPorts.reserve(3);
        String text = Files.readString(clusterFile);
        String node = "  - id: " + id + "\n    raft: 127.0.0.1:" + ports.get(0) + "\n    client: 127.0.0.1:"
                + ports.get(1) + "\n    http: 127.0.0.1:" + ports.get(2) + "\n";
        int tunables = text.indexOf("tickIntervalMillis:");
        Files.writeString(clusterFile, text.substring(0, tunables) + node + text.substring(tunables));
        this.config = ConfigLoader.load(clusterFile);
    }

    /** Starts a node that joins the running cluster (it waits to be added). */
    void startJoining(String id) {
        children.start(id, List.of("server", "--config", clusterFile.toString(), "--id", id, "--join"),
                directory.resolve(id + ".log"));
    }

    /** {@code target/<name>} as an absolute path, created if missing and emptied if not: one test's files. */
    static Path freshDirectory(String name) throws IOException {
        Path directory = Files.createDirectories(Path.of("target", name)).toAbsolutePath();
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(directory))
                    .toList()) {
                Files.delete(path);
            }
        }
        return directory;
    }

    /** Deletes a (stopped) node's data directory: its disk was lost. */
    void wipe(String id) throws IOException {
        Path data = config.dataDirectoryOf(config.node(id).id());
        if (Files.exists(data)) {
            try (var paths = Files.walk(data)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    List<String> ids() {
        return config.nodes().stream().map(node -> node.id().value()).toList();
    }

    void start(String id) {
        children.start(id, List.of("server", "--config", clusterFile.toString(), "--id", id),
                directory.resolve(id + ".log"));
    }

    /** Starts node {@code id} of another cluster file (say, an intruder's), its log beside the others. */
    void startWith(Path otherClusterFile, String id) {
        children.start(id, List.of("server", "--config", otherClusterFile.toString(), "--id", id),
                directory.resolve(id + ".log"));
    }

    void startAll() {
        ids().forEach(this::start);
    }

    void kill(String id) throws InterruptedException {
        children.kill(id);
    }

    /** The node's admin port as host:port, e.g. for a browser. */
    String adminAddress(String id) {
        return io.caucus.server.HostPort.format(config.node(id).http());
    }

    Optional<Map<String, Object>> status(String id) {
        return statusClient.fetch(config.node(id).http());
    }

    /** The leader every reachable node agrees on, once one exists, within the startup deadline. */
    /** The node's {@code /digest} fields ({@code applied}, {@code keys}, {@code sha256}), or empty. */
    Optional<Map<String, Object>> digest(String id) {
        return statusClient.fetch(config.node(id).http(), "/digest");
    }

    String awaitLeader(List<String> among) {
        return poll(STARTUP, () -> {
            String leader = null;
            for (String id : among) {
                Optional<Map<String, Object>> status = status(id);
                if (status.isEmpty() || status.get().get("leader") == null) {
                    return null;
                }
                String named = String.valueOf(status.get().get("leader"));
                if (leader != null && !leader.equals(named) || !among.contains(named)) {
                    return null;
                }
                leader = named;
            }
            return leader;
        }, "a leader agreed by " + among);
    }

    long appliedIndex(String id) {
        return status(id).map(s -> ((Number) s.get("applied")).longValue()).orElse(-1L);
    }

    long commitIndex(String id) {
        return status(id).map(s -> ((Number) s.get("commit")).longValue()).orElse(-1L);
    }

    Jedis client(String id) {
        return new Jedis("127.0.0.1", config.node(id).client().getPort(), CLIENT_TIMEOUT_MILLIS);
    }

    /** Polls {@code condition} (non-null means done) until the deadline; fails naming what it waited for. */
    <T> T poll(Duration deadline, Supplier<T> condition, String what) {
        return await(what + "; node logs are in " + directory).atMost(deadline).pollInterval(Duration.ofMillis(100))
                .until(condition::get, Objects::nonNull);
    }

    @Override
    public void close() {
        children.stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway
        }
    }
}
