package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.command.ErrorCodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Three real {@code caucus server} processes on loopback, driven through Jedis. The steps share one cluster
 * and run in order; every acknowledged write is remembered and checked after each disruption.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterProcessesIT {

    private static final Duration CATCH_UP = Duration.ofSeconds(90);

    private ProcessCluster cluster;
    /** Every write a client saw acknowledged: key -> value. */
    private final Map<String, String> acknowledged = new LinkedHashMap<>();

    @BeforeAll
    void startCluster() throws Exception {
        cluster = new ProcessCluster(ProcessCluster.freshDirectory("cluster-processes-test"), 3, 4000);
        cluster.startAll();
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** SET through {@code id}, retried while no leader is known (SET is idempotent); remembered once OK. */
    private void writeAcknowledged(String id, String key, String value) {
        cluster.poll(CATCH_UP, () -> {
            try (Jedis jedis = cluster.client(id)) {
                String reply = jedis.set(key, value);
                assertThat(reply).isEqualTo("OK");
                acknowledged.put(key, value);
                return true;
            } catch (JedisDataException e) {
                assertThat(e.getMessage()).matches("^(NOLEADER|NOTLEADER|UNKNOWN) .*");
                return null;
            }
        }, "SET " + key + " through " + id);
    }

    private void assertEveryAcknowledgedWriteReadableThrough(List<String> ids) {
        for (String id : ids) {
            try (Jedis jedis = cluster.client(id)) {
                for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                    assertThat(jedis.get(write.getKey())).as("GET %s through %s", write.getKey(), id)
                            .isEqualTo(write.getValue());
                }
            }
        }
    }

    @Test
    @Order(1)
    void electsALeaderAndServesWritesAndLinearizableReadsThroughEveryNode() {
        cluster.awaitLeader(cluster.ids());
        for (String id : cluster.ids()) {
            writeAcknowledged(id, "written-through-" + id, "value-" + id);
        }
        assertEveryAcknowledgedWriteReadableThrough(cluster.ids());

        List<Long> counts = new ArrayList<>();
        for (String id : cluster.ids()) {
            try (Jedis jedis = cluster.client(id)) {
                counts.add(jedis.incr("counter"));
                // Read-your-writes on one connection, even on a follower that forwards.
                assertThat(jedis.get("counter")).isEqualTo(String.valueOf(counts.getLast()));
            }
        }
        assertThat(counts).containsExactly(1L, 2L, 3L);
        acknowledged.put("counter", "3");

        try (Jedis jedis = cluster.client(cluster.ids().getLast())) {
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.mset("m1", "a", "m2", "b")).isEqualTo("OK");
            assertThat(jedis.mget("m1", "missing", "m2")).containsExactly("a", null, "b");
            assertThat(jedis.append("m1", "c")).isEqualTo(2L);
            assertThat(jedis.strlen("m1")).isEqualTo(2L);
            assertThat(jedis.exists("m1", "m2", "missing")).isEqualTo(2L);
            assertThat(jedis.del("m2")).isEqualTo(1L);
            assertThat(jedis.sendCommand(() -> "CAS".getBytes(), "m1", "ac", "swapped")).isEqualTo(1L);
            assertThat(jedis.sendCommand(() -> "CAS".getBytes(), "m1", "ac", "again")).isEqualTo(0L);
            assertThat(jedis.get("m1")).isEqualTo("swapped");
            assertThat(jedis.info("raft")).contains("role:").contains("members:n1,n2,n3");
            assertThat(jedis.dbSize()).isGreaterThanOrEqualTo(5L);
            acknowledged.put("m1", "swapped");
        }
    }

    @Test
    @Order(2)
    void aKilledLeaderIsReplacedWithoutLosingAcknowledgedWritesAndCatchesUpOnRestart() throws Exception {
        String leader = cluster.awaitLeader(cluster.ids());
        cluster.kill(leader);
        List<String> survivors = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();
        String successor = cluster.awaitLeader(survivors);
        assertThat(successor).isNotEqualTo(leader);

        for (String id : survivors) {
            writeAcknowledged(id, "after-failover-" + id, "still-" + id);
        }
        assertEveryAcknowledgedWriteReadableThrough(survivors);

        long commitBeforeRestart = cluster.commitIndex(successor);
        cluster.start(leader);
        cluster.poll(CATCH_UP, () -> cluster.appliedIndex(leader) >= commitBeforeRestart ? true : null,
                leader + " to apply up to " + commitBeforeRestart + " after its restart");
        assertEveryAcknowledgedWriteReadableThrough(cluster.ids());
    }

    @Test
    @Order(3)
    void aRestartOfTheWholeClusterKeepsEveryAcknowledgedWrite() throws Exception {
        for (String id : cluster.ids()) {
            cluster.kill(id);
        }
        cluster.startAll();
        cluster.awaitLeader(cluster.ids());
        assertEveryAcknowledgedWriteReadableThrough(cluster.ids());
    }

    @Test
    @Order(4)
    void withAMajorityDownWritesFailWithTheDocumentedErrorsAndNothingIsAcknowledged() throws Exception {
        cluster.awaitLeader(cluster.ids());
        String survivor = cluster.ids().getFirst();
        for (String id : cluster.ids().subList(1, cluster.ids().size())) {
            cluster.kill(id);
        }
        Map<String, String> codes = new LinkedHashMap<>();
        try (Jedis jedis = cluster.client(survivor)) {
            for (int i = 0; i < 3; i++) {
                String key = "during-outage-" + i;
                try {
                    String reply = jedis.set(key, "must-not-be-acknowledged");
                    throw new AssertionError("a write was acknowledged without a majority: " + key + " -> " + reply);
                } catch (JedisDataException e) {
                    assertThat(e.getMessage()).matches("^(NOLEADER|UNKNOWN) .*");
                    codes.put(key, e.getMessage().split(" ")[0]);
                }
            }
            assertThat(jedis.ping()).isEqualTo("PONG"); // the connection is still usable
        }
        assertThat(codes).containsValue(ErrorCodes.NOLEADER); // once the leader stepped down (CheckQuorum)

        for (String id : cluster.ids().subList(1, cluster.ids().size())) {
            cluster.start(id);
        }
        cluster.awaitLeader(cluster.ids());
        assertEveryAcknowledgedWriteReadableThrough(cluster.ids());
        try (Jedis jedis = cluster.client(survivor)) {
            codes.forEach((key, code) -> {
                if (code.equals(ErrorCodes.NOLEADER)) {
                    assertThat(jedis.get(key)).as("%s was refused as not applied", key).isNull();
                }
            });
        }
    }

}
