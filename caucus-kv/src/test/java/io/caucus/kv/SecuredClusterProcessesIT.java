package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Three real {@code caucus server} processes whose Redis ports have users: followers forward to the leader as the
 * node user (nodePasswordFile), so an authenticated client's writes through any node apply, while a client without
 * a password, or a user without the node password, cannot reach the leader's internal commands.
 */
class SecuredClusterProcessesIT {

    private ProcessCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Jedis client(String id, String user, String password) {
        return new Jedis(new HostAndPort("127.0.0.1", cluster.config.node(id).client().getPort()),
                DefaultJedisClientConfig.builder().user(user).password(password)
                        .socketTimeoutMillis(ProcessCluster.CLIENT_TIMEOUT_MILLIS).build());
    }

    @Test
    void authenticatedClientsWriteThroughFollowersAndOthersAreRefused() throws Exception {
        Path directory = ProcessCluster.freshDirectory("secured-cluster-processes-test");
        Files.writeString(directory.resolve("node.pw"), "a-node-password-of-some-length\n");
        cluster = new ProcessCluster(directory, 3, 4000, """
                users:
                  - {name: default, passwordSha256: %s, permissions: admin}
                  - {name: app, passwordSha256: %s, permissions: readwrite, keys: ["app:*"]}
                nodePasswordFile: node.pw
                """.formatted(ClientSecurityTest.sha256("secret"), ClientSecurityTest.sha256("apw")));
        cluster.startAll();
        String leader = cluster.awaitLeader(cluster.ids());
        List<String> followers = cluster.ids().stream().filter(id -> !id.equals(leader)).toList();

        // Through each follower (forwarded to the leader as the node user), retried while leadership settles.
        for (String id : followers) {
            cluster.poll(Duration.ofSeconds(90), () -> {
                try (Jedis jedis = client(id, "app", "apw")) {
                    return "OK".equals(jedis.set("app:" + id, "v-" + id)) ? true : null;
                } catch (JedisDataException e) {
                    assertThat(e.getMessage()).matches("^(NOLEADER|NOTLEADER|UNKNOWN) .*");
                    return null;
                }
            }, "SET through follower " + id);
        }
        try (Jedis jedis = client(followers.getLast(), "default", "secret")) {
            assertThat(jedis.get("app:" + followers.getFirst())).isEqualTo("v-" + followers.getFirst());
            assertThat(jedis.incr("counter")).isEqualTo(1L);
        }
        try (Jedis jedis = client(followers.getFirst(), "app", "apw")) {
            assertThatThrownBy(() -> jedis.set("counter", "0")).hasMessage(
                    "NOPERM this user has no permissions to access one of the keys used as arguments");
            // The internal command followers forward with is the node user's alone.
            assertThatThrownBy(() -> jedis.sendCommand(() -> "CAUCUS.SUBMIT".getBytes(), "x")).hasMessage(
                    "NOPERM this user has no permissions to run the 'caucus.submit' command");
        }
        try (Jedis anonymous = cluster.client(leader)) {
            assertThatThrownBy(() -> anonymous.sendCommand(() -> "CAUCUS.SUBMIT".getBytes(), "x"))
                    .hasMessage("NOAUTH Authentication required.");
            assertThatThrownBy(() -> anonymous.get("app:x")).hasMessage("NOAUTH Authentication required.");
        }
    }
}
