package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;

/** Scripts through the real RESP server and a real client (Jedis), over a single in-JVM node. */
class ScriptsOverRespTest {

    private static final String RELEASE_LOCK = "if redis.call(\"get\",KEYS[1]) == ARGV[1] then\n"
            + "    return redis.call(\"del\",KEYS[1])\n"
            + "else\n"
            + "    return 0\n"
            + "end";

    private final FakeNode node = new FakeNode("n1");
    private final ClusterConfig config;
    private final KvServer server;

    ScriptsOverRespTest() throws IOException {
        List<Integer> ports = LoopbackPorts.reserve(3);
        config = ConfigLoader.parse(Path.of("test.yaml"), "nodes:\n  - {id: n1, raft: 127.0.0.1:" + ports.get(0)
                + ", client: 127.0.0.1:" + ports.get(1) + ", http: 127.0.0.1:" + ports.get(2) + "}\n");
        server = new KvServer(config, config.node("n1"), node, node.stateMachine::digest,
                node.stateMachine::nextExpiryMillis);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Jedis jedis() {
        return new Jedis("127.0.0.1", config.node("n1").client().getPort(), 10_000);
    }

    @Test
    void aClientLoadsRunsAndFlushesScripts() {
        try (Jedis jedis = jedis()) {
            String sha = jedis.scriptLoad(RELEASE_LOCK);
            int submitsAfterLoad = node.submits;
            assertThat(submitsAfterLoad).isPositive(); // SCRIPT LOAD went through the log
            assertThat(jedis.scriptExists(sha)).isTrue(); // a read: no log entry
            assertThat(node.submits).isEqualTo(submitsAfterLoad);
            assertThat(jedis.set("lock", "me")).isEqualTo("OK");
            assertThat(jedis.evalsha(sha, List.of("lock"), List.of("you"))).isEqualTo(0L);
            assertThat(jedis.evalsha(sha, List.of("lock"), List.of("me"))).isEqualTo(1L);
            assertThat(jedis.exists("lock")).isFalse();
            assertThat(jedis.eval("return {1, 'two', {ok='three'}}")).isEqualTo(List.of(1L, "two", "three"));
            assertThat(jedis.evalReadonly("return redis.call('get', KEYS[1])", List.of("missing"), List.of()))
                    .isNull();
            assertThatThrownBy(() -> jedis.evalReadonly("return redis.call('set', KEYS[1], 'x')", List.of("k"),
                    List.of())).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("ERR Write commands are not allowed from read-only scripts.");
            Object help = jedis.sendCommand(Protocol.Command.SCRIPT, "HELP");
            assertThat(help).isInstanceOf(List.class);
            assertThat(jedis.scriptFlush()).isEqualTo("OK");
            assertThatThrownBy(() -> jedis.evalsha(sha, List.of("lock"), List.of("me")))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("NOSCRIPT No matching script. Please use EVAL.");
        }
    }

    @Test
    void aScriptRunsInsideATransaction() {
        try (Jedis jedis = jedis()) {
            var multi = jedis.multi();
            multi.set("n", "1");
            multi.eval("return redis.call('incrby', KEYS[1], ARGV[1])", List.of("n"), List.of("41"));
            assertThat(multi.exec()).isEqualTo(List.of("OK", 42L));
        }
    }
}
