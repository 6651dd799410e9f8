package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Membership changes on real {@code caucus server} processes, made with the {@code caucus member} and
 * {@code caucus leader} commands (run in this JVM, talking HTTP to the servers) while a client writes
 * continuously through n1. Every write the client saw acknowledged is read back through every voter after
 * each step. The steps share one cluster and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MembershipProcessesIT {

    private static final Duration CHANGE = Duration.ofSeconds(120);
    private static final List<String> FOUNDERS = List.of("n1", "n2", "n3");
    /** Codes after which trying the same change again is safe and may succeed. */
    private static final Set<String> RETRYABLE = Set.of("LEARNER_BEHIND", "CHANGE_IN_PROGRESS", "NOLEADER",
            "NOTLEADER", "UNKNOWN", "OVERLOADED", "TRANSFER_FAILED", "no node answered");

    private ProcessCluster cluster;
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicLong written = new AtomicLong();
    private volatile boolean writing = true;
    private Thread writer;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = new ProcessCluster(ProcessCluster.freshDirectory("membership-processes-test"), 3, 4000);
        cluster.startAll();
        cluster.awaitLeader(FOUNDERS);
        writer = Thread.ofPlatform().daemon().name("membership-test-writer").start(this::writeContinuously);
    }

    @AfterAll
    void stopCluster() throws InterruptedException {
        writing = false;
        if (writer != null) {
            writer.join(Duration.ofSeconds(70));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** SET w-i through n1, for ever; remembers each write the cluster acknowledged with OK. */
    private void writeContinuously() {
        long next = 0;
        while (writing) {
            try (Jedis jedis = cluster.client("n1")) {
                while (writing) {
                    String key = "w-" + next++;
                    try {
                        if ("OK".equals(jedis.set(key, "v-" + key))) {
                            acknowledged.put(key, "v-" + key);
                            written.incrementAndGet();
                        }
                    } catch (JedisDataException e) {
                        // Not acknowledged (NOLEADER, UNKNOWN, ...): not remembered, and never checked.
                    }
                }
            } catch (JedisConnectionException e) {
                cluster.poll(Duration.ofSeconds(60), () -> cluster.status("n1").isPresent() ? true : null,
                        "n1 to answer again");
            }
        }
    }

    private void awaitMoreWrites(long count) {
        long target = written.get() + count;
        cluster.poll(CHANGE, () -> written.get() >= target ? true : null, count + " more acknowledged writes");
    }

    private record Cli(int code, String out, String err) {
    }

    private Cli cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", cluster.clusterFile.toString()));
        int code;
        try {
            code = commandLine.execute(all.toArray(String[]::new));
        } catch (IllegalStateException e) {
            return new Cli(1, "", e.getMessage());
        }
        return new Cli(code, out.toString(), err.toString());
    }

    /**
     * Runs a change until it succeeds or fails with one of {@code doneCodes} (what a retry of an already
     * applied change answers), retrying while it is refused for a passing reason.
     */
    private Cli change(Set<String> doneCodes, String... args) {
        return cluster.poll(CHANGE, () -> {
            Cli result = cli(args);
            if (result.code() == 0 || doneCodes.stream().anyMatch(code -> result.err().contains(code))) {
                return result;
            }
            assertThat(RETRYABLE.stream().anyMatch(code -> result.err().contains(code)))
                    .as("'caucus %s' failed: %s", String.join(" ", args), result.err()).isTrue();
            return null;
        }, "caucus " + String.join(" ", args));
    }

    /** A learner has applied what the leader had committed when it was added: it caught up by the log. */
    private void awaitCaughtUp(String learner) {
        String leader = cluster.awaitLeader(FOUNDERS.stream().filter(id -> !id.equals(learner)).toList());
        long commit = cluster.commitIndex(leader);
        cluster.poll(CHANGE, () -> cluster.appliedIndex(learner) >= commit ? true : null,
                "learner " + learner + " to apply up to " + commit);
    }

    @SuppressWarnings("unchecked")
    private List<String> votersSeenByLeader(List<String> among) {
        String leader = cluster.awaitLeader(among);
        return cluster.status(leader).map(s -> (List<String>) s.get("voters")).orElse(List.of());
    }

    private void assertEveryAcknowledgedWriteReadableThrough(List<String> ids) {
        Map<String, String> expected = new LinkedHashMap<>(acknowledged);
        List<String> keys = new ArrayList<>(expected.keySet());
        for (String id : ids) {
            try (Jedis jedis = cluster.client(id)) {
                for (int from = 0; from < keys.size(); from += 500) {
                    List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 500));
                    List<String> values = jedis.mget(chunk.toArray(String[]::new));
                    for (int i = 0; i < chunk.size(); i++) {
                        assertThat(values.get(i)).as("acknowledged %s read through %s", chunk.get(i), id)
                                .isEqualTo(expected.get(chunk.get(i)));
                    }
                }
            }
        }
        assertThat(expected).isNotEmpty();
    }

    @Test
    @Order(1)
    void growsFromThreeToFiveAndShrinksBackWhileAClientWrites() throws Exception {
        awaitMoreWrites(20);
        List<String> five = new ArrayList<>(FOUNDERS);
        for (String id : List.of("n4", "n5")) {
            cluster.addNodeToFile(id);
            cluster.startJoining(id);
            Cli added = change(Set.of("ALREADY_MEMBER"), "member", "add", id);
            assertThat(added.err()).isEmpty();
            assertThat(added.out()).containsPattern(id + "\\s+learner");
            awaitCaughtUp(id);
            change(Set.of("ALREADY_MEMBER"), "member", "promote", id);
            five.add(id);
            awaitMoreWrites(20);
        }
        assertThat(votersSeenByLeader(five)).containsExactlyInAnyOrderElementsOf(five);
        Cli list = cli("member", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out().lines().filter(line -> line.matches("n\\d\\s+voter\\s+\\d+.*"))).hasSize(5);
        assertEveryAcknowledgedWriteReadableThrough(five);

        for (String id : List.of("n4", "n5")) {
            change(Set.of("UNKNOWN_MEMBER"), "member", "remove", id);
            awaitMoreWrites(20);
            cluster.kill(id);
        }
        assertThat(votersSeenByLeader(FOUNDERS)).containsExactlyInAnyOrderElementsOf(FOUNDERS);
        awaitMoreWrites(20);
        assertEveryAcknowledgedWriteReadableThrough(FOUNDERS);
    }

    @Test
    @Order(2)
    void replacesANodeWhoseDiskWasWiped() throws Exception {
        String leader = cluster.awaitLeader(FOUNDERS);
        String victim = leader.equals("n3") ? "n2" : "n3"; // a follower; the client writes through n1
        change(Set.of("UNKNOWN_MEMBER"), "member", "remove", victim);
        cluster.kill(victim);
        cluster.wipe(victim);
        awaitMoreWrites(20); // two voters left: still a majority of the configuration in force
        cluster.startJoining(victim);
        change(Set.of("ALREADY_MEMBER"), "member", "add", victim);
        awaitCaughtUp(victim);
        change(Set.of("ALREADY_MEMBER"), "member", "promote", victim);
        assertThat(votersSeenByLeader(FOUNDERS)).containsExactlyInAnyOrderElementsOf(FOUNDERS);
        awaitMoreWrites(20);
        long commit = cluster.commitIndex(cluster.awaitLeader(FOUNDERS));
        cluster.poll(CHANGE, () -> cluster.appliedIndex(victim) >= commit ? true : null,
                victim + " to apply up to " + commit + " after rejoining");
        assertEveryAcknowledgedWriteReadableThrough(FOUNDERS);
    }

    @Test
    @Order(3)
    void transfersLeadershipToTheNodeNamed() {
        String leader = cluster.awaitLeader(FOUNDERS);
        String target = FOUNDERS.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        Cli moved = change(Set.of(), "leader", "transfer", "--to", target);
        assertThat(moved.out()).startsWith("leader " + target);
        assertThat(cluster.awaitLeader(FOUNDERS)).isEqualTo(target);
        awaitMoreWrites(20);
        assertEveryAcknowledgedWriteReadableThrough(FOUNDERS);
    }
}
