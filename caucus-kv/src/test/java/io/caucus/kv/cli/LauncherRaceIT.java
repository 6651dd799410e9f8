package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.admin.StatusClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./caucus} launcher started three times at once, as a service manager starts three nodes, on a
 * scratch copy of this source tree without the launcher's stamp: one launch builds, the other two wait for it,
 * and all three nodes start. A rebuild while they run leaves the jars they loaded untouched.
 *
 * <p>The copy takes the modules' compiled classes and jars with their times, so the launcher's build is the
 * incremental one a developer sees after editing a file (tens of seconds), not a build from nothing. The
 * launcher builds caucus-kv and the modules below it, not the chaos tester: the test checks that too.
 */
class LauncherRaceIT {

    private static final Duration DEADLINE = Duration.ofMinutes(5);
    /** What of a module's target/ the copy keeps: the build's outputs, not test runs' files. */
    private static final Set<String> BUILD_OUTPUTS = Set.of("classes", "test-classes", "generated-sources",
            "generated-test-sources", "maven-status", "maven-archiver", "lib");

    private final List<Process> launches = new ArrayList<>();
    private final StatusClient statusClient = new StatusClient();

    @AfterEach
    void stopLaunches() throws InterruptedException {
        for (Process process : launches) {
            process.destroy();
        }
        for (Process process : launches) {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void threeLaunchesAtOnceBuildOnceAndAllStart() throws Exception {
        Path scratch = Path.of("target", "launcher-race").toAbsolutePath();
        Directories.deleteTree(scratch);
        Path tree = copyOfSourceTree(scratch.resolve("tree"));
        List<InetSocketAddress> adminAddresses = writeClusterFile(scratch);

        for (int i = 1; i <= 3; i++) {
            launches.add(launch(tree, scratch.resolve("n" + i + ".out"), "server", "--config",
                    scratch.resolve("cluster.yaml").toString(), "--id", "n" + i));
        }
        awaitLeader(adminAddresses, scratch);

        List<String> outputs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            outputs.add(Files.readString(scratch.resolve("n" + i + ".out")));
        }
        assertThat(outputs).as("launch outputs").filteredOn(out -> out.contains("caucus: building")).hasSize(1);
        assertThat(outputs).filteredOn(out -> out.contains("caucus: waiting for another launch's build")).hasSize(2);
        assertThat(outputs).as("the nodes' own output: the launches that did not build")
                .filteredOn(out -> !out.contains("caucus: building"))
                .noneMatch(out -> out.contains("WARNING") || out.contains("SLF4J"));
        assertThat(tree.resolve("caucus-chaos/target/.caucus-built")).as("the chaos tester is not built")
                .doesNotExist();
        List<Path> copies = runnableCopies(tree);
        assertThat(jarNames(copies.get(0))).as("the jars the nodes run").anyMatch(name -> name.startsWith("caucus-kv-"))
                .noneMatch(name -> name.startsWith("caucus-chaos-") || name.startsWith("caucus-sim-"));
        assertThat(copies).as("one copy of the built jars for all three launches").hasSize(1);
        for (Process process : launches) {
            assertThat(process.info().arguments().map(List::of).orElse(List.of()))
                    .as("the node's class path").anyMatch(arg -> arg.contains(copies.get(0).toString()));
        }

        rebuildWhileRunning(tree, scratch);
        assertThat(runnableCopies(tree)).as("the running nodes' copy stays beside the new one")
                .hasSize(2).contains(copies.get(0));
        assertThat(launches).allMatch(Process::isAlive);
        awaitLeader(adminAddresses, scratch);
    }

    /**
     * Edits a source file and launches once more: it builds, and makes a new copy of the jars. The file is in
     * the last module built (caucus-kv), so that only it compiles again.
     */
    private void rebuildWhileRunning(Path tree, Path scratch) throws Exception {
        Path source = tree.resolve("caucus-kv/src/main/java/io/caucus/kv/cli/Main.java");
        Files.setLastModifiedTime(source, FileTime.from(Instant.now()));
        Path output = scratch.resolve("rebuild.out");
        Process rebuild = launch(tree, output, "--version");
        assertThat(rebuild.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("the rebuild ends").isTrue();
        assertThat(rebuild.exitValue()).as(Files.readString(output)).isZero();
        assertThat(Files.readString(output)).contains("caucus: building");
    }

    private static Process launch(Path tree, Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(tree.resolve("caucus").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tree.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        // The AOT training (about 30 s, once per build) is LauncherAotIT's; here it would only add its time.
        builder.environment().put("CAUCUS_AOT", "off");
        return builder.start();
    }

    private static List<String> jarNames(Path copy) throws IOException {
        try (Stream<Path> jars = Stream.concat(Files.list(copy), Files.list(copy.resolve("lib")))) {
            return jars.map(jar -> jar.getFileName().toString()).filter(name -> name.endsWith(".jar")).toList();
        }
    }

    private static List<Path> runnableCopies(Path tree) throws IOException {
        try (Stream<Path> entries = Files.list(tree.resolve("target/launcher"))) {
            return entries.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** Waits until every node answers its admin port and all name the same leader. */
    private void awaitLeader(List<InetSocketAddress> adminAddresses, Path scratch) {
        poll(() -> {
            Object leader = null;
            for (InetSocketAddress address : adminAddresses) {
                Optional<Map<String, Object>> status = statusClient.fetch(address);
                Object named = status.map(fields -> fields.get("leader")).orElse(null);
                if (named == null || leader != null && !leader.equals(named)) {
                    return null;
                }
                leader = named;
            }
            return leader;
        }, "three nodes agreeing on a leader; launch outputs are in " + scratch);
    }

    /** Polls {@code condition} until non-null, failing at once if a launch exits meanwhile. */
    private <T> T poll(Supplier<T> condition, String what) {
        return await(what).atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
            T value = condition.get();
            if (value == null) {
                assertThat(launches).as("launches still running while waiting for " + what).allMatch(Process::isAlive);
            }
            return value;
        }, Objects::nonNull);
    }

    /** A 3-node cluster file on loopback ports, each held until all nine are chosen; answers the admin ports. */
    private static List<InetSocketAddress> writeClusterFile(Path scratch) throws IOException {
        List<Integer> ports = LoopbackPorts.reserve(9);
        StringBuilder yaml = new StringBuilder("nodes:\n");
        List<InetSocketAddress> admin = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            yaml.append("  - id: n").append(i + 1).append('\n')
                    .append("    raft: 127.0.0.1:").append(ports.get(3 * i)).append('\n')
                    .append("    client: 127.0.0.1:").append(ports.get(3 * i + 1)).append('\n')
                    .append("    http: 127.0.0.1:").append(ports.get(3 * i + 2)).append('\n');
            admin.add(new InetSocketAddress("127.0.0.1", ports.get(3 * i + 2)));
        }
        // Slow ticks: the machine is busy building, and spurious elections would only slow the test down.
        yaml.append("tickIntervalMillis: 100\n").append("dataDirectory: ").append(scratch.resolve("data"))
                .append('\n');
        Files.writeString(scratch.resolve("cluster.yaml"), yaml);
        return admin;
    }

    /**
     * This module's source tree (its parent directory) copied to {@code destination} with file times kept:
     * sources, poms, scripts and each module's build outputs, but not .git, test runs' files, the launcher's
     * copies or its stamp.
     */
    private static Path copyOfSourceTree(Path destination) throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                if (!dir.equals(root) && !copied(root.relativize(dir))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(destination.resolve(root.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Path relative = root.relativize(file);
                if (copied(relative)) {
                    Files.copy(file, destination.resolve(relative.toString()), StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return destination;
    }

    private static boolean copied(Path relative) {
        String first = relative.getName(0).toString();
        if (first.equals(".git") || first.equals("target") || relative.endsWith(".caucus-built")) {
            return false;
        }
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
            if (relative.getName(i).toString().equals("target")) {
                String output = relative.getName(i + 1).toString();
                return BUILD_OUTPUTS.contains(output) || output.endsWith(".jar");
            }
        }
        return true;
    }
}
