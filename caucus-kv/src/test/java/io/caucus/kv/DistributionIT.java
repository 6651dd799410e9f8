package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.config.ConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution the build makes (target/caucus-kv-*-dist.tar.gz), used as an operator uses it: unpacked
 * somewhere else, its example configuration valid, and {@code bin/caucus server} starting a node that
 * reports itself healthy on {@code /health}.
 */
class DistributionIT {

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path unpacked;

    @Test
    void theUnpackedTarballStartsAHealthyNode() throws Exception {
        Path home = unpack(tarball());
        assertThat(home.resolve("bin/caucus")).isExecutable();
        assertThat(home.resolve("bin/find-jdk.sh")).isRegularFile();
        assertThat(home.resolve("systemd/caucus@.service")).isRegularFile();
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            assertThat(jars.map(jar -> jar.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("caucus-kv-")).anyMatch(name -> name.startsWith("netty-"));
        }
        assertThat(ConfigLoader.load(home.resolve("conf/cluster.yaml")).nodes()).hasSize(3);

        List<Integer> ports = LoopbackPorts.reserve(3);
        Path config = Files.writeString(unpacked.resolve("single.yaml"), "nodes:\n  - id: n1\n"
                + "    raft: 127.0.0.1:" + ports.get(0) + "\n    client: 127.0.0.1:" + ports.get(1)
                + "\n    http: 127.0.0.1:" + ports.get(2) + "\ndataDirectory: " + unpacked.resolve("data") + "\n");
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/caucus").toString(), "server",
                "--config", config.toString(), "--id", "n1")
                .redirectErrorStream(true).redirectOutput(unpacked.resolve("n1.log").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process node = builder.start();
        try {
            awaitHealthy(ports.get(2), node);
        } finally {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        // bin/caucus passes the JVM flags Netty needs, as ./caucus does: no JDK warning on start.
        assertThat(Files.readAllLines(unpacked.resolve("n1.log"))).as("the node's output")
                .isNotEmpty().noneMatch(line -> line.contains("WARNING"));
    }

    private static Path tarball() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(file -> file.getFileName().toString().matches("caucus-kv-.*-dist\\.tar\\.gz"))
                    .findFirst().orElseThrow(() -> new AssertionError("no target/caucus-kv-*-dist.tar.gz: "
                            + "the package phase makes it"));
        }
    }

    /** Unpacks with tar, as an operator does; the archive holds one directory, caucus-VERSION. */
    private Path unpack(Path tarball) throws IOException, InterruptedException {
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C",
                unpacked.toString()).inheritIO().start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as("tar's exit status").isZero();
        try (Stream<Path> entries = Files.list(unpacked)) {
            return entries.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    private void awaitHealthy(int httpPort, Process node) throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
                .timeout(Duration.ofSeconds(10)).build();
        String[] last = {"no answer"};
        HttpResponse<String> healthy;
        try {
            healthy = await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!node.isAlive()) {
                    throw new AssertionError("the node exited with " + node.exitValue() + "; its log:\n"
                            + Files.readString(unpacked.resolve("n1.log")));
                }
                try {
                    HttpResponse<String> response = client.send(health, HttpResponse.BodyHandlers.ofString());
                    last[0] = response.statusCode() + " " + response.body();
                    return response;
                } catch (IOException e) {
                    last[0] = e.toString(); // not listening yet
                    return null;
                }
            }, response -> response != null && response.statusCode() == 200);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no 200 from /health within " + DEADLINE + " (last: " + last[0]
                    + "); the node's log:\n" + Files.readString(unpacked.resolve("n1.log")), e);
        }
        assertThat(healthy.body()).contains("\"leader\":\"n1\"");
    }
}
