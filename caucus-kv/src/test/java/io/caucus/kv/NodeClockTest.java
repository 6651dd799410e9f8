package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.config.ClusterConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * A server started as the command line starts it has its node stamp its wall clock on each write and read as the
 * node takes it (TimeStamper): a relative expiry becomes a time of that clock. A node that stamped nothing would run
 * every entry at time 0.
 */
class NodeClockTest {

    @Test
    void aRelativeExpiryCountsFromTheLeadersClock(@TempDir Path data) throws Exception {
        ClusterConfig config = GrafanaDashboardTest.oneNodeOnFreePorts();
        try (KvServer server = KvServer.start(config, NodeId.of("n1"), data);
             Jedis jedis = new Jedis("127.0.0.1", config.node("n1").client().getPort(), 10_000)) {
            long before = System.currentTimeMillis();
            // The first write waits (the backend retries) until the node has elected itself.
            assertThat(jedis.set("k", "v", SetParams.setParams().px(60_000))).isEqualTo("OK");
            long after = System.currentTimeMillis();
            assertThat(jedis.pexpireTime("k")).isBetween(before + 60_000, after + 60_000);
            assertThat(jedis.pttl("k")).isBetween(1L, 60_000L);
        }
    }
}
