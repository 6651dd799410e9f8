package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;

/**
 * {@code caucus recover --force-new-cluster} on real processes: two of three nodes lose their disks for good; the
 * survivor, recovered while stopped, leads alone with every write it held and takes new ones.
 */
class ForcedRecoveryIT {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run caucus(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = Main.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return new Run(command.execute(args), out.toString(), err.toString());
    }

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

            Run whileRunning = caucus("recover", "--force-new-cluster", "--config", file, "--id", "n1");
            assertThat(whileRunning.exitCode()).isEqualTo(1);
            assertThat(whileRunning.err()).contains("n1 not recovered");
            assertThat(caucus("recover", "--config", file, "--id", "n1").exitCode()).isEqualTo(2);

            for (String id : cluster.ids()) {
                cluster.kill(id);
            }
            cluster.wipe("n2");
            cluster.wipe("n3");
            Run recovered = caucus("recover", "--force-new-cluster", "--config", file, "--id", "n1");
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
