package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * {@code caucus recover --force-new-cluster} on real processes: two of three nodes lose their disks for good; the
 * survivor, recovered while stopped, leads alone with every write it held and takes new ones.
 */
class ForcedRecoveryIT {

    @Test
    void aSurvivorOfALostMajorityLeadsAloneWithItsData() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(ProcessCluster.freshDirectory("forced-recovery-test"), 3,
                4000)) {
            cluster.startAll();
            String leader = cluster.awaitLeader(cluster.ids());
            try (Jedis jedis = cluster.client(leader)) {
                jedis.set("greeting", "hello");
                jedis.incrBy("visits", 42);
            }
            long applied = cluster.appliedIndex(leader);
            cluster.poll(ProcessCluster.STARTUP, () -> cluster.appliedIndex("n1") >= applied ? true : null,
                    "n1 applying " + applied);
            String file = cluster.clusterFile.toString();

            CaucusCommand whileRunning = CaucusCommand.run("recover", "--force-new-cluster", "--config", file, "--id", "n1");
            assertThat(whileRunning.exitCode()).isEqualTo(1);
            assertThat(whileRunning.err()).contains("n1 not recovered");
            assertThat(CaucusCommand.run("recover", "--config", file, "--id", "n1").exitCode()).isEqualTo(2);

            for (String id : cluster.ids()) {
                cluster.kill(id);
            }
            cluster.wipe("n2");
            cluster.wipe("n3");
            CaucusCommand recovered = CaucusCommand.run("recover", "--force-new-cluster", "--config", file, "--id", "n1");
            assertThat(recovered.exitCode()).as(recovered.err()).isZero();
            assertThat(recovered.out()).contains("n1: now the only voter of a new cluster");

            cluster.start("n1");
            assertThat(cluster.awaitLeader(List.of("n1"))).isEqualTo("n1");
            try (Jedis jedis = cluster.client("n1")) {
                assertThat(jedis.get("greeting")).isEqualTo("hello");
                assertThat(jedis.incr("visits")).isEqualTo(43);
            }
        }
    }
}
