package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * Disaster recovery with real processes: {@code caucus backup} copies a three-node cluster's data, every node of
 * it is lost, and {@code caucus restore} seeds a new three-node cluster (other ports, empty disks) that then
 * serves exactly the data acknowledged before the backup, and takes new writes.
 */
class BackupRestoreIT {

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @Test
    void aNewClusterRestoredFromABackupServesTheSameDataAndGoesOn() throws Exception {
        Path root = ProcessCluster.freshDirectory("backup-restore-test");
        Path backup = root.resolve("cluster.backup");
        Map<String, Object> digestAtBackup;
        try (ProcessCluster old = new ProcessCluster(Files.createDirectories(root.resolve("old")), 3, 4000)) {
            old.startAll();
            String leader = old.awaitLeader(old.ids());
            try (Jedis jedis = old.client(leader)) {
                jedis.set("greeting", "hello");
                jedis.set("expires-later", "v", SetParams.setParams().ex(3600));
                jedis.hset("user:1", Map.of("name", "Ada", "lang", "en"));
                jedis.rpush("queue", "a", "b", "c");
                jedis.incrBy("visits", 41);
                jedis.incr("visits");
            }
            // Asked through the file, the first node that confirms a linearizable read takes it, follower or not.
            CaucusCommand taken = CaucusCommand.run("backup", "--config", old.clusterFile.toString(), backup.toString());
            assertThat(taken.exitCode()).as(taken.err()).isZero();
            assertThat(taken.out()).contains("backup of index").containsPattern("from n[123],");
            digestAtBackup = old.poll(DEADLINE, () -> old.digest(leader).orElse(null), "the old leader's digest");
            try (Jedis jedis = old.client(leader)) {
                jedis.set("after-backup", "not in the backup");
            }
            assertThat(CaucusCommand.run("backup", "--config", old.clusterFile.toString(), backup.toString()).err())
                    .contains("exists");
        } // every node of the old cluster is gone

        try (ProcessCluster fresh = new ProcessCluster(Files.createDirectories(root.resolve("new")), 3, 4000)) {
            CaucusCommand restored = CaucusCommand.run("restore", "--config", fresh.clusterFile.toString(), backup.toString());
            assertThat(restored.exitCode()).as(restored.err()).isZero();
            assertThat(restored.out().lines()).hasSize(3).allMatch(line -> line.contains("seeded"));
            fresh.startAll();
            String leader = fresh.awaitLeader(fresh.ids());
            for (String id : fresh.ids()) {
                Map<String, Object> digest = fresh.poll(DEADLINE, () -> fresh.digest(id)
                        .filter(d -> d.get("sha256").equals(digestAtBackup.get("sha256"))).orElse(null),
                        id + "'s data equal to the old cluster's at the backup");
                assertThat(digest.get("keys")).isEqualTo(digestAtBackup.get("keys"));
            }
            try (Jedis jedis = fresh.client(leader)) {
                assertThat(jedis.get("greeting")).isEqualTo("hello");
                assertThat(jedis.ttl("expires-later")).isBetween(3000L, 3600L);
                assertThat(jedis.hgetAll("user:1")).isEqualTo(Map.of("name", "Ada", "lang", "en"));
                assertThat(jedis.lrange("queue", 0, -1)).isEqualTo(List.of("a", "b", "c"));
                assertThat(jedis.get("visits")).isEqualTo("42");
                assertThat(jedis.exists("after-backup")).isFalse();
                assertThat(jedis.incr("visits")).isEqualTo(43);
            }
            CaucusCommand again = CaucusCommand.run("restore", "--config", fresh.clusterFile.toString(), backup.toString());
            assertThat(again.exitCode()).isEqualTo(1);
            assertThat(again.err()).contains("not seeded").contains("is not empty");
        }
    }
}
