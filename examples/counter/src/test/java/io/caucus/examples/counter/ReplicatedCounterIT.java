package io.caucus.examples.counter;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The example as its README section runs it: three {@link ReplicatedCounter} processes; a write through one is
 * read on the others, and the counter keeps working after its leader is killed.
 */
class ReplicatedCounterIT {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final List<String> IDS = List.of("n1", "n2", "n3");

    private final HttpClient following = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpClient notFollowing = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Integer> httpPorts = new LinkedHashMap<>();

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process process : processes.values()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWriteThroughOneProcessIsReadOnTheOthersAndSurvivesTheLeadersDeath() throws Exception {
        startThreeProcesses();

        assertThat(addThrough("n1", "5")).isEqualTo("5");
        for (String id : List.of("n2", "n3")) {
            awaitLocalValue(id, "5");
            assertThat(poll("a linearizable read through " + id, () -> okBody(following, id, "GET", "/value", "")))
                    .isEqualTo("5");
        }
        assertThat(send(following, "n2", "POST", "/add", "five").statusCode()).isEqualTo(400);

        String leader = poll("the leader", () -> IDS.stream()
                .filter(id -> okBody(notFollowing, id, "GET", "/value", "") != null).findFirst().orElse(null));
        processes.remove(leader).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        List<String> survivors = IDS.stream().filter(id -> !id.equals(leader)).toList();

        assertThat(addThrough(survivors.get(0), "2")).isEqualTo("7");
        awaitLocalValue(survivors.get(1), "7");
        assertThat(poll("a read after the leader died", () ->
                okBody(following, survivors.get(1), "GET", "/value", ""))).isEqualTo("7");
    }

    private void startThreeProcesses() throws IOException {
        List<Integer> ports = freeLoopbackPorts(2 * IDS.size());
        List<String> members = new ArrayList<>();
        for (int i = 0; i < IDS.size(); i++) {
            httpPorts.put(IDS.get(i), ports.get(2 * i + 1));
            members.add(IDS.get(i) + "=127.0.0.1:" + ports.get(2 * i) + "/127.0.0.1:" + ports.get(2 * i + 1));
        }
        Path directory = Files.createDirectories(Path.of("target", "counter-it").toAbsolutePath());
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String id : IDS) {
            Path data = directory.resolve("data-" + System.nanoTime() + "-" + id);
            List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), ReplicatedCounter.class.getName(),
                    id, data.toString()));
            command.addAll(members);
            processes.put(id, new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(directory.resolve(id + ".log").toFile()).start());
        }
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

    /** Adds {@code delta} through node {@code id}, retrying while no leader answers; the new total. */
    private String addThrough(String id, String delta) {
        return poll("adding " + delta + " through " + id, () -> okBody(following, id, "POST", "/add", delta));
    }

    private void awaitLocalValue(String id, String expected) {
        poll(id + " applying the value " + expected,
                () -> expected.equals(okBody(notFollowing, id, "GET", "/value?local", "")) ? expected : null);
    }

    /** The body of a 200 answer, or null for anything else (not the leader, no leader yet, process down). */
    private String okBody(HttpClient client, String id, String method, String path, String body) {
        try {
            HttpResponse<String> response = send(client, id, method, path, body);
            return response.statusCode() == 200 ? response.body().trim() : null;
        } catch (IOException e) {
            return null; // not listening yet, or a redirect to the killed leader
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
                    + "; process logs are in target/counter-it", e);
        }
    }
}
