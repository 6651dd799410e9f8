package io.caucus.examples.counters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three {@link ShardedCounters} processes, eight groups each: counters in every group are written through one
 * process and read on the others; one process is killed (SIGKILL: no orderly shutdown of its shared log) while
 * writes go on, then started again on the same data directory, and catches up on every group.
 */
class ShardedCountersIT {

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final List<String> IDS = List.of("n1", "n2", "n3");
    private static final int GROUPS = 8;
    private static final int COUNTERS = 24;

    private final HttpClient following = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpClient notFollowing = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Integer> httpPorts = new LinkedHashMap<>();
    private final Map<String, Path> dataDirectories = new LinkedHashMap<>();
    private final List<String> members = new ArrayList<>();
    private Path directory;

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process process : processes.values()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void countersInEveryGroupSurviveAProcessKilledAndRestarted() throws Exception {
        prepare();
        for (String id : IDS) {
            start(id);
        }
        Set<Long> groupsWritten = new HashSet<>();
        for (int i = 0; i < COUNTERS; i++) {
            assertThat(addThrough("n1", "c" + i, i + 1)).isEqualTo(Long.toString(i + 1));
            groupsWritten.add(ShardedCounters.groupOf("c" + i, GROUPS));
        }
        assertThat(groupsWritten).as("the counters fall in every group").hasSize(GROUPS);
        for (String id : IDS) {
            awaitLocalValues(id, 1);
        }

        processes.remove("n1").destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        for (int i = 0; i < COUNTERS; i++) {
            assertThat(addThrough("n2", "c" + i, 1000)).isEqualTo(Long.toString(i + 1 + 1000));
        }
        start("n1"); // the same data directory: every group recovers from the one shared log, then catches up

        for (String id : IDS) {
            awaitLocalValues(id, 1001);
        }
        assertThat(poll("a linearizable read through the restarted process",
                () -> okBody(following, "n1", "GET", "/counters/c5", ""))).isEqualTo("1006");
    }

    /** Waits until {@code id} has applied counter ci = i + base for every counter. */
    private void awaitLocalValues(String id, long base) {
        for (int i = 0; i < COUNTERS; i++) {
            String expected = Long.toString(i + base);
            String name = "c" + i;
            poll(id + " applying " + name + " = " + expected, () ->
                    expected.equals(okBody(notFollowing, id, "GET", "/counters/" + name + "?local", "")) ? expected
                            : null);
        }
    }

    private void prepare() throws IOException {
        List<Integer> ports = freeLoopbackPorts(2 * IDS.size());
        for (int i = 0; i < IDS.size(); i++) {
            httpPorts.put(IDS.get(i), ports.get(2 * i + 1));
            members.add(IDS.get(i) + "=127.0.0.1:" + ports.get(2 * i) + "/127.0.0.1:" + ports.get(2 * i + 1));
        }
        directory = Files.createDirectories(Path.of("target", "counters-it").toAbsolutePath());
        for (String id : IDS) {
            dataDirectories.put(id, directory.resolve("data-" + System.nanoTime() + "-" + id));
        }
    }

    private void start(String id) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ShardedCounters.class.getName(),
                id, dataDirectories.get(id).toString(), Integer.toString(GROUPS)));
        command.addAll(members);
        processes.put(id, new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve(id + ".log").toFile())).start());
    }

    /** Binds every port before releasing any, so the system cannot hand out the same one twice. */
    private static List<Integer> freeLoopbackPorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                sockets.add(socket);
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    /** Adds {@code delta} to counter {@code name} through process {@code id}, retrying while no leader answers. */
    private String addThrough(String id, String name, long delta) {
        return poll("adding " + delta + " to " + name + " through " + id,
                () -> okBody(following, id, "POST", "/counters/" + name, Long.toString(delta)));
    }

    /** The body of a 200 answer, or null for anything else (no leader yet, process down). */
    private String okBody(HttpClient client, String id, String method, String path, String body) {
        try {
            HttpResponse<String> response = send(client, id, method, path, body);
            return response.statusCode() == 200 ? response.body().trim() : null;
        } catch (IOException e) {
            return null; // not listening yet, or a redirect to the killed process
        }
    }

    private HttpResponse<String> send(HttpClient client, String id, String method, String path, String body)
            throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(id) + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Polls until {@code condition} answers non-null; fails naming what it waited for at the deadline. */
    private <T> T poll(String what, Supplier<T> condition) {
        try {
            return await(what).atMost(DEADLINE).pollInterval(Duration.ofMillis(100))
                    .until(condition::get, Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + DEADLINE + " waiting for " + what
                    + "; process logs are in target/counters-it", e);
        }
    }
}
