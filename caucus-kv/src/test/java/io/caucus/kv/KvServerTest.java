package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.admin.StatusClient;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.kv.state.KvStateMachine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;

/** The real RESP and HTTP servers in this JVM, over a scripted single node, driven by Jedis and HttpClient. */
class KvServerTest {

    private final FakeNode node = new FakeNode("n1");
    private final ClusterConfig config;
    private final KvServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    KvServerTest() throws IOException {
        config = configOnFreePorts("");
        server = new KvServer(config, config.node("n1"), node, node.stateMachine::digest,
                node.stateMachine::nextExpiryMillis);
    }

    /** A one-node cluster file on free loopback ports, with {@code tunables} (YAML lines) appended. */
    private static ClusterConfig configOnFreePorts(String tunables) throws IOException {
        List<Integer> ports = LoopbackPorts.reserve(3);
        return ConfigLoader.parse(Path.of("test.yaml"), "nodes:\n  - {id: n1, raft: 127.0.0.1:" + ports.get(0)
                + ", client: 127.0.0.1:" + ports.get(1) + ", http: 127.0.0.1:" + ports.get(2) + "}\n" + tunables);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Jedis jedis() {
        return new Jedis("127.0.0.1", config.node("n1").client().getPort(), 10_000);
    }

    private HttpResponse<String> get(String path) throws Exception {
        InetSocketAddress address = config.node("n1").http();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesClientsOnTheNodesOwnLoopByDefault() {
        try (Jedis jedis = jedis()) {
            assertThat(jedis.set("k", "v")).isEqualTo("OK");
        }
        assertThat(node.lastSubmitThread).isEqualTo(node.executorThreadName());
    }

    @Test
    void clientIoThreadsGiveTheRedisPortLoopsOfItsOwn() throws IOException {
        ClusterConfig ownThreads = configOnFreePorts("clientIoThreads: 2\n");
        FakeNode other = new FakeNode("n1");
        try (KvServer separate = new KvServer(ownThreads, ownThreads.node("n1"), other);
             Jedis jedis = new Jedis("127.0.0.1", ownThreads.node("n1").client().getPort(), 10_000)) {
            assertThat(jedis.set("k", "v")).isEqualTo("OK");
            assertThat(jedis.get("k")).isEqualTo("v");
        }
        assertThat(other.lastSubmitThread).startsWith("caucus-resp-");
    }

    @Test
    void servesARedisClientIncludingPipelinesAndErrors() {
        try (Jedis jedis = jedis()) {
            assertThat(jedis.set("k", "v")).isEqualTo("OK");
            assertThat(jedis.get("k")).isEqualTo("v");
            assertThat(jedis.incrBy("n", 5)).isEqualTo(5L);
            assertThat(jedis.decr("n")).isEqualTo(4L);
            Pipeline pipeline = jedis.pipelined();
            List<Response<Long>> increments = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                increments.add(pipeline.incr("pipelined"));
            }
            Response<String> last = pipeline.get("pipelined");
            pipeline.sync();
            for (int i = 0; i < increments.size(); i++) {
                assertThat(increments.get(i).get()).isEqualTo(i + 1L);
            }
            assertThat(last.get()).isEqualTo("1000");
            try {
                jedis.incr("k");
                throw new AssertionError("INCR of a non-integer succeeded");
            } catch (JedisDataException e) {
                assertThat(e.getMessage()).isEqualTo("ERR value is not an integer or out of range");
            }
            node.scriptedSubmitFailures.add(() -> new io.caucus.server.OverloadedException("too many"));
            try {
                jedis.set("k", "w");
                throw new AssertionError("an overloaded write succeeded");
            } catch (JedisDataException e) {
                assertThat(e.getMessage()).startsWith("OVERLOADED ");
            }
            assertThat(jedis.get("k")).isEqualTo("v");
        }
        assertThat(node.stateMachine.sessionCount()).isEqualTo(1);
    }

    @Test
    void adminPortAnswersStatusHealthAndMetrics() throws Exception {
        try (Jedis jedis = jedis()) {
            jedis.set("k", "v");
        }
        HttpResponse<String> status = get("/status");
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).startsWith("{\"id\":\"n1\",\"role\":\"leader\",\"term\":1,\"leader\":\"n1\","
                + "\"commit\":2,\"applied\":2,\"lastIndex\":2,\"members\":[\"n1\"],\"voters\":[\"n1\"],"
                + "\"outgoingVoters\":[],\"learners\":[],\"part\":\"voter\",\"followers\":{}}");
        assertThat(new StatusClient().fetch(config.node("n1").http()).orElseThrow()).containsEntry("role", "leader");
        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"healthy\":true");
        node.leader = null;
        assertThat(get("/health").statusCode()).isEqualTo(503);
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.body()).contains("caucus_term 1").contains("caucus_commit_index 2")
                .contains("caucus_requests_total{command=\"SET\"} 1")
                .contains("caucus_request_duration_seconds_bucket{kind=\"write\",le=\"+Inf\"} 1")
                .contains("caucus_request_duration_seconds_count{kind=\"write\"} 1")
                .contains("# TYPE caucus_log_sync_duration_seconds histogram")
                .contains("caucus_log_sync_duration_seconds_bucket{le=\"+Inf\"} 0")
                .contains("caucus_log_sync_duration_seconds_count 0");
        HttpResponse<String> digest = get("/digest");
        assertThat(digest.statusCode()).isEqualTo(200);
        assertThat(digest.body()).isEqualTo("{\"applied\":2,\"keys\":1,\"sha256\":\""
                + node.stateMachine.digest().sha256() + "\"}\n");
        assertThat(get("/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void snapshotEndpointSnapshotsThisNodeAndSaysWhenItCannot() throws Exception {
        try (Jedis jedis = jedis()) {
            jedis.set("k", "v");
        }
        HttpResponse<String> taken = post("/snapshot");
        assertThat(taken.statusCode()).isEqualTo(200);
        assertThat(taken.body()).isEqualTo("{\"node\":\"n1\",\"index\":2,\"term\":1}\n");
        KvStateMachine restored = new KvStateMachine(100);
        restored.restore(2, new java.io.ByteArrayInputStream(node.lastSnapshotBytes));
        assertThat(restored.digest()).isEqualTo(node.stateMachine.digest());
        assertThat(get("/snapshot").statusCode()).isEqualTo(405);
        node.takesSnapshots = false;
        HttpResponse<String> unsupported = post("/snapshot");
        assertThat(unsupported.statusCode()).isEqualTo(501);
        assertThat(unsupported.body()).contains("\"error\":\"UNSUPPORTED\"");
    }

    private HttpResponse<String> post(String path) throws Exception {
        InetSocketAddress address = config.node("n1").http();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
