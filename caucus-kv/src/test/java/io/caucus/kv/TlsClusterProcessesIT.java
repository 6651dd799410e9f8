package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.admin.StatusClient;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Three real {@code caucus server} processes with mutual TLS on the Raft port and TLS on the Redis port: they elect,
 * replicate (followers forward over TLS) and survive a leader kill; a fourth process whose certificate comes from
 * another CA cannot take part or disrupt: its connections are refused and the cluster's term does not move.
 */
class TlsClusterProcessesIT {

    private ProcessCluster cluster;
    private TlsFixture tls;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Jedis client(String id) throws Exception {
        SSLContext context = tls.sslContext(null);
        return new Jedis(new HostAndPort("127.0.0.1", cluster.config.node(id).client().getPort()),
                DefaultJedisClientConfig.builder().ssl(true).sslSocketFactory(context.getSocketFactory())
                        .socketTimeoutMillis(ProcessCluster.CLIENT_TIMEOUT_MILLIS).build());
    }

    /** SET through {@code id}, retried while leadership settles (SET is idempotent). */
    private void set(String id, String key, String value) {
        cluster.poll(Duration.ofSeconds(90), () -> {
            try (Jedis jedis = client(id)) {
                return "OK".equals(jedis.set(key, value)) ? true : null;
            } catch (JedisDataException e) {
                assertThat(e.getMessage()).matches("^(NOLEADER|NOTLEADER|UNKNOWN) .*");
                return null;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "SET " + key + " through " + id);
    }

    private long term(String id) {
        return cluster.status(id).map(status -> ((Number) status.get("term")).longValue()).orElse(-1L);
    }

    @Test
    void aMutualTlsClusterReplicatesSurvivesALeaderKillAndShutsOutAForeignCertificate() throws Exception {
        Path directory = ProcessCluster.freshDirectory("tls-cluster-processes-test");
        tls = new TlsFixture(directory, "cluster CA");
        String tlsYaml = "tls:\n  peer: " + tls.portYaml("require") + "\n  client: " + tls.portYaml("optional") + "\n";
        cluster = new ProcessCluster(directory, 3, 4000, tlsYaml);
        cluster.ids().forEach(tls::issue);
        cluster.startAll();
        String leader = cluster.awaitLeader(cluster.ids());
        List<String> followers = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
        for (String id : followers) {
            set(id, "through-" + id, "v-" + id);
        }
        assertThat(Files.readString(directory.resolve(leader + ".log"))).contains("TLS on the raft (mutual), redis");

        // An intruder with a valid certificate of another CA, listed with the cluster's members in its own file.
        Path intruderDirectory = Files.createDirectories(directory.resolve("intruder"));
        TlsFixture foreign = new TlsFixture(intruderDirectory, "another cluster's CA");
        foreign.issue("n4");
        java.util.List<Integer> ports = LoopbackPorts.reserve(3);
        Files.writeString(intruderDirectory.resolve("cluster.yaml"), Files.readString(cluster.clusterFile)
                .replace("nodes:\n", "nodes:\n  - {id: n4, raft: 127.0.0.1:" + ports.get(0) + ", client: 127.0.0.1:"
                        + ports.get(1) + ", http: 127.0.0.1:" + ports.get(2) + "}\n")
                .replace("dataDirectory: " + directory.resolve("data"), "dataDirectory: "
                        + intruderDirectory.resolve("data")));
        Map<String, Long> termsBefore = Map.of(leader, term(leader), followers.get(0), term(followers.get(0)));
        cluster.startWith(intruderDirectory.resolve("cluster.yaml"), "n4");
        StatusClient statusClient = new StatusClient();
        java.net.InetSocketAddress intruderHttp = new java.net.InetSocketAddress("127.0.0.1", ports.get(2));
        cluster.poll(Duration.ofSeconds(90), () -> refusals(directory, leader) >= 1 && handshakesRefused(leader) >= 2
                        && statusClient.fetch(intruderHttp)
                        .map(status -> !"follower".equals(status.get("role"))).orElse(false) ? true : null,
                "the intruder to campaign and " + leader + " to refuse its connections");
        termsBefore.forEach((id, before) -> assertThat(term(id)).as("term of " + id).isEqualTo(before));
        assertThat(cluster.awaitLeader(cluster.ids())).isEqualTo(leader);
        cluster.kill("n4");

        cluster.kill(leader);
        String successor = cluster.awaitLeader(followers);
        assertThat(successor).isNotEqualTo(leader);
        set(successor, "after-kill", "yes");
        try (Jedis jedis = client(followers.getLast())) {
            for (String id : followers) {
                assertThat(jedis.get("through-" + id)).isEqualTo("v-" + id);
            }
            assertThat(jedis.get("after-kill")).isEqualTo("yes");
        }
    }

    /** The leader's count of refused peer handshakes: every attempt, where the log holds back repeats. */
    private long handshakesRefused(String id) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + cluster.adminAddress(id) + "/metrics"))
                .timeout(Duration.ofSeconds(2)).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body().lines()
                    .filter(line -> line.startsWith("caucus_peer_handshakes_refused_total"))
                    .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
        } catch (java.io.IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static long refusals(Path directory, String id) {
        try {
            return Files.readString(directory.resolve(id + ".log")).lines()
                    .filter(line -> line.contains("refusing connection") && line.contains("TLS handshake failed"))
                    .count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
