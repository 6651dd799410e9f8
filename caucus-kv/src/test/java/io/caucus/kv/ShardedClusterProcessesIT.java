package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;

/**
 * A sharded cluster of three real {@code caucus server} processes ({@code shards: 8}) spoken to by the Redis Cluster
 * clients users already have: {@code redis-cli -c}, Lettuce's {@link RedisClusterClient} and {@link JedisCluster},
 * unchanged; then one process is killed with SIGKILL while JedisCluster writes, and no acknowledged write is lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardedClusterProcessesIT {

    private static final Duration WRITES_DEADLINE = Duration.ofSeconds(120);

    private ProcessCluster cluster;

    @BeforeAll
    void startCluster() throws IOException {
        cluster = new ProcessCluster(ProcessCluster.freshDirectory("sharded-cluster-processes-test"), 3, 10_000,
                "shards: 8\n");
        cluster.startAll();
        for (String id : List.of("n1", "n2", "n3")) {
            awaitClusterOk(id);
        }
    }

    @AfterAll
    void stopCluster() {
        cluster.close();
    }

    private void awaitClusterOk(String id) {
        cluster.poll(ProcessCluster.STARTUP, () -> {
            try (Jedis jedis = cluster.client(id)) {
                return jedis.clusterInfo().contains("cluster_state:ok") ? true : null;
            } catch (RuntimeException e) {
                return null; // not listening yet
            }
        }, id + " reporting cluster_state:ok");
    }

    private int port(String id) {
        return cluster.config.node(id).client().getPort();
    }

    private static String redisCli(int port, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(RedisServerProcess.redisCli(), "-c", "-p", Integer.toString(port)));
        argv.addAll(List.of(command));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    @Test
    @Order(1)
    void redisCliInClusterModeFollowsRedirectsToEveryGroup() throws Exception {
        for (int i = 0; i < 24; i++) {
            assertThat(redisCli(port("n1"), "SET", "cli:" + i, "value " + i)).isEqualTo("OK");
        }
        for (int i = 0; i < 24; i++) {
            assertThat(redisCli(port("n3"), "GET", "cli:" + i)).isEqualTo("value " + i);
        }
        assertThat(redisCli(port("n2"), "CLUSTER", "INFO")).contains("cluster_state:ok")
                .contains("cluster_slots_assigned:16384").contains("cluster_known_nodes:3");
    }

    @Test
    @Order(2)
    void lettucesClusterClientSeesEverySlotAndWritesThroughTheLeaders() {
        List<RedisURI> seeds = List.of("n1", "n2", "n3").stream()
                .map(id -> RedisURI.create("127.0.0.1", port(id))).toList();
        RedisClusterClient client = RedisClusterClient.create(seeds);
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisAdvancedClusterCommands<String, String> redis = connection.sync();
            for (int i = 0; i < 500; i++) {
                assertThat(redis.set("lettuce:" + i, Integer.toString(i))).isEqualTo("OK");
            }
            for (int i = 0; i < 500; i++) {
                assertThat(redis.get("lettuce:" + i)).isEqualTo(Integer.toString(i));
            }
            int slots = 0;
            for (RedisClusterNode node : client.getPartitions()) {
                if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                    slots += node.getSlots().size();
                }
            }
            assertThat(slots).as("the masters' slots cover the key space once").isEqualTo(16384);
        } finally {
            client.shutdown();
        }
    }

    @Test
    @Order(3)
    void aProcessKilledWhileJedisClusterWritesLosesNoAcknowledgedWrite() throws Exception {
        Set<HostAndPort> seeds = new HashSet<>();
        for (String id : List.of("n1", "n2", "n3")) {
            seeds.add(new HostAndPort("127.0.0.1", port(id)));
        }
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (JedisCluster jedis = new JedisCluster(seeds, DefaultJedisClientConfig.builder()
                .socketTimeoutMillis(15_000).connectionTimeoutMillis(2_000).build(), 20, Duration.ofSeconds(60))) {
            Thread writer = Thread.ofPlatform().name("sharded-writer").start(() -> {
                for (int i = 0; writing.get(); i++) {
                    String key = "w:" + i;
                    try {
                        if ("OK".equals(jedis.set(key, "v" + i))) {
                            acknowledged.put(key, "v" + i);
                        }
                    } catch (RuntimeException e) {
                        failed.incrementAndGet(); // outcome unknown: not counted as acknowledged
                    }
                }
            });
            cluster.poll(WRITES_DEADLINE, () -> acknowledged.size() >= 300 ? true : null, "300 writes before the kill");
            cluster.kill("n2");
            int atKill = acknowledged.size();
            cluster.poll(WRITES_DEADLINE, () -> acknowledged.size() >= atKill + 300 ? true : null,
                    "300 more writes with n2 dead");
            writing.set(false);
            writer.join(TimeUnit.SECONDS.toMillis(90));
            cluster.start("n2");
            awaitClusterOk("n2");
            for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                assertThat(jedis.get(write.getKey())).as(write.getKey()).isEqualTo(write.getValue());
            }
        }
        assertThat(acknowledged.size()).isGreaterThanOrEqualTo(600);
        // The restarted process serves again: a key of a group it leads, or a MOVED to the leader, from its port.
        assertThat(redisCli(port("n2"), "GET", "w:0")).isEqualTo(acknowledged.get("w:0"));
    }
}
