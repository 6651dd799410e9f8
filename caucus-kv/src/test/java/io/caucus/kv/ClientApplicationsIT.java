package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.LMoveArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.args.ExpiryOption;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.ZRangeParams;
import redis.clients.jedis.resps.Tuple;

/**
 * Caucus used the way applications use Redis, through real client libraries (Jedis and Lettuce): a
 * distributed lock, a rate limiter, a session store, a reliable job queue, a leaderboard and optimistic
 * transactions with WATCH.
 *
 * <p>By default every scenario runs against one 3-node Caucus cluster of child JVMs (started once for the
 * class), with the clients of a scenario connected to different nodes, followers included. With
 * {@code -Dcaucus.apps.target=redis} the same scenarios run against a {@code redis-server} started on a free
 * loopback port instead (see {@link RedisServerProcess}), which shows that each scenario is a correct use of
 * Redis.
 *
 * <p>The assertions are what the applications rely on; where a test waits for an expiry it polls with a
 * deadline and the TTLs are short.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientApplicationsIT {

    private static final String TARGET = System.getProperty("caucus.apps.target", "caucus");
    private static final int CLIENT_TIMEOUT_MILLIS = 10_000;
    /** How long a 2 s TTL may take to run out and its expiry to become visible before the test fails. */
    private static final Duration EXPIRY_DEADLINE = Duration.ofSeconds(10);
    /** Slack for clock granularity when checking that a key did not expire before its TTL. */
    private static final long CLOCK_SLACK_MILLIS = 100;
    private static final Duration WORK_DEADLINE = Duration.ofSeconds(40);

    private Path directory;
    private ProcessCluster cluster;
    private RedisServerProcess redisServer;
    /** Client endpoints: in Caucus mode node 0 is the leader at startup, nodes 1 and 2 followers. */
    private final List<HostAndPort> nodes = new ArrayList<>();
    private final List<String> nodeNames = new ArrayList<>();
    private RedisClient lettuce;

    @BeforeAll
    void start() throws Exception {
        directory = ProcessCluster.freshDirectory("client-applications-test");
        switch (TARGET) {
            case "caucus" -> startCaucus();
            case "redis" -> startRedis();
            default -> throw new IllegalArgumentException(
                    "caucus.apps.target must be 'caucus' or 'redis', not '" + TARGET + "'");
        }
        System.out.println("ClientApplicationsIT against " + TARGET + ": nodes " + nodeNames);
        lettuce = RedisClient.create();
        lettuce.setOptions(ClientOptions.builder()
                .protocolVersion(ProtocolVersion.RESP2) // Caucus serves RESP2; no HELLO negotiation
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(CLIENT_TIMEOUT_MILLIS)))
                .build());
    }

    private void startCaucus() throws IOException {
        cluster = new ProcessCluster(directory, 3, 4000);
        cluster.startAll();
        String leader = cluster.awaitLeader(cluster.ids());
        List<String> order = new ArrayList<>(List.of(leader));
        cluster.ids().stream().filter(id -> !id.equals(leader)).forEach(order::add);
        for (String id : order) {
            nodes.add(new HostAndPort("127.0.0.1", cluster.config.node(id).client().getPort()));
            nodeNames.add(id + (id.equals(leader) ? " (leader)" : " (follower)"));
        }
        // Every node serves (and forwards) a write before the scenarios start.
        for (int i = 0; i < nodes.size(); i++) {
            int node = i;
            cluster.poll(Duration.ofSeconds(60), () -> {
                try (Jedis jedis = jedis(node)) {
                    return "OK".equals(jedis.set("apps:warmup:" + node, "ok")) ? true : null;
                } catch (JedisDataException e) {
                    assertThat(e.getMessage()).matches("^(NOLEADER|NOTLEADER|UNKNOWN) .*");
                    return null;
                }
            }, "a write through " + nodeNames.get(node));
        }
    }

    private void startRedis() throws Exception {
        redisServer = RedisServerProcess.start(directory, "redis-server");
        for (int i = 0; i < 3; i++) {
            nodes.add(new HostAndPort("127.0.0.1", redisServer.port));
            nodeNames.add("redis-server:" + redisServer.port);
        }
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (lettuce != null) {
            lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (cluster != null) {
            cluster.close();
        }
        if (redisServer != null) {
            redisServer.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 1. Distributed lock (Jedis): SET NX PX to acquire, WATCH/GET/MULTI/DEL/EXEC to release.

    private static boolean tryLock(Jedis jedis, String lock, String token, long ttlMillis) {
        return "OK".equals(jedis.set(lock, token, SetParams.setParams().nx().px(ttlMillis)));
    }

    /** Deletes the lock only if {@code token} still owns it; true if this call released it. */
    private static boolean unlock(Jedis jedis, String lock, String token) {
        jedis.watch(lock);
        if (!token.equals(jedis.get(lock))) {
            jedis.unwatch();
            return false;
        }
        Transaction transaction = jedis.multi();
        Response<Long> deleted = transaction.del(lock);
        List<Object> results = transaction.exec();
        return results != null && deleted.get() == 1L;
    }

    @Test
    void distributedLockIsExclusiveReleasedOnlyByItsOwnerAndExpires() {
        String lock = "apps:lock:invoice-42";
        try (Jedis a = jedis(1); Jedis b = jedis(2)) {
            assertThat(tryLock(a, lock, "token-a", 30_000)).as("A acquires the free lock").isTrue();
            assertThat(tryLock(b, lock, "token-b", 30_000)).as("B cannot acquire a held lock").isFalse();
            assertThat(b.get(lock)).isEqualTo("token-a");
            assertThat(b.pttl(lock)).isBetween(1L, 30_000L);

            assertThat(unlock(b, lock, "token-b")).as("B's release of A's lock").isFalse();
            assertThat(a.get(lock)).as("the lock after a release by the wrong owner").isEqualTo("token-a");
            assertThat(tryLock(b, lock, "token-b", 30_000)).isFalse();

            assertThat(unlock(a, lock, "token-a")).as("A releases its own lock").isTrue();
            assertThat(b.exists(lock)).isFalse();
            assertThat(unlock(a, lock, "token-a")).as("a second release").isFalse();
            assertThat(tryLock(b, lock, "token-b", 30_000)).as("B acquires the released lock").isTrue();
            assertThat(unlock(b, lock, "token-b")).isTrue();

            // A holder that dies never releases: its lock expires after PX and can be taken again.
            long ttl = 2_000;
            long before = System.nanoTime();
            assertThat(tryLock(a, lock, "token-crashed", ttl)).isTrue();
            assertThat(tryLock(b, lock, "token-b2", 30_000)).as("B before the short lock expires").isFalse();
            awaitTrue(EXPIRY_DEADLINE, () -> tryLock(b, lock, "token-b2", 30_000),
                    "B to acquire the lock after its " + ttl + " ms PX expired");
            long waited = elapsedMillis(before);
            assertThat(waited).as("ms until the PX %d lock could be taken again", ttl)
                    .isGreaterThanOrEqualTo(ttl - CLOCK_SLACK_MILLIS);
            assertThat(a.get(lock)).isEqualTo("token-b2");
            assertThat(unlock(a, lock, "token-crashed")).as("the expired holder's late release").isFalse();
            assertThat(unlock(b, lock, "token-b2")).isTrue();
        }
    }

    @Test
    void twoContendingClientsNeverHoldTheLockAtTheSameTime() throws Exception {
        String lock = "apps:lock:contended";
        String counter = "apps:lock:protected-counter";
        int attempts = 100;
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger refusals = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(2);
        Callable<Integer> contender0 = contender(0, "c0", attempts, lock, counter, start, holders, overlaps, refusals);
        Callable<Integer> contender1 = contender(1, "c1", attempts, lock, counter, start, holders, overlaps, refusals);
        List<Integer> successes = runConcurrently(List.of(contender0, contender1));

        int total = successes.get(0) + successes.get(1);
        System.out.println("lock contention: acquisitions per client " + successes + ", refused " + refusals);
        assertThat(overlaps.get()).as("times both clients held the lock").isZero();
        assertThat(total).as("acquisitions (per client: %s)", successes).isPositive();
        assertThat(refusals.get()).as("refused attempts: the clients did contend").isPositive();
        assertThat(total + refusals.get()).isEqualTo(2 * attempts);
        try (Jedis jedis = jedis(2)) {
            // A read-modify-write under the lock: no increment lost.
            assertThat(jedis.get(counter)).isEqualTo(Integer.toString(total));
            assertThat(jedis.exists(lock)).isFalse();
        }
    }

    private Callable<Integer> contender(int node, String name, int attempts, String lock, String counter,
            CyclicBarrier start, AtomicInteger holders, AtomicInteger overlaps, AtomicInteger refusals) {
        return () -> {
            int acquired = 0;
            try (Jedis jedis = jedis(node)) {
                start.await(10, TimeUnit.SECONDS);
                for (int i = 0; i < attempts; i++) {
                    String token = name + "-" + i;
                    if (!tryLock(jedis, lock, token, 30_000)) {
                        refusals.incrementAndGet();
                        continue;
                    }
                    if (holders.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    String value = jedis.get(counter);
                    jedis.set(counter, Integer.toString(value == null ? 1 : Integer.parseInt(value) + 1));
                    holders.decrementAndGet(); // before the release is sent: no longer the holder
                    assertThat(unlock(jedis, lock, token)).as("%s releases %s", name, token).isTrue();
                    acquired++;
                }
            }
            return acquired;
        };
    }

    // ---------------------------------------------------------------------------------------------
    // 2. Fixed-window rate limiter (Jedis): MULTI; INCR; EXPIRE key 60 NX; EXEC.

    private record Hit(long count, long expireSet) {
    }

    private static Hit hit(Jedis jedis, String key) {
        Transaction transaction = jedis.multi();
        Response<Long> count = transaction.incr(key);
        Response<Long> expire = transaction.expire(key, 60, ExpiryOption.NX);
        List<Object> results = transaction.exec();
        assertThat(results).as("EXEC without WATCH always runs").hasSize(2);
        return new Hit(count.get(), expire.get());
    }

    @Test
    void fixedWindowRateLimiterAllowsNThenRefusesAndSetsTheWindowOnce() {
        int limit = 5;
        String window = "apps:ratelimit:user-7:window";
        try (Jedis app0 = jedis(0); Jedis app2 = jedis(2)) {
            List<Boolean> decisions = new ArrayList<>();
            List<Long> counts = new ArrayList<>();
            List<Long> expireResults = new ArrayList<>();
            long firstPttl = -1;
            for (int request = 0; request < limit + 3; request++) {
                Jedis app = request % 2 == 0 ? app0 : app2; // two application servers share the limit
                Hit hit = hit(app, window);
                counts.add(hit.count());
                expireResults.add(hit.expireSet());
                decisions.add(hit.count() <= limit);
                if (request == 0) {
                    firstPttl = app.pttl(window);
                    assertThat(firstPttl).as("PTTL once the window opened").isBetween(1L, 60_000L);
                }
            }
            assertThat(counts).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            assertThat(decisions).containsExactly(true, true, true, true, true, false, false, false);
            assertThat(expireResults).as("EXPIRE NX sets the window's TTL on the first hit only")
                    .containsExactly(1L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
            assertThat(app0.ttl(window)).isBetween(1L, 60L);
            assertThat(app2.pttl(window)).as("the window was not extended").isBetween(1L, firstPttl);

            String other = "apps:ratelimit:user-8:window";
            assertThat(hit(app2, other)).as("another user's window").isEqualTo(new Hit(1, 1));
            assertThat(app0.get(window)).isEqualTo("8");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 3. Session store (Lettuce, async and sync): a hash per session with an idle TTL.

    @Test
    void sessionStoreHashesExpireUnlessPersisted() throws Exception {
        String session = "apps:session:5f1c";
        String remembered = "apps:session:remember-me";
        try (StatefulRedisConnection<String, String> web1 = lettuce(1);
                StatefulRedisConnection<String, String> web2 = lettuce(2);
                StatefulRedisConnection<String, String> monitor = lettuce(0)) {
            RedisAsyncCommands<String, String> async = web1.async();
            RedisFuture<Long> created = async.hset(session,
                    Map.of("user", "alice", "cart", "3 items", "hits", "0"));
            List<RedisFuture<Long>> hits = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                hits.add(async.hincrby(session, "hits", 1)); // pipelined on one connection, in order
            }
            RedisFuture<Map<String, String>> all = async.hgetall(session);
            assertThat(created.get(CLIENT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)).isEqualTo(3L);
            List<Long> hitCounts = new ArrayList<>();
            for (RedisFuture<Long> future : hits) {
                hitCounts.add(future.get(CLIENT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
            }
            assertThat(hitCounts).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(all.get(CLIENT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                    .containsOnly(entry("user", "alice"), entry("cart", "3 items"), entry("hits", "5"));

            RedisCommands<String, String> sync = web2.sync();
            assertThat(sync.hgetall(session))
                    .containsOnly(entry("user", "alice"), entry("cart", "3 items"), entry("hits", "5"));
            assertThat(sync.hincrby(session, "hits", 1)).isEqualTo(6L);
            assertThat(sync.hset(session, "cart", "4 items")).as("HSET of an existing field").isFalse();
            assertThat(sync.hget(session, "cart")).isEqualTo("4 items");
            assertThat(sync.hget(session, "missing")).isNull();

            // A "remember me" session: given the same TTL, then PERSISTed before it runs out.
            assertThat(async.hset(remembered, Map.of("user", "bob")).get(CLIENT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                    .isEqualTo(1L);
            assertThat(sync.expire(remembered, 2)).isTrue();
            assertThat(sync.persist(remembered)).isTrue();
            assertThat(sync.ttl(remembered)).as("TTL of a persisted key").isEqualTo(-1L);

            long before = System.nanoTime();
            assertThat(sync.expire(session, 2)).isTrue();
            RedisCommands<String, String> reader = monitor.sync();
            assertThat(reader.pttl(session)).isBetween(1L, 2_000L);
            assertThat(reader.exists(session)).as("the session right after EXPIRE").isEqualTo(1L);
            awaitTrue(EXPIRY_DEADLINE, () -> reader.exists(session) == 0L, "the session to expire");
            assertThat(elapsedMillis(before)).as("ms until the EXPIRE 2 session was gone")
                    .isGreaterThanOrEqualTo(2_000 - CLOCK_SLACK_MILLIS);

            assertThat(sync.hgetall(session)).isEmpty();
            assertThat(sync.hget(session, "user")).isNull();
            assertThat(sync.ttl(session)).isEqualTo(-2L);
            // Its original deadline has passed too: PERSIST removed it.
            assertThat(reader.exists(remembered)).isEqualTo(1L);
            assertThat(reader.hgetall(remembered)).containsOnly(entry("user", "bob"));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 4. Reliable job queue (Lettuce): LPUSH, LMOVE queue processing RIGHT LEFT, LREM when done.

    @Test
    void reliableQueueProcessesEveryJobExactlyOnceAcrossTwoWorkers() throws Exception {
        String queue = "apps:jobs:queue";
        String processing = "apps:jobs:processing";
        String results = "apps:jobs:results";
        int producers = 2;
        int jobsPerProducer = 40;
        AtomicBoolean producersDone = new AtomicBoolean();
        Map<String, Integer> timesProcessed = new ConcurrentHashMap<>();

        ExecutorService executor = Executors.newFixedThreadPool(4);
        try (StatefulRedisConnection<String, String> producer0 = lettuce(0);
                StatefulRedisConnection<String, String> producer1 = lettuce(1);
                StatefulRedisConnection<String, String> worker1 = lettuce(1);
                StatefulRedisConnection<String, String> worker2 = lettuce(2)) {
            List<Future<List<String>>> workers = List.of(
                    executor.submit(worker(worker1.sync(), queue, processing, results, producersDone, timesProcessed)),
                    executor.submit(worker(worker2.sync(), queue, processing, results, producersDone, timesProcessed)));
            Future<?> syncProducer = executor.submit(() -> {
                RedisCommands<String, String> commands = producer0.sync();
                for (int i = 0; i < jobsPerProducer; i++) {
                    commands.lpush(queue, job(0, i));
                }
                return null;
            });
            Future<?> pipelinedProducer = executor.submit(() -> {
                RedisAsyncCommands<String, String> commands = producer1.async();
                List<RedisFuture<Long>> pushes = new ArrayList<>();
                for (int i = 0; i < jobsPerProducer; i++) {
                    pushes.add(commands.lpush(queue, job(1, i)));
                }
                for (RedisFuture<Long> push : pushes) {
                    assertThat(push.get(CLIENT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)).isPositive();
                }
                return null;
            });
            syncProducer.get(WORK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            pipelinedProducer.get(WORK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            producersDone.set(true);
            List<List<String>> processedBy = new ArrayList<>();
            for (Future<List<String>> worker : workers) {
                processedBy.add(worker.get(WORK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
            }

            Set<String> produced = new HashSet<>();
            for (int p = 0; p < producers; p++) {
                for (int i = 0; i < jobsPerProducer; i++) {
                    produced.add(job(p, i));
                }
            }
            assertThat(timesProcessed.keySet()).isEqualTo(produced);
            assertThat(timesProcessed).allSatisfy((job, times) -> assertThat(times).as(job).isEqualTo(1));
            assertThat(processedBy.get(0).size() + processedBy.get(1).size()).isEqualTo(produced.size());
            // The queue is FIFO: each worker sees every producer's jobs in the order they were pushed.
            for (List<String> jobs : processedBy) {
                for (int p = 0; p < producers; p++) {
                    String prefix = "job:p" + p + ":";
                    List<Integer> sequence = jobs.stream().filter(j -> j.startsWith(prefix))
                            .map(j -> Integer.parseInt(j.substring(prefix.length()))).toList();
                    assertThat(sequence).as("producer %d's jobs as one worker took them", p).isSorted();
                }
            }
            RedisCommands<String, String> check = producer0.sync();
            assertThat(check.llen(queue)).isZero();
            assertThat(check.llen(processing)).isZero();
            assertThat(check.scard(results)).isEqualTo(produced.size());
        } finally {
            executor.shutdownNow();
        }
    }

    private static String job(int producer, int sequence) {
        return "job:p" + producer + ":" + sequence;
    }

    private static Callable<List<String>> worker(RedisCommands<String, String> commands, String queue,
            String processing, String results, AtomicBoolean producersDone, Map<String, Integer> timesProcessed) {
        return () -> {
            List<String> processed = new ArrayList<>();
            long deadline = System.nanoTime() + WORK_DEADLINE.toNanos();
            while (true) {
                boolean noMoreJobs = producersDone.get(); // read before LMOVE: then an empty queue stays empty
                String job = commands.lmove(queue, processing, LMoveArgs.Builder.rightLeft());
                if (job == null) {
                    if (noMoreJobs) {
                        return processed;
                    }
                    assertThat(System.nanoTime()).as("worker deadline").isLessThan(deadline);
                    Thread.onSpinWait();
                    continue;
                }
                timesProcessed.merge(job, 1, Integer::sum);
                processed.add(job);
                assertThat(commands.sadd(results, job)).as("first result for %s", job).isEqualTo(1L);
                assertThat(commands.lrem(processing, 1, job)).as("LREM of finished %s", job).isEqualTo(1L);
            }
        };
    }

    // ---------------------------------------------------------------------------------------------
    // 5. Leaderboard (Jedis): sorted set of player scores.

    @Test
    void leaderboardRanksScoresAndPopsTheTop() {
        String board = "apps:leaderboard:season-3";
        try (Jedis game = jedis(2); Jedis web = jedis(0)) {
            Map<String, Double> scores = new LinkedHashMap<>();
            scores.put("alice", 100.0);
            scores.put("bob", 80.0);
            scores.put("carol", 120.0);
            scores.put("dave", 80.0);
            scores.put("erin", 50.0);
            assertThat(game.zadd(board, scores)).isEqualTo(5L);
            assertThat(game.zadd(board, 80.0, "frank")).isEqualTo(1L);
            assertThat(game.zadd(board, 50.0, "erin")).as("ZADD of an existing member").isZero();
            assertThat(game.zincrby(board, 30, "bob")).isEqualTo(110.0);
            assertThat(game.zincrby(board, 2.5, "newcomer")).isEqualTo(2.5);
            assertThat(game.zrem(board, "newcomer")).isEqualTo(1L);

            assertThat(web.zcard(board)).isEqualTo(6L);
            assertThat(web.zrevrange(board, 0, 2)).containsExactly("carol", "bob", "alice");
            assertThat(web.zrangeWithScores(board, ZRangeParams.zrangeParams(0, 3).rev())).containsExactly(
                    new Tuple("carol", 120.0), new Tuple("bob", 110.0), new Tuple("alice", 100.0),
                    new Tuple("frank", 80.0)); // ties: the greater member first in reverse order
            assertThat(web.zrange(board, 0, -1)).as("ascending, ties by member")
                    .containsExactly("erin", "dave", "frank", "alice", "bob", "carol");
            assertThat(web.zrank(board, "erin")).isZero();
            assertThat(web.zrank(board, "alice")).isEqualTo(3L);
            assertThat(web.zrevrank(board, "carol")).isZero();
            assertThat(web.zrevrank(board, "dave")).isEqualTo(4L);
            assertThat(web.zrank(board, "nobody")).isNull();
            assertThat(web.zscore(board, "alice")).isEqualTo(100.0);
            assertThat(web.zscore(board, "nobody")).isNull();
            assertThat(web.zcount(board, 80, 110)).isEqualTo(4L);
            assertThat(web.zcount(board, "(80", "110")).isEqualTo(2L);
            assertThat(web.zcount(board, "-inf", "+inf")).isEqualTo(6L);

            assertThat(game.zpopmax(board)).isEqualTo(new Tuple("carol", 120.0));
            assertThat(game.zpopmax(board, 2)).containsExactly(new Tuple("bob", 110.0), new Tuple("alice", 100.0));
            assertThat(web.zrevrangeWithScores(board, 0, -1)).containsExactly(
                    new Tuple("frank", 80.0), new Tuple("dave", 80.0), new Tuple("erin", 50.0));
            assertThat(game.zpopmax(board, 10)).hasSize(3);
            assertThat(web.exists(board)).as("an emptied sorted set").isFalse();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 6. Optimistic transactions: WATCH on one connection, a write on another aborts its EXEC.

    @Test
    void watchedKeyChangedByAnotherConnectionAbortsExecInJedis() throws Exception {
        String counter = "apps:optimistic:jedis-counter";
        try (Jedis a = jedis(1); Jedis b = jedis(0)) {
            b.set(counter, "10");

            a.watch(counter);
            int seen = Integer.parseInt(a.get(counter));
            assertThat(b.incr(counter)).isEqualTo(11L); // B changes the key A is watching
            Transaction transaction = a.multi();
            transaction.set(counter, Integer.toString(seen + 1));
            assertThat(transaction.exec()).as("A's EXEC after B's write").isNull();
            assertThat(b.get(counter)).isEqualTo("11");

            // The application retries with a fresh read and succeeds.
            a.watch(counter);
            seen = Integer.parseInt(a.get(counter));
            transaction = a.multi();
            Response<String> set = transaction.set(counter, Integer.toString(seen + 1));
            assertThat(transaction.exec()).as("A's retried EXEC").isNotNull();
            assertThat(set.get()).isEqualTo("OK");
            assertThat(b.get(counter)).isEqualTo("12");
        }

        // Two clients increment with check-and-set retries: no increment is lost.
        int increments = 25;
        List<Integer> retries = runConcurrently(List.of(
                optimisticIncrements(1, counter, increments), optimisticIncrements(2, counter, increments)));
        System.out.println("optimistic increments: aborted EXECs per client " + retries);
        try (Jedis jedis = jedis(0)) {
            assertThat(jedis.get(counter)).as("after %s aborted EXECs", retries)
                    .isEqualTo(Integer.toString(12 + 2 * increments));
        }
    }

    private Callable<Integer> optimisticIncrements(int node, String counter, int increments) {
        return () -> {
            int aborted = 0;
            try (Jedis jedis = jedis(node)) {
                for (int i = 0; i < increments; i++) {
                    while (true) {
                        jedis.watch(counter);
                        long value = Long.parseLong(jedis.get(counter));
                        Transaction transaction = jedis.multi();
                        transaction.set(counter, Long.toString(value + 1));
                        if (transaction.exec() != null) {
                            break;
                        }
                        aborted++;
                        assertThat(aborted).as("aborted EXECs on node %d", node).isLessThan(10_000);
                    }
                }
            }
            return aborted;
        };
    }

    @Test
    void watchedKeyChangedByAnotherConnectionDiscardsTheTransactionInLettuce() {
        String balance = "apps:optimistic:lettuce-balance";
        try (StatefulRedisConnection<String, String> a = lettuce(2);
                StatefulRedisConnection<String, String> b = lettuce(1)) {
            RedisCommands<String, String> sa = a.sync();
            RedisCommands<String, String> sb = b.sync();
            sb.set(balance, "100");

            sa.watch(balance);
            long seen = Long.parseLong(sa.get(balance));
            assertThat(sb.decrby(balance, 30)).isEqualTo(70L);
            sa.multi();
            sa.set(balance, Long.toString(seen - 50));
            TransactionResult result = sa.exec();
            assertThat(result.wasDiscarded()).as("A's EXEC after B's write").isTrue();
            assertThat(sb.get(balance)).isEqualTo("70");

            // A change and its undo (A -> B -> A) still aborts: WATCH is not a compare of values.
            sa.watch(balance);
            seen = Long.parseLong(sa.get(balance));
            sb.incr(balance);
            sb.decr(balance);
            assertThat(sb.get(balance)).isEqualTo(Long.toString(seen));
            sa.multi();
            sa.set(balance, Long.toString(seen - 50));
            assertThat(sa.exec().wasDiscarded()).as("A's EXEC after B's change and undo").isTrue();
            assertThat(sb.get(balance)).isEqualTo("70");

            // Unchanged since WATCH: the transaction runs and returns each command's reply.
            sa.watch(balance);
            seen = Long.parseLong(sa.get(balance));
            sa.multi();
            sa.set(balance, Long.toString(seen - 50));
            sa.get(balance);
            TransactionResult committed = sa.exec();
            assertThat(committed.wasDiscarded()).isFalse();
            assertThat(committed.size()).isEqualTo(2);
            assertThat((String) committed.get(0)).isEqualTo("OK");
            assertThat((String) committed.get(1)).isEqualTo("20");
            assertThat(sb.get(balance)).isEqualTo("20");

            // EXEC forgets the WATCH: B's later write does not abort A's next, unwatched transaction.
            sb.set(balance, "25");
            sa.multi();
            sa.incrby(balance, 5);
            TransactionResult unwatched = sa.exec();
            assertThat(unwatched.wasDiscarded()).isFalse();
            assertThat((Long) unwatched.get(0)).isEqualTo(30L);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private Jedis jedis(int node) {
        HostAndPort endpoint = nodes.get(node);
        return new Jedis(endpoint.getHost(), endpoint.getPort(), CLIENT_TIMEOUT_MILLIS);
    }

    private StatefulRedisConnection<String, String> lettuce(int node) {
        HostAndPort endpoint = nodes.get(node);
        return lettuce.connect(RedisURI.Builder.redis(endpoint.getHost(), endpoint.getPort())
                .withTimeout(Duration.ofMillis(CLIENT_TIMEOUT_MILLIS)).build());
    }

    /** Runs the tasks on their own threads at once; their results in order, or the first failure. */
    private static <T> List<T> runConcurrently(List<Callable<T>> tasks) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(executor.submit(task));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(WORK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
            }
            return results;
        } finally {
            executor.shutdownNow();
        }
    }

    private static long elapsedMillis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Polls {@code condition} every 20 ms until it holds; fails naming what it waited for at the deadline. */
    private static void awaitTrue(Duration deadline, BooleanSupplier condition, String what) {
        await(what).atMost(deadline).pollInterval(Duration.ofMillis(20)).until(() -> condition.getAsBoolean());
    }
}
