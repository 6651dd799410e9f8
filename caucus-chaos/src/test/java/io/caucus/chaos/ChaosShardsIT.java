package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * {@code caucus chaos --shards N}: real {@code caucus server} processes of a sharded cluster ({@code shards: N}),
 * clients that follow {@code -MOVED}, and the checks of a full run.
 */
class ChaosShardsIT {

    private static Path freshDirectory(String name) throws Exception {
        Path directory = Path.of("target", "chaos-runs", name).toAbsolutePath();
        if (Files.exists(directory)) {
            try (var paths = Files.walk(directory)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        return directory;
    }

    /**
     * 8 data groups on 3 nodes under kills and partitions: every check passes, and the work spans the groups. The
     * schedule depends on the seed alone: 801 draws a kill of one node, then a partition, both within 20 s.
     */
    @Test
    void eightShardsUnderKillsAndPartitions() throws Exception {
        long seed = Long.getLong("caucus.chaos.seed", 801);
        Path directory = freshDirectory("shards-seed" + seed);
        ChaosOptions options = ChaosOptions.defaults(3, Duration.ofSeconds(20),
                Set.of(FaultKind.KILL, FaultKind.PARTITION), seed, directory).withShards(8);
        ChaosResult result = ChaosRun.run(options, System.out);
        String report = Files.readString(directory.resolve("report.txt"));

        assertThat(result.passed()).as("chaos run failed:%n%s", report).isTrue();
        assertThat(result.checks()).anyMatch(check -> check.name().equals("linearizability") && check.passed());
        assertThat(result.faultsByKind().get(FaultKind.KILL)).as("kills").isPositive();
        assertThat(result.faultsByKind().get(FaultKind.PARTITION)).as("partitions").isPositive();
        assertThat(result.acknowledgedByGroup()).as("data groups with acknowledged operations")
                .hasSizeGreaterThan(1).allSatisfy((group, count) -> assertThat(count).isPositive());
        assertThat(result.counterOperations()).as("transactions and whole-group reads, each in its slot")
                .anyMatch(op -> op.outcome() == Outcome.OK && op.kind() == CounterOp.Kind.TRANSFER)
                .anyMatch(op -> op.outcome() == Outcome.OK && op.kind() == CounterOp.Kind.INCR_BOTH)
                .anyMatch(op -> op.outcome() == Outcome.OK && op.kind().isRead() && op.keys().size() > 1);
        assertThat(Files.readString(directory.resolve("history.txt"))).as("operations that followed a MOVED")
                .containsPattern("\\n\\d+ n\\d>n\\d ");
        assertThat(report).contains("8 shards").contains("the keys landed in groups")
                .containsPattern("PASS\\s+replicas converge: the replicas of each of \\d+ data groups on 3 nodes applied the"
                        + " same index with the same digest");
        assertThat(Files.readString(directory.resolve("cluster").resolve("n1.yaml"))).contains("shards: 8");
    }

    /**
     * Slots of the workload's keys moved between groups while clients write and nodes are killed: every check passes,
     * the moves finish (every node's map lists none) and no acknowledged operation is lost.
     */
    @Test
    void slotsMoveBetweenGroupsUnderKillsAndPartitions() throws Exception {
        long seed = Long.getLong("caucus.chaos.moveSeed", 802);
        Path directory = freshDirectory("shards-moves-seed" + seed);
        ChaosOptions options = ChaosOptions.defaults(3, Duration.ofSeconds(25),
                Set.of(FaultKind.KILL, FaultKind.MOVE), seed, directory).withShards(4);
        ChaosResult result = ChaosRun.run(options, System.out);
        String report = Files.readString(directory.resolve("report.txt"));

        assertThat(result.passed()).as("chaos run failed:%n%s", report).isTrue();
        assertThat(result.faultsByKind().get(FaultKind.MOVE)).as("moves").isPositive();
        assertThat(report).containsPattern("PASS\\s+slot and replica moves finish: [1-9]\\d* of \\d+ moves asked for were recorded");
    }

    /**
     * A client sent to a node that does not lead the key's group gets MOVED and follows it: a SET, then a GET of it,
     * then a transfer (MULTI refused at its first command, DISCARDed, sent again), each acknowledged through the
     * node named, and the history names both nodes.
     */
    @Test
    void theClientFollowsMovedToTheLeaderOfTheKeysGroup() throws Exception {
        Path directory = freshDirectory("shards-moved");
        ChaosOptions options = ChaosOptions.defaults(3, Duration.ofSeconds(1), Set.of(FaultKind.KILL), 1,
                directory).withShards(8);
        ChaosHistory history = new ChaosHistory();
        try (ChaosCluster cluster = new ChaosCluster(directory.resolve("cluster"), 3, options)) {
            cluster.startAll();
            Awaitility.await().atMost(ChaosRun.SETTLE).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.ids().stream().allMatch(cluster::clusterOk) && cluster.leadersSettled());
            ChaosClient client = new ChaosClient(1, history, cluster::ids, cluster::clientAddress,
                    cluster::nodeReachedAt, null, options, () -> true);

            String register = options.registerKeys().getFirst();
            Moved moved = movedAnswer(cluster, register);
            try (Jedis jedis = connect(cluster, moved.asked())) {
                client.set(new ChaosClient.Target(moved.asked(), jedis), register);
                client.get(new ChaosClient.Target(moved.asked(), jedis), register);
            }
            List<Operation> operations = history.operations();
            assertThat(operations).hasSize(2).allMatch(op -> op.outcome() == Outcome.OK);
            assertThat(operations.get(1).result()).as("the GET reads the SET's value")
                    .isEqualTo(operations.get(0).value());
            for (Operation op : operations) {
                assertThat(history.line(op)).startsWith(op == operations.get(0) ? "0 " : "1 ")
                        .contains(" " + moved.asked() + ">" + moved.leader() + " ");
            }

            Moved accounts = movedAnswer(cluster, options.accountKeys().getFirst());
            try (Jedis jedis = connect(cluster, accounts.asked())) {
                client.transfer(new ChaosClient.Target(accounts.asked(), jedis));
                assertThat(jedis.ping()).as("the connection left with no transaction open").isEqualTo("PONG");
            }
            CounterOp transfer = history.counterOperations().getFirst();
            assertThat(transfer.kind()).isEqualTo(CounterOp.Kind.TRANSFER);
            assertThat(transfer.outcome()).as(history.line(transfer)).isEqualTo(Outcome.OK);
            assertThat(history.line(transfer)).contains(" " + accounts.asked() + ">" + accounts.leader() + " ");
        }
    }

    /** A node asked for {@code key} that answered MOVED, and the node the MOVED named. */
    private record Moved(String asked, String leader) {
    }

    private static Moved movedAnswer(ChaosCluster cluster, String key) {
        for (String id : cluster.ids()) {
            try (Jedis jedis = connect(cluster, id)) {
                jedis.get(key);
            } catch (JedisMovedDataException moved) {
                HostAndPort target = moved.getTargetNode();
                Optional<String> leader = cluster.nodeReachedAt(new InetSocketAddress(target.getHost(),
                        target.getPort()));
                assertThat(leader).as("the node %s's MOVED for %s names", id, key).isPresent();
                return new Moved(id, leader.get());
            }
        }
        throw new AssertionError("no node answered MOVED for " + key + ": one node leads every group?");
    }

    private static Jedis connect(ChaosCluster cluster, String id) {
        InetSocketAddress address = cluster.clientAddress(id);
        return new Jedis(new HostAndPort(address.getHostString(), address.getPort()),
                ChaosCluster.jedisConfig(null).socketTimeoutMillis(15_000).build());
    }
}
