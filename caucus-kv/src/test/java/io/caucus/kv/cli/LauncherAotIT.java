package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.admin.StatusClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./caucus} launcher's AOT cache (JDK 25+): the first {@code server} launch of a build trains it once
 * and the node runs with it; the next launch uses it without training again; a damaged cache still lets a node
 * start, as quietly as ever.
 *
 * <p>It runs on a scratch tree holding only the launcher, its scripts and caucus-kv's built jars with the stamp,
 * so the launcher builds nothing and the test's time is the training's (3 s of load, then the JVM writes the
 * cache) and three node starts.
 */
class LauncherAotIT {

    private static final Duration DEADLINE = Duration.ofMinutes(3);

    private final List<Process> launches = new ArrayList<>();
    private Path scratch;
    private Path tree;
    private InetSocketAddress admin;

    @BeforeEach
    void scratchTree() throws IOException {
        scratch = Path.of("target", "launcher-aot").toAbsolutePath();
        Directories.deleteTree(scratch);
        tree = scratch.resolve("tree");
        Path source = Path.of("").toAbsolutePath().getParent();
        copy(source.resolve("caucus"), tree.resolve("caucus"));
        copy(source.resolve("scripts/find-jdk.sh"), tree.resolve("scripts/find-jdk.sh"));
        Path built = Path.of("target").toAbsolutePath();
        try (Stream<Path> jars = Files.list(built)) {
            for (Path jar : jars.filter(LauncherAotIT::isModuleJar).toList()) {
                copy(jar, tree.resolve("caucus-kv/target").resolve(jar.getFileName()));
            }
        }
        try (Stream<Path> jars = Files.list(built.resolve("lib"))) {
            for (Path jar : jars.toList()) {
                copy(jar, tree.resolve("caucus-kv/target/lib").resolve(jar.getFileName()));
            }
        }
        Files.createFile(tree.resolve("caucus-kv/target/.caucus-built"));
        List<Integer> ports = LoopbackPorts.reserve(3);
        admin = new InetSocketAddress("127.0.0.1", ports.get(2));
        Files.writeString(scratch.resolve("cluster.yaml"), "nodes:\n  - id: n1\n"
                + "    raft: 127.0.0.1:" + ports.get(0) + "\n"
                + "    client: 127.0.0.1:" + ports.get(1) + "\n"
                + "    http: 127.0.0.1:" + ports.get(2) + "\n"
                + "dataDirectory: " + scratch.resolve("data") + "\n");
    }

    @AfterEach
    void stopLaunches() throws InterruptedException {
        for (Process process : launches) {
            stop(process);
        }
    }

    @Test
    void theFirstLaunchTrainsTheCacheAndEveryLaunchStartsWithItOrQuietlyWithoutIt() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the launcher makes a cache on JDK 25 or newer only");
        String first = startNode("first.out", "");
        assertThat(first).contains("caucus: training the AOT cache").contains("caucus: AOT cache written");
        Path cache = theCache();
        assertThat(Files.size(cache)).as("the cache's size").isGreaterThan(1_000_000);
        assertThat(nodeArguments()).as("the node's JVM options").contains("-XX:AOTCache=" + cache);
        assertQuiet(first);
        stopNodes();

        // The JVM's own account of the cache (its messages are off unless asked for): it maps it.
        String second = startNode("second.out", "-Xlog:aot=info");
        assertThat(second).as("a second launch trains nothing").doesNotContain("caucus: training");
        assertThat(second).as("the JVM's account of the cache").contains("Mapped static")
                .doesNotContain("Unable to map shared spaces");
        stopNodes();

        byte[] garbage = new byte[(int) Files.size(cache)];
        new Random(7).nextBytes(garbage);
        Files.write(cache, garbage);
        String third = startNode("third.out", "");
        assertThat(third).doesNotContain("caucus: training");
        assertThat(nodeArguments()).contains("-XX:AOTCache=" + cache);
        assertQuiet(third);
    }

    @Test
    void aotOffNeitherTrainsNorPassesACache() throws Exception {
        String output = startNodeWith("off.out", Map.of("CAUCUS_AOT", "off"));
        assertThat(output).doesNotContain("AOT");
        assertThat(nodeArguments()).noneMatch(argument -> argument.startsWith("-XX:AOTCache"));
        assertQuiet(output);
    }

    @Test
    void badSettingsAreRefusedBeforeAnythingRuns() throws Exception {
        assertRefused(Map.of("CAUCUS_AOT", "maybe"), "caucus: CAUCUS_AOT must be on or off (got 'maybe')");
        assertRefused(Map.of("CAUCUS_AOT_TRAINING_SECONDS", "2.5"),
                "caucus: CAUCUS_AOT_TRAINING_SECONDS must be a whole number of seconds, 1 or more (got '2.5')");
        assertThat(tree.resolve("target/launcher")).as("nothing built, copied or trained").doesNotExist();
    }

    private void assertRefused(Map<String, String> environment, String message) throws Exception {
        Path file = scratch.resolve("refused.out");
        ProcessBuilder builder = new ProcessBuilder(tree.resolve("caucus").toString(), "server", "--config",
                scratch.resolve("cluster.yaml").toString(), "--id", "n1")
                .directory(tree.toFile()).redirectErrorStream(true).redirectOutput(file.toFile());
        builder.environment().putAll(environment);
        Process launch = builder.start();
        assertThat(launch.waitFor(60, TimeUnit.SECONDS)).as("the launch ends").isTrue();
        assertThat(launch.exitValue()).isEqualTo(2);
        assertThat(Files.readString(file)).isEqualTo(message + "\n");
    }

    /** Starts node n1 through the launcher, waits until it leads, and returns what it printed so far. */
    private String startNode(String output, String javaOpts) throws Exception {
        return startNodeWith(output, Map.of("CAUCUS_AOT_TRAINING_SECONDS", "3", "CAUCUS_JAVA_OPTS", javaOpts));
    }

    private String startNodeWith(String output, Map<String, String> environment) throws Exception {
        Path file = scratch.resolve(output);
        ProcessBuilder builder = new ProcessBuilder(tree.resolve("caucus").toString(), "server", "--config",
                scratch.resolve("cluster.yaml").toString(), "--id", "n1")
                .directory(tree.toFile()).redirectErrorStream(true).redirectOutput(file.toFile());
        builder.environment().putAll(environment);
        Process launch = builder.start();
        launches.add(launch);
        StatusClient status = new StatusClient();
        await("n1 leading; output in " + file).atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(launch.isAlive()).as("the launch is running; output:\n%s", Files.readString(file)).isTrue();
            return status.fetch(admin).map(fields -> "n1".equals(fields.get("leader"))).orElse(false);
        });
        return Files.readString(file);
    }

    private List<String> nodeArguments() {
        Process last = launches.getLast();
        return last.info().arguments().map(List::of).orElse(List.of());
    }

    private void stopNodes() throws InterruptedException {
        for (Process process : launches) {
            stop(process);
        }
        launches.clear();
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** No JVM message (Unified Logging's warnings and errors, the launcher's WARNINGs) among a start's lines. */
    private static void assertQuiet(String output) {
        assertThat(output.lines()).as("a node's start")
                .noneMatch(line -> line.contains("WARNING") || line.contains("[warning]") || line.contains("[error"));
    }

    private Path theCache() throws IOException {
        try (Stream<Path> files = Files.walk(tree.resolve("target/launcher"))) {
            List<Path> caches = files.filter(path -> path.getFileName().toString().endsWith(".aot")).toList();
            assertThat(caches).as("AOT caches under target/launcher").hasSize(1);
            return caches.getFirst();
        }
    }

    private static boolean isModuleJar(Path path) {
        String name = path.getFileName().toString();
        return name.startsWith("caucus-kv-") && name.endsWith(".jar") && !name.contains("-sources")
                && !name.contains("-tests");
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }
}
