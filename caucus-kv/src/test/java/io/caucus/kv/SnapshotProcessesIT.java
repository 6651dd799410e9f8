package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Three real {@code caucus server} processes that snapshot every 200 entries: a follower that was down while
 * many entries were written and compacted away catches up by InstallSnapshot (its data streamed in chunks), and
 * no acknowledged write is lost.
 */
class SnapshotProcessesIT {

    private static final Duration CATCH_UP = Duration.ofSeconds(90);
    private static final String VALUE_PADDING = "v".repeat(512);

    private ProcessCluster cluster;
    private final Map<String, String> acknowledged = new LinkedHashMap<>();

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** SETs through the leader, retried while no leader is known (SET is idempotent); remembered once OK. */
    private void writeAcknowledged(List<String> among, String key, String value) {
        cluster.poll(CATCH_UP, () -> {
            String leader = cluster.awaitLeader(among);
            try (Jedis jedis = cluster.client(leader)) {
                assertThat(jedis.set(key, value)).isEqualTo("OK");
                acknowledged.put(key, value);
                return true;
            } catch (JedisDataException e) {
                assertThat(e.getMessage()).matches("^(NOLEADER|NOTLEADER|UNKNOWN) .*");
                return null;
            } catch (redis.clients.jedis.exceptions.JedisConnectionException e) {
                return null; // the leader moved or restarted meanwhile: try again
            }
        }, "SET " + key);
    }

    /** Many writes on one connection to the leader (fast), each remembered once acknowledged. */
    private void writeMany(List<String> among, String prefix, int count) {
        String leader = cluster.awaitLeader(among);
        try (Jedis jedis = cluster.client(leader)) {
            for (int i = 0; i < count; i++) {
                String key = prefix + i;
                String value = key + VALUE_PADDING;
                assertThat(jedis.set(key, value)).isEqualTo("OK");
                acknowledged.put(key, value);
            }
        }
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

    private String nodeLog(String id) throws Exception {
        return Files.readString(cluster.directory.resolve(id + ".log"));
    }

    private long snapshotFiles(String id) throws Exception {
        Path snapshots = cluster.directory.resolve("data").resolve(id).resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(snapshots)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".snap")).count();
        }
    }

    @Test
    void aFollowerThatMissedCompactedEntriesCatchesUpBySnapshotWithoutLosingAcknowledgedWrites() throws Exception {
        cluster = new ProcessCluster(ProcessCluster.freshDirectory("snapshot-processes-test"), 3, 4000,
                "snapshotThresholdEntries: 200\nsnapshotChunkBytes: 16384\nsnapshotChunksInFlight: 2\n");
        cluster.startAll();
        List<String> all = cluster.ids();
        writeMany(all, "early-", 20);

        String leader = cluster.awaitLeader(all);
        String lagging = all.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        String other = all.stream().filter(id -> !id.equals(leader) && !id.equals(lagging)).findFirst().orElseThrow();
        cluster.kill(lagging);
        List<String> up = List.of(leader, other);

        writeMany(up, "missed-", 1500); // about 800 KiB of values: several snapshots, the log compacted past them
        writeEveryType(up);
        cluster.poll(CATCH_UP, () -> {
            try {
                return snapshotFiles(leader) > 0 && snapshotFiles(other) > 0 ? true : null;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "both running nodes to take snapshots by threshold");

        // Restart the leader too: besides restarting from its snapshot plus log tail, this drops the
        // AppendEntries it had queued for the stopped node, which would otherwise let it catch up by log.
        cluster.kill(leader);
        cluster.start(leader);
        writeAcknowledged(up, "after-leader-restart", "ok");

        cluster.start(lagging);
        String current = cluster.awaitLeader(all);
        long commit = cluster.commitIndex(current);
        cluster.poll(CATCH_UP, () -> cluster.appliedIndex(lagging) >= commit ? true : null,
                lagging + " to apply up to " + commit);
        assertThat(nodeLog(lagging)).contains("received snapshot");
        assertThat(nodeLog(leader)).contains("restored the state machine from snapshot");

        // The node that installed the snapshot now counts toward the majority: stop the third one and go on.
        String third = all.stream().filter(id -> !id.equals(lagging) && !id.equals(current)).findFirst()
                .orElseThrow();
        cluster.kill(third);
        List<String> remaining = all.stream().filter(id -> !id.equals(third)).toList();
        writeAcknowledged(remaining, "with-the-snapshot-node", "ok");
        assertEveryAcknowledgedWriteReadableThrough(remaining);
        assertSameStateOnceCaughtUp(remaining);
    }

    /** A hash, set, list and sorted set, and times to live, written while the lagging node is down. */
    private void writeEveryType(List<String> among) {
        try (Jedis jedis = cluster.client(cluster.awaitLeader(among))) {
            jedis.hset("typed:hash", Map.of("f1", "a", "f2", "b"));
            jedis.sadd("typed:set", "x", "y", "z");
            jedis.rpush("typed:list", "1", "2", "3");
            jedis.zadd("typed:zset", Map.of("m1", 1.5, "m2", -2.0));
            jedis.expire("typed:hash", 10_000);
            jedis.setex("typed:ttl", 20_000, "v");
        }
    }

    /**
     * Every node, once at the same applied index, holds the same keys, types, values and expiry times: the digest
     * covers them all, so the node that installed the snapshot answers TTL and every read as the others do.
     */
    private void assertSameStateOnceCaughtUp(List<String> ids) {
        cluster.poll(CATCH_UP, () -> {
            List<Map<String, Object>> digests = ids.stream().map(id -> cluster.digest(id).orElse(Map.of())).toList();
            boolean sameIndex = digests.stream().map(d -> d.get("applied")).distinct().count() == 1;
            if (!sameIndex || digests.getFirst().isEmpty()) {
                return null;
            }
            assertThat(digests).extracting(d -> d.get("sha256")).as("digests at one applied index").containsOnly(
                    digests.getFirst().get("sha256"));
            return true;
        }, "every node at one applied index, with equal digests");
    }
}
