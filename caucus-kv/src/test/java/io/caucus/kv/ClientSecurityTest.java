package io.caucus.kv;

import static io.caucus.kv.RawRespClient.CLOSED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.kv.protocol.KvMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Users and limits of the Redis port, over real sockets against a {@link KvServer} on a scripted node: AUTH, HELLO
 * AUTH, NOAUTH, NOPERM and ACL compared reply for reply with a real redis-server configured alike, Jedis and
 * redis-cli with passwords, and each limit tripped with its exact error while another client carries on.
 */
class ClientSecurityTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /**
     * What refusing one request may allocate, on every thread (event loops, the test's own client, the JVM's
     * housekeeping): a few copies of what was sent, far below what the requests claim.
     */
    private static final long TRIP_ALLOCATION_BOUND_BYTES = 1 << 20;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
    }

    static String sha256(String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The users of these tests: as Caucus's cluster file and as a redis-server ACL file with the same effect. */
    private static final String USERS_YAML = """
            users:
              - {name: default, passwordSha256: %s, permissions: admin}
              - {name: app, passwordSha256: %s, permissions: readwrite, keys: ["app:*"]}
              - {name: ro, passwordSha256: %s, permissions: readonly}
            """.formatted(sha256("secret"), sha256("apw"), sha256("rpw"));
    private static final String USERS_ACL = """
            user default on #%s ~* &* +@all
            user app on #%s ~app:* resetchannels +@all -flushall -flushdb -script|flush -eval -evalsha -acl +acl|whoami
            user ro on #%s ~* resetchannels -@all +@read +@connection +@transaction +acl|whoami
            """.formatted(sha256("secret"), sha256("apw"), sha256("rpw"));

    private KvServer server;
    private KvMetrics metrics;
    private int port;

    /** Starts a one-node server with {@code yaml} (top-level fields) added to its cluster file. */
    private void startCaucus(String yaml) throws IOException {
        List<Integer> ports = LoopbackPorts.reserve(3);
        ClusterConfig config = ConfigLoader.parse(Path.of("security-test.yaml"), "nodes:\n  - {id: n1, raft: 127.0.0.1:"
                + ports.get(0) + ", client: 127.0.0.1:" + ports.get(1) + ", http: 127.0.0.1:" + ports.get(2) + "}\n" + yaml);
        FakeNode node = new FakeNode("n1");
        server = new KvServer(config, config.node("n1"), node, node.stateMachine::digest,
                node.stateMachine::nextExpiryMillis);
        toClose.add(server);
        metrics = server.metrics();
        port = ports.get(1);
    }

    private RedisServerProcess startRedis(String name, String... arguments) throws Exception {
        RedisServerProcess redis = RedisServerProcess.start(Path.of("target", "client-security-test"), name,
                arguments);
        toClose.add(redis);
        return redis;
    }

    private RawRespClient connect(int toPort) throws IOException {
        RawRespClient client = new RawRespClient(toPort);
        toClose.add(client);
        return client;
    }

    /** Each command's raw reply, one at a time on one connection. */
    private List<String> transcript(int toPort, List<List<String>> commands) throws IOException {
        RawRespClient client = connect(toPort);
        List<String> replies = new ArrayList<>();
        for (List<String> command : commands) {
            replies.add(String.join(" ", command) + " -> " + client.call(command.toArray(String[]::new)));
        }
        return replies;
    }

    private static List<List<String>> commands(String... lines) {
        return java.util.Arrays.stream(lines).map(line -> List.of(line.split(" "))).toList();
    }

    @Test
    void beforeAuthEveryCommandIsAnsweredAsRedisServerWithRequirepass() throws Exception {
        RedisServerProcess redis = startRedis("requirepass", "--requirepass", "secret");
        startCaucus("users:\n  - {name: default, passwordSha256: " + sha256("secret") + ", permissions: admin}\n");
        List<List<String>> sequence = commands("GET a", "PING", "ECHO x", "GET", "FOO bar", "SET a b", "MULTI", "EXEC",
                "DISCARD", "WATCH a", "HELLO", "HELLO 2", "HELLO x", "HELLO 2 AUTH x", "HELLO 2 FOO",
                "HELLO 2 AUTH default wrong", "AUTH", "AUTH wrong", "AUTH a b c", "AUTH nobody secret", "ACL WHOAMI",
                "ACL LIST", "SELECT 0", "CLIENT ID", "INFO", "AUTH secret", "ACL WHOAMI", "GET a", "AUTH wrong",
                "ACL WHOAMI", "SET a b", "GET a", "AUTH default secret", "QUIT", "PING");
        assertThat(transcript(port, sequence)).isEqualTo(transcript(redis.port, sequence));
        assertThat(metrics.authFailures()).isEqualTo(4);
    }

    @Test
    void beforeAuthRedisTighterLimitsCloseTheConnectionAsRedisServerDoes() throws Exception {
        RedisServerProcess redis = startRedis("requirepass-limits", "--requirepass", "secret");
        startCaucus("users:\n  - {name: default, passwordSha256: " + sha256("secret") + ", permissions: admin}\n");
        for (String header : List.of("*11\r\n", "*2\r\n$4\r\nAUTH\r\n$16385\r\n")) {
            List<String> answers = new ArrayList<>();
            for (int to : new int[] {redis.port, port}) {
                RawRespClient client = connect(to);
                client.send(header); // the header only: what it announces is never sent
                answers.add(client.reply() + client.reply());
            }
            assertThat(answers.get(1)).isEqualTo(answers.get(0)).endsWith(CLOSED);
        }
        assertThat(metrics.limitHits("unauthenticated_array")).isEqualTo(1);
        assertThat(metrics.limitHits("unauthenticated_bulk")).isEqualTo(1);
        // After AUTH in the same packet, the ordinary limits apply to what follows it.
        RawRespClient client = connect(port);
        client.send(RawRespClient.command("AUTH", "secret") + RawRespClient.command("MSET", "a", "1", "b", "2",
                "c", "3", "d", "4", "e", "5") + RawRespClient.command("GET", "e"));
        assertThat(client.reply() + client.reply() + client.reply()).isEqualTo("+OK\r\n+OK\r\n$1\r\n5\r\n");
    }

    @Test
    void usersPermissionsAndKeyPatternsAnswerAsRedisServerWithTheSameRules() throws Exception {
        Path aclFile = Files.createDirectories(Path.of("target", "client-security-test")).toAbsolutePath()
                .resolve("users.acl");
        Files.writeString(aclFile, USERS_ACL);
        RedisServerProcess redis = startRedis("acl", "--aclfile", aclFile.toString());
        startCaucus(USERS_YAML);
        List<List<String>> app = commands("AUTH app apw", "ACL WHOAMI", "GET app:1", "SET app:1 v", "GET app:1",
                "SET other v", "GET other", "MSET app:2 x other y", "MSET app:2 x app:3 y", "RENAME app:1 other",
                "DEL app:2 app:3", "FLUSHALL", "FLUSHDB", "SCRIPT FLUSH", "EVAL return 0", "MULTI", "SET app:3 z",
                "SET other z", "EXEC", "GET app:3", "MULTI", "INCR app:4", "EXEC", "WATCH other", "WATCH app:1",
                "UNWATCH", "AUTH app wrong", "ACL WHOAMI", "ACL LIST", "AUTH ro rpw", "ACL WHOAMI", "GET app:1",
                "GET other", "SET app:1 w", "DEL app:1", "MULTI", "GET app:1", "SET app:1 w", "EXEC", "MULTI",
                "GET app:1", "EXEC", "PING", "ECHO hi", "AUTH default secret", "FLUSHALL", "GET app:1");
        List<String> mine = transcript(port, app);
        assertThat(mine).isEqualTo(transcript(redis.port, app));
    }

    @Test
    void jedisAndRedisCliAuthenticate() throws Exception {
        startCaucus(USERS_YAML);
        try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port),
                DefaultJedisClientConfig.builder().password("secret").build())) {
            assertThat(jedis.set("k", "v")).isEqualTo("OK");
            assertThat(jedis.aclWhoAmI()).isEqualTo("default");
        }
        try (Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port),
                DefaultJedisClientConfig.builder().user("app").password("apw").build())) {
            assertThat(jedis.set("app:k", "v")).isEqualTo("OK");
            assertThatThrownBy(() -> jedis.set("k", "w")).isInstanceOf(JedisDataException.class)
                    .hasMessage("NOPERM this user has no permissions to access one of the keys used as arguments");
        }
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            assertThatThrownBy(jedis::ping).hasMessage("NOAUTH Authentication required.");
            assertThatThrownBy(() -> jedis.auth("nope")).hasMessage(
                    "WRONGPASS invalid username-password pair or user is disabled.");
            assertThat(jedis.auth("ro", "rpw")).isEqualTo("OK");
            assertThat(jedis.get("k")).isEqualTo("v");
        }
        assertThat(redisCli("-a", "secret", "GET", "k")).isEqualTo("v");
        assertThat(redisCli("--user", "app", "--pass", "apw", "GET", "app:k")).isEqualTo("v");
        assertThat(redisCli("--user", "ro", "--pass", "rpw", "SET", "k", "x"))
                .isEqualTo("NOPERM this user has no permissions to run the 'set' command");
        assertThat(redisCli("-a", "wrong", "PING")).contains("WRONGPASS");
        assertThat(redisCli("PING")).isEqualTo("NOAUTH Authentication required.");
    }

    private String redisCli(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(RedisServerProcess.redisCli(), "--no-auth-warning", "-p",
                Integer.toString(port)));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    @Test
    void anOpenPortBehavesAsBeforeAndAsRedisWithoutAPassword() throws Exception {
        RedisServerProcess redis = startRedis("open");
        startCaucus("");
        List<List<String>> sequence = commands("PING", "AUTH x", "AUTH default x", "AUTH other x", "ACL WHOAMI",
                "ACL LIST", "ACL USERS", "ACL SETUSERX", "SET k v", "GET k");
        assertThat(transcript(port, sequence)).isEqualTo(transcript(redis.port, sequence));
    }

    @Test
    void repeatedWrongPasswordsCloseTheConnectionAndAreCounted() throws Exception {
        startCaucus(USERS_YAML + "maxAuthFailures: 3\n");
        RawRespClient guesser = connect(port);
        String wrong = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
        assertThat(guesser.call("AUTH", "a")).isEqualTo(wrong);
        assertThat(guesser.call("AUTH", "app", "b")).isEqualTo(wrong);
        assertThat(guesser.call("HELLO", "2", "AUTH", "default", "c")).isEqualTo(wrong);
        assertThat(guesser.closedWithin(DEADLINE)).isTrue();
        assertThat(metrics.authFailures()).isEqualTo(3);
        assertThat(metrics.limitHits("auth_failures")).isEqualTo(1);
        assertThat(connect(port).call("AUTH", "secret")).isEqualTo("+OK\r\n");
    }

    /**
     * A connection that trips {@code limit} with {@code input}: the exact error, closed, the other client fine, and
     * no more allocated by every thread of the node than {@link #TRIP_ALLOCATION_BOUND_BYTES}, whatever the input
     * claims (up to 500 GB here).
     */
    private void assertTrips(String input, String error, String limit) throws IOException {
        RawRespClient bystander = connect(port);
        assertThat(bystander.call("AUTH", "secret")).isEqualTo("+OK\r\n");
        assertThat(bystander.call("SET", "bystander", "1")).isEqualTo("+OK\r\n");
        RawRespClient offender = connect(port);
        assertThat(offender.call("AUTH", "secret")).isEqualTo("+OK\r\n");
        long before = metrics.limitHits(limit);
        long allocatedBefore = HeapAllocations.total();
        offender.send(input);
        assertThat(offender.reply()).isEqualTo(error);
        assertThat(offender.closedWithin(DEADLINE)).isTrue();
        assertThat(HeapAllocations.total() - allocatedBefore).as("bytes allocated while refusing %s", limit)
                .isLessThan(TRIP_ALLOCATION_BOUND_BYTES);
        assertThat(metrics.limitHits(limit)).isEqualTo(before + 1);
        assertThat(bystander.call("INCR", "bystander")).isEqualTo(":2\r\n");
    }

    @Test
    void oversizedRequestsAreRefusedAtTheirHeaderAndOnlyTheirConnectionIsClosed() throws Exception {
        startCaucus(USERS_YAML + "maxBulkBytes: 4096\nmaxArrayElements: 100\nmaxRequestBytes: 10000\n");
        // Headers only: the claimed bytes are never sent, so the refusal cannot have waited for or held them.
        assertTrips("*2\r\n$3\r\nGET\r\n$4097\r\n", "-ERR Protocol error: invalid bulk length\r\n", "bulk");
        assertTrips("*1\r\n$536870912000\r\n", "-ERR Protocol error: invalid bulk length\r\n", "bulk");
        assertTrips("*101\r\n", "-ERR Protocol error: invalid multibulk length\r\n", "array");
        assertTrips("*2147483647\r\n", "-ERR Protocol error: invalid multibulk length\r\n", "array");
        assertTrips("*4\r\n$4\r\nMSET\r\n$4096\r\n" + "k".repeat(4096) + "\r\n$4096\r\n" + "v".repeat(4096)
                + "\r\n$2000\r\n", "-ERR Protocol error: request larger than maxRequestBytes (10000 bytes)\r\n",
                "request");
        assertTrips("x".repeat(70_000), "-ERR Protocol error: too big inline request\r\n", "line");
        RawRespClient fine = connect(port);
        assertThat(fine.call("AUTH", "secret")).isEqualTo("+OK\r\n");
        assertThat(fine.call("SET", "k", "v".repeat(4096))).isEqualTo("+OK\r\n");
    }

    @Test
    void connectionsBeyondTheLimitAreRefusedAsRedisRefusesThem() throws Exception {
        startCaucus("maxClientConnections: 2\n");
        RawRespClient first = connect(port);
        RawRespClient second = connect(port);
        assertThat(first.call("PING")).isEqualTo("+PONG\r\n");
        assertThat(second.call("PING")).isEqualTo("+PONG\r\n");
        RawRespClient third = connect(port);
        assertThat(third.reply()).isEqualTo("-ERR max number of clients reached\r\n");
        assertThat(third.closedWithin(DEADLINE)).isTrue();
        assertThat(metrics.limitHits("connections")).isEqualTo(1);
        assertThat(first.call("PING")).isEqualTo("+PONG\r\n");
        first.close();
        String pong = await("a connection slot freed by closing one").atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    try (RawRespClient again = new RawRespClient(port)) {
                        String reply = again.call("PING");
                        return reply.equals("+PONG\r\n") ? reply : null;
                    } catch (IOException e) {
                        return null;
                    }
                }, Objects::nonNull);
        assertThat(pong).isEqualTo("+PONG\r\n");
    }

    @Test
    void idleAndUnauthenticatedConnectionsAreClosed() throws Exception {
        startCaucus(USERS_YAML + "clientIdleTimeoutMillis: 300\nauthTimeoutMillis: 200\n");
        RawRespClient silent = connect(port);
        assertThat(silent.closedWithin(DEADLINE)).isTrue();
        assertThat(metrics.limitHits("auth_timeout")).isEqualTo(1);
        RawRespClient idle = connect(port);
        assertThat(idle.call("AUTH", "secret")).isEqualTo("+OK\r\n");
        assertThat(idle.closedWithin(DEADLINE)).isTrue();
        assertThat(metrics.limitHits("idle")).isGreaterThanOrEqualTo(1);
        assertThat(metrics.limitHits("auth_timeout")).isEqualTo(1); // the authenticated one was not cut for that
        RawRespClient busy = connect(port);
        assertThat(busy.call("AUTH", "secret")).isEqualTo("+OK\r\n");
        assertThat(busy.call("PING")).isEqualTo("+PONG\r\n");
    }

    /**
     * A client that sends a deep pipeline of reads of a 100 kB value and reads nothing: the node stops reading it and
     * starting its commands once its socket is behind, so what the node holds stays near one pipeline's worth and
     * not the 300 MB all the replies make; the client gets every reply once it reads, and others are served
     * meanwhile.
     */
    @Test
    void repliesAClientDoesNotReadWaitInItsSocketNotInTheNode() throws Exception {
        startCaucus("maxPipelineCommands: 64\n");
        RawRespClient other = connect(port);
        String value = "v".repeat(100_000);
        assertThat(other.call("SET", "big", value)).isEqualTo("+OK\r\n");
        RawRespClient reader = connect(port);
        int gets = 3000;
        long before = retainedBytes();
        Thread sender = Thread.ofPlatform().daemon().start(() -> {
            try {
                reader.send(RawRespClient.command("GET", "big").repeat(gets));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        await("the node to stop reading the client that does not read").atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(20)).until(() -> metrics.limitHits("slow_reader") >= 1);
        long[] answered = {-1};
        await("the node to stop answering it").atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> {
            long now = metrics.requestCount("GET");
            boolean settled = now == answered[0];
            answered[0] = now;
            return settled;
        });
        assertThat(answered[0]).as("GETs answered while the client read nothing").isLessThan(gets / 2);
        assertThat(retainedBytes() - before).as("bytes the node holds for the client that does not read")
                .isLessThan(40L << 20);
        assertThat(other.call("INCR", "counter")).isEqualTo(":1\r\n");

        String expected = "$" + value.length() + "\r\n" + value + "\r\n";
        for (int i = 0; i < gets; i++) {
            assertThat(reader.reply()).as("reply %d", i).isEqualTo(expected);
        }
        sender.join(DEADLINE.toMillis());
        assertThat(metrics.limitHits("output")).isZero();
    }

    @Test
    void aReplyOverTheOutputLimitClosesTheConnection() throws Exception {
        startCaucus("maxClientOutputBytes: 1048576\n");
        RawRespClient other = connect(port);
        assertThat(other.call("SET", "big", "v".repeat(100_000))).isEqualTo("+OK\r\n");
        RawRespClient offender = connect(port);
        StringBuilder transaction = new StringBuilder(RawRespClient.command("MULTI"));
        for (int i = 0; i < 20; i++) {
            transaction.append(RawRespClient.command("GET", "big"));
        }
        offender.send(transaction.append(RawRespClient.command("EXEC")).toString()); // one 2 MB reply
        await("the connection closed past the output limit").atMost(DEADLINE).pollInterval(Duration.ofMillis(20))
                .until(() -> metrics.limitHits("output") == 1);
        // MULTI's and the GETs' replies are written in the same turn as EXEC's, so they may go down with it, as in
        // redis-server (checked with client-output-buffer-limit normal 1mb: it sends none of them); the 2 MB reply
        // never goes out.
        String reply = offender.reply();
        while (!reply.equals(CLOSED)) {
            assertThat(reply).isIn("+OK\r\n", "+QUEUED\r\n");
            reply = offender.reply();
        }
        assertThat(other.call("GET", "big")).hasSize(100_011);
    }

    /** What this JVM holds: the heap after a full collection and the direct memory of Netty's allocator. */
    private static long retainedBytes() {
        System.gc();
        long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT)
                .metric().usedDirectMemory();
        return heap + direct;
    }
}
