package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.cli.Main;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.transport.tls.CertificateAuthority;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The admin port over HTTPS with real certificates, on a {@link KvServer} over a scripted node: /health and /metrics
 * stay open, everything else needs the bearer token or a client certificate (401 otherwise, and nothing done), a
 * plaintext client is refused, and the {@code caucus} subcommands reach it with --cacert, --cert/--key and --token.
 */
class AdminSecurityTest {

    private static final String TOKEN = "an-admin-token-of-some-length";

    @TempDir
    Path directory;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TlsFixture tls;
    private Path clusterFile;
    private int httpPort;
    private KvServer server;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
    }

    private void start(String clientAuth) throws Exception {
        List<Integer> ports = LoopbackPorts.reserve(3);
        httpPort = ports.get(2);
        tls = new TlsFixture(directory, "admin test CA");
        tls.issue("n1");
        Files.writeString(directory.resolve("admin-token"), TOKEN + "\n");
        clusterFile = directory.resolve("cluster.yaml");
        Files.writeString(clusterFile, "nodes:\n  - {id: n1, raft: 127.0.0.1:" + ports.get(0)
                + ", client: 127.0.0.1:" + ports.get(1) + ", http: 127.0.0.1:" + ports.get(2) + "}\n"
                + "tls:\n  admin: " + tls.portYaml(clientAuth) + "\nadminTokenFile: admin-token\n");
        ClusterConfig config = ConfigLoader.load(clusterFile);
        FakeNode node = new FakeNode("n1");
        server = new KvServer(config, config.node("n1"), node, node.stateMachine::digest,
                node.stateMachine::nextExpiryMillis);
        toClose.add(server);
        try (redis.clients.jedis.Jedis jedis = new redis.clients.jedis.Jedis("127.0.0.1", ports.get(1))) {
            jedis.set("k", "v"); // something to snapshot: the scripted node's snapshot is then at index 1
        }
    }

    private HttpResponse<String> call(SSLContext context, String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpPort + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try (HttpClient client = HttpClient.newBuilder().sslContext(context).build()) {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void changesNeedTheTokenOrAClientCertificateWhileHealthAndMetricsStayOpen() throws Exception {
        start("optional");
        SSLContext anonymous = tls.sslContext(null);
        assertThat(call(anonymous, "GET", "/health", null).statusCode()).isEqualTo(200);
        assertThat(call(anonymous, "GET", "/metrics", null).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = call(anonymous, "POST", "/snapshot", null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("authentication required");
        assertThat(call(anonymous, "GET", "/status", null).statusCode()).isEqualTo(401);
        assertThat(call(anonymous, "POST", "/snapshot", "wrong-token-of-some-length").statusCode()).isEqualTo(401);
        assertThat(call(anonymous, "DELETE", "/members/n2", TOKEN.substring(1)).statusCode()).isEqualTo(401);
        assertThat(call(anonymous, "POST", "/members/n1/addresses", null).statusCode()).isEqualTo(401);
        assertThat(server.adminRefusedRequests()).isEqualTo(5);

        assertThat(call(anonymous, "POST", "/snapshot", TOKEN).statusCode()).isEqualTo(200);
        assertThat(call(anonymous, "GET", "/status", TOKEN).body()).contains("\"id\":\"n1\"");
        SSLContext operator = tls.sslContext(tls.issue("operator"));
        assertThat(call(operator, "POST", "/snapshot", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
        start("none");
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpPort + "/members"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[65 * 1024])).build();
        try (HttpClient client = HttpClient.newBuilder().sslContext(tls.sslContext(null)).build()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.body()).contains("request body larger than adminMaxBodyBytes (65536 bytes)");
        }
        assertThat(server.metrics().limitHits("admin_body")).isEqualTo(1);
        assertThat(call(tls.sslContext(null), "GET", "/health", null).statusCode()).isEqualTo(200);
    }

    /**
     * A Content-Length of 1 GiB, with a few bytes of body sent: refused at the header, and while the second such
     * request is refused (the first loads the classes involved), every thread of the node together allocates less
     * than 4 MiB, its TLS session included.
     */
    @Test
    void aClaimedGigabyteBodyCostsNoMoreThanTheBytesSent() throws Exception {
        start("none");
        long allocated = 0;
        for (int request = 1; request <= 2; request++) {
            long allocatedBefore = HeapAllocations.total();
            String response = postClaimingAGigabyte();
            allocated = HeapAllocations.total() - allocatedBefore;
            assertThat(response).startsWith("HTTP/1.1 413 ")
                    .contains("{\"error\":\"request body larger than adminMaxBodyBytes (65536 bytes)\"}");
        }
        assertThat(allocated).isLessThan(4L << 20);
        assertThat(server.metrics().limitHits("admin_body")).isEqualTo(2);
        assertThat(call(tls.sslContext(null), "GET", "/health", null).statusCode()).isEqualTo(200);
    }

    /**
     * Clients that announce a body and never send it, one more than the admin port has threads, do not shut the
     * operators out: each connection is closed once it has taken longer than the request time limit (3 s in the
     * tests, by caucus-kv's surefire configuration; 30 s by default) and the port answers again.
     */
    @Test
    void clientsThatNeverSendTheirBodyDoNotHoldTheAdminPort() throws Exception {
        start("none");
        List<javax.net.ssl.SSLSocket> silent = new ArrayList<>();
        try {
            for (int client = 0; client < 5; client++) {
                javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.sslContext(null).getSocketFactory()
                        .createSocket("127.0.0.1", httpPort);
                socket.setSoTimeout(120_000);
                silent.add(socket);
                try {
                    socket.getOutputStream().write(("POST /members HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                            + "Bearer " + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                } catch (java.net.SocketException reset) {
                    // The fifth waits for a thread to take its TLS handshake and may be cut off before it gets one.
                }
            }
            for (javax.net.ssl.SSLSocket socket : silent) {
                assertThat(readUntilCutOff(socket)).as("what a silent client is sent before it is cut off").isEmpty();
            }
            assertThat(call(tls.sslContext(null), "GET", "/health", null).statusCode()).isEqualTo(200);
        } finally {
            for (javax.net.ssl.SSLSocket socket : silent) {
                socket.close();
            }
        }
    }

    /**
     * Everything the server sends before it closes the connection, whether it ends with a close or a reset (as
     * TLS closes may); a read that times out (the server kept it open) fails the test.
     */
    private static byte[] readUntilCutOff(javax.net.ssl.SSLSocket socket) throws java.io.IOException {
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            for (int read; (read = socket.getInputStream().read(buffer)) >= 0; ) {
                received.write(buffer, 0, read);
            }
        } catch (java.net.SocketException reset) {
            // cut off with a reset: as good as a close here (a timeout is not a SocketException)
        } catch (javax.net.ssl.SSLException closed) {
            // cut off before its handshake ended, with the same meaning
        }
        return received.toByteArray();
    }

    /** The response to a POST announcing 1 GiB and sending 6 bytes of it. */
    private String postClaimingAGigabyte() throws Exception {
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.sslContext(null).getSocketFactory()
                .createSocket("127.0.0.1", httpPort)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("POST /members HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{\"id\":")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // The JDK's server drains up to 64 KiB of an unread body before it sends the refusal (docs/security.md):
            // the client ends its side rather than keep the server's thread waiting.
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aPlaintextClientGetsNoAnswer() throws Exception {
        start("none");
        try (HttpClient client = HttpClient.newHttpClient()) {
            assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                    + "/health")).build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        }
    }

    @Test
    void subcommandsReachTheAdminPortWithCacertCertKeyAndToken() throws Exception {
        start("optional");
        String http = "127.0.0.1:" + httpPort;
        String ca = tls.caFile().toString();
        assertThat(caucus("snapshot", "--http", http, "--cacert", ca, "--token",
                directory.resolve("admin-token").toString())).matches("0 n1: snapshot at index [1-9][0-9]*, term 1");
        assertThat(caucus("snapshot", "--http", http, "--cacert", ca)).startsWith("1 ")
                .contains("authentication required");
        tls.issue("operator");
        assertThat(caucus("snapshot", "--http", http, "--cacert", ca, "--cert",
                directory.resolve("operator.pem").toString(), "--key", directory.resolve("operator.key").toString()))
                .matches("0 n1: snapshot at index [1-9][0-9]*, term 1");
        // With --config, HTTPS and its trust come from the file's tls.admin.
        assertThat(caucus("status", "--config", clusterFile.toString())).contains("n1", "unreachable");
        assertThat(caucus("status", "--config", clusterFile.toString(), "--token",
                directory.resolve("admin-token").toString())).contains("n1", "leader").doesNotContain("unreachable");
        assertThat(caucus("member", "list", "--config", clusterFile.toString(), "--token",
                directory.resolve("admin-token").toString())).startsWith("0 ");
    }

    /** The exit code, a space, then what the command printed (standard output and error, stripped). */
    private static String caucus(String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(out, true));
        int exit = commandLine.execute(args);
        return exit + " " + out.toString().strip();
    }
}
