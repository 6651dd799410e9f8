package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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

    /**
     * A slot holding 20,000 keys moves to another group while Lettuce's cluster client increments counters in it and
     * {@code redis-cli -c} reads and writes it: both follow {@code -ASK} with {@code ASKING} as they do against
     * redis-server, and every acknowledged increment is there after the move.
     */
    @Test
    @Order(3)
    void aSlotMovedWhileLettuceAndRedisCliUseItLosesNoAcknowledgedWrite() throws Exception {
        int slot = SlotHash.getSlot("{mv}");
        List<RedisURI> seeds = List.of("n1", "n2", "n3").stream()
                .map(id -> RedisURI.create("127.0.0.1", port(id))).toList();
        RedisClusterClient client = RedisClusterClient.create(seeds);
        Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
        Set<String> uncertain = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<CaucusCommand> moved = new AtomicReference<>();
        AtomicLong target = new AtomicLong();
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisAdvancedClusterCommands<String, String> redis = connection.sync();
            for (int batch = 0; batch < 40; batch++) {
                Map<String, String> fill = new HashMap<>();
                for (int i = 0; i < 500; i++) {
                    fill.put("{mv}fill:" + (batch * 500 + i), "x".repeat(100));
                }
                assertThat(redis.mset(fill)).isEqualTo("OK");
            }
            Thread writer = Thread.ofPlatform().name("lettuce-writer").start(() -> {
                for (int i = 0; writing.get(); i++) {
                    String key = "{mv}counter:" + (i % 100);
                    try {
                        redis.incr(key);
                        acknowledged.merge(key, 1, Integer::sum);
                    } catch (RuntimeException e) {
                        uncertain.add(key); // outcome unknown: it may or may not have been applied
                    }
                }
            });
            cluster.poll(WRITES_DEADLINE, () -> total(acknowledged) >= 200 ? true : null,
                    "200 increments before the move");
            CaucusCommand slots = CaucusCommand.run("slots", "--http", http("n1"));
            assertThat(slots.exitCode()).as(slots.err()).isZero();
            target.set(groupOf(slots.out(), slot) == 2 ? 3 : 2);
            Thread mover = Thread.ofPlatform().name("caucus-slots-move").start(() -> moved.set(CaucusCommand.run(
                    "slots", "move", "--slots", Integer.toString(slot), "--to", Long.toString(target.get()),
                    "--wait-seconds", "120", "--http", http("n2"))));
            // redis-cli -c during the move: old keys read back, new ones written and read, wherever they live now.
            for (int i = 0; mover.isAlive() && i < 20; i++) {
                assertThat(redisCli(port("n3"), "GET", "{mv}fill:" + (i * 997))).isEqualTo("x".repeat(100));
                assertThat(redisCli(port("n1"), "SET", "{mv}cli:" + i, "c" + i)).isEqualTo("OK");
            }
            mover.join(TimeUnit.SECONDS.toMillis(150));
            assertThat(moved.get().exitCode()).as(moved.get().err()).isZero();
            assertThat(moved.get().out()).contains("moved slots " + slot + "-" + slot + " to group " + target.get());
            int atMove = total(acknowledged);
            cluster.poll(WRITES_DEADLINE, () -> total(acknowledged) >= atMove + 200 ? true : null,
                    "200 increments after the move");
            writing.set(false);
            writer.join(TimeUnit.SECONDS.toMillis(90));
            for (Map.Entry<String, Integer> counter : acknowledged.entrySet()) {
                long value = Long.parseLong(redis.get(counter.getKey()));
                if (uncertain.contains(counter.getKey())) {
                    assertThat(value).as(counter.getKey()).isGreaterThanOrEqualTo((long) counter.getValue());
                } else {
                    assertThat(value).as(counter.getKey()).isEqualTo((long) counter.getValue());
                }
            }
            assertThat(redis.get("{mv}fill:19999")).isEqualTo("x".repeat(100));
            assertThat(redisCli(port("n2"), "GET", "{mv}cli:0")).isEqualTo("c0");
        } finally {
            writing.set(false);
            client.shutdown();
        }
        CaucusCommand after = CaucusCommand.run("slots", "--http", http("n3"));
        assertThat(groupOf(after.out(), slot)).isEqualTo(target.get());
    }

    private static int total(Map<String, Integer> increments) {
        return increments.values().stream().mapToInt(Integer::intValue).sum();
    }

    private String http(String id) {
        return "127.0.0.1:" + cluster.config.node(id).http().getPort();
    }

    /** The group {@code caucus slots} lists for {@code slot}. */
    private static long groupOf(String slotsOutput, int slot) {
        for (String line : slotsOutput.lines().toList()) {
            String[] columns = line.trim().split(" +");
            if (columns.length >= 2 && columns[0].matches("\\d+(-\\d+)?")) {
                String[] range = columns[0].split("-");
                int start = Integer.parseInt(range[0]);
                int end = Integer.parseInt(range[range.length - 1]);
                if (start <= slot && slot <= end) {
                    return Long.parseLong(columns[1]);
                }
            }
        }
        throw new AssertionError("no group listed for slot " + slot + " in:\n" + slotsOutput);
    }

    @Test
    @Order(4)
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
