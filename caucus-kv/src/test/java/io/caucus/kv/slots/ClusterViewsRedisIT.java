package io.caucus.kv.slots;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.kv.RedisServerProcess;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * {@link ClusterViews} against redis-server 7.0: a real cluster of three masters with a replica each, made by
 * {@code redis-cli --cluster create --cluster-replicas 1}, and Caucus's replies for the same layout (three groups of
 * two replicas on six processes, each group led by one of the first three) must have the same structure: types,
 * element counts, field names and their order, line formats, and the same slot ranges and roles; not the same ids,
 * ports or epochs. A lone cluster node owning every slot, which has exchanged no bus message, gives CLUSTER INFO
 * exactly as Caucus does for one process and one group. Both sides' CLUSTER NODES are also read by Lettuce's parser.
 */
class ClusterViewsRedisIT {

    private static final int MASTERS = 3;
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final ProtocolCommand CLUSTER = () -> "CLUSTER".getBytes(UTF_8);
    private static final Pattern NODE_NAME = Pattern.compile("[0-9a-f]{40}");
    /** A CLUSTER NODES line of a cluster without hostnames, as redis-server 7.0 prints them. */
    private static final Pattern NODES_LINE = Pattern.compile("[0-9a-f]{40} [0-9.]+:\\d+@\\d+ (myself,)?(master|slave)"
            + " ([0-9a-f]{40}|-) \\d+ \\d+ \\d+ connected( \\d+(-\\d+)?)*");
    /** CLUSTER INFO's per-message-type counters, printed only for types a node has sent or received. */
    private static final Pattern PER_TYPE_COUNTER = Pattern.compile("cluster_stats_messages_[a-z]+_(sent|received)");

    @TempDir
    static Path directory;
    private static final List<RedisServerProcess> cluster = new ArrayList<>();
    private static RedisServerProcess lone;
    private static Jedis first;
    private static Jedis loneClient;

    /** Caucus's six processes, p1..p6 on ports 7001..7006; group g is [p_g, p_g+3], led by p_g; p1 answers. */
    private static ClusterSnapshot caucus;

    @BeforeAll
    static void startRedisClusterAndCaucusLayout() throws Exception {
        for (int i = 0; i < 2 * MASTERS; i++) {
            cluster.add(startClusterNode("node-" + i));
        }
        createCluster();
        first = new Jedis("127.0.0.1", cluster.getFirst().port(), 10_000);
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).until(ClusterViewsRedisIT::clusterSettled);

        lone = startClusterNode("lone");
        loneClient = new Jedis("127.0.0.1", lone.port(), 10_000);
        loneClient.sendCommand(CLUSTER, "ADDSLOTSRANGE", "0", "16383");
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(50))
                .until(() -> text(loneClient.sendCommand(CLUSTER, "INFO")).startsWith("cluster_state:ok"));

        SequencedMap<Long, List<NodeId>> groups = new LinkedHashMap<>();
        Map<Long, NodeId> leaders = new HashMap<>();
        Map<NodeId, InetSocketAddress> addresses = new HashMap<>();
        for (int p = 1; p <= 2 * MASTERS; p++) {
            addresses.put(process(p), InetSocketAddress.createUnresolved("127.0.0.1", 7000 + p));
        }
        for (int g = 1; g <= MASTERS; g++) {
            groups.put((long) g, List.of(process(g), process(g + MASTERS)));
            leaders.put((long) g, process(g));
        }
        caucus = new ClusterSnapshot(process(1), SlotMap.evenly(groups), leaders, addresses);
    }

    private static NodeId process(int number) {
        return NodeId.of("p" + number);
    }

    private static RedisServerProcess startClusterNode(String name) throws IOException, InterruptedException {
        return RedisServerProcess.start(directory, name, "--cluster-enabled", "yes", "--cluster-config-file",
                "nodes-" + name + ".conf");
    }

    private static void createCluster() throws Exception {
        List<String> command = new ArrayList<>(List.of(RedisServerProcess.redisCli(), "--cluster", "create"));
        for (RedisServerProcess node : cluster) {
            command.add("127.0.0.1:" + node.port());
        }
        command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(cli.getInputStream().readAllBytes(), UTF_8);
        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).as("redis-cli --cluster create finished").isTrue();
        assertThat(cli.exitValue()).as("redis-cli --cluster create:\n%s", output).isZero();
    }

    /** Every node sees all six and a healthy state, and the first lists each master with its synced replica. */
    private static boolean clusterSettled() {
        for (RedisServerProcess node : cluster) {
            try (Jedis jedis = new Jedis("127.0.0.1", node.port(), 10_000)) {
                String info = text(jedis.sendCommand(CLUSTER, "INFO"));
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + 2 * MASTERS)) {
                    return false;
                }
            }
        }
        List<Object> slots = list(first.sendCommand(CLUSTER, "SLOTS"));
        boolean everyRangeHasAReplica = slots.size() == MASTERS
                && slots.stream().allMatch(range -> list(range).size() == 2 + 2);
        String shards = flatten(first.sendCommand(CLUSTER, "SHARDS"));
        return everyRangeHasAReplica && !shards.contains("loading") && !shards.contains("fail");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (Jedis client : new Jedis[] {first, loneClient}) {
            if (client != null) {
                client.close();
            }
        }
        for (RedisServerProcess node : cluster) {
            node.close();
        }
        if (lone != null) {
            lone.close();
        }
    }

    // ------------------------------------------------------------------ SLOTS

    @Test
    void clusterSlotsHaveRedisStructureAndRanges() {
        Object redis = first.sendCommand(CLUSTER, "SLOTS");
        Object ours = RespWire.asJedisReadsIt(ClusterViews.slots(caucus));
        assertThat(shape(ours)).isEqualTo(shape(redis));
        assertThat(bounds(ours)).isEqualTo(bounds(redis)).hasSize(MASTERS);
        for (Object range : list(ours)) {
            for (Object node : list(range).subList(2, list(range).size())) {
                assertThat(text(list(node).get(2))).matches(NODE_NAME);
            }
        }
    }

    /** Each range's start and end. */
    private static List<List<Object>> bounds(Object slots) {
        return list(slots).stream().map(range -> list(range).subList(0, 2)).toList();
    }

    // ------------------------------------------------------------------ SHARDS

    @Test
    void clusterShardsHaveRedisStructureFieldsAndRoles() {
        List<Object> redis = byFirstSlot(first.sendCommand(CLUSTER, "SHARDS"));
        List<Object> ours = byFirstSlot(RespWire.asJedisReadsIt(ClusterViews.shards(caucus)));
        assertThat(shape(ours)).isEqualTo(shape(redis));
        assertThat(ours).hasSize(MASTERS);
        for (int i = 0; i < MASTERS; i++) {
            List<Object> redisShard = list(redis.get(i));
            List<Object> ourShard = list(ours.get(i));
            assertThat(names(ourShard)).isEqualTo(names(redisShard)).containsExactly("slots", "nodes");
            assertThat(ourShard.get(1)).isEqualTo(redisShard.get(1)); // the same slot pairs
            List<Object> redisNodes = list(redisShard.get(3));
            List<Object> ourNodes = list(ourShard.get(3));
            for (int n = 0; n < redisNodes.size(); n++) {
                assertThat(names(list(ourNodes.get(n)))).isEqualTo(names(list(redisNodes.get(n))))
                        .containsExactly("id", "port", "ip", "endpoint", "role", "replication-offset", "health");
                for (String field : List.of("ip", "endpoint", "role", "health")) {
                    assertThat(field(ourNodes.get(n), field)).as(field).isEqualTo(field(redisNodes.get(n), field));
                }
                assertThat(field(ourNodes.get(n), "id")).matches(NODE_NAME);
            }
        }
    }

    private static List<Object> byFirstSlot(Object shards) {
        List<Object> sorted = new ArrayList<>(list(shards));
        sorted.sort(Comparator.comparingLong(shard -> (Long) list(list(shard).get(1)).getFirst()));
        return sorted;
    }

    /** The names of a flat name/value list: its even elements. */
    private static List<String> names(List<Object> fields) {
        return IntStream.range(0, fields.size() / 2).mapToObj(i -> text(fields.get(2 * i))).toList();
    }

    private static String field(Object fields, String name) {
        List<Object> list = list(fields);
        return text(list.get(names(list).indexOf(name) * 2 + 1));
    }

    // ------------------------------------------------------------------ NODES

    @Test
    void clusterNodesHaveRedisLineFormatAndRoles() {
        String redis = text(first.sendCommand(CLUSTER, "NODES"));
        String ours = text(RespWire.asJedisReadsIt(ClusterViews.nodes(caucus)));
        for (String nodes : List.of(redis, ours)) {
            assertThat(nodes).endsWith("\n").doesNotContain("\r");
            List<String> lines = nodes.lines().toList();
            assertThat(lines).hasSize(2 * MASTERS).allSatisfy(line -> assertThat(line).matches(NODES_LINE));
        }
        assertThat(roles(ours)).isEqualTo(roles(redis));
        assertThat(topology(ours)).isEqualTo(topology(redis));
    }

    /**
     * Each line's flags, whether it names a master, and its slots, sorted: the same multiset on both sides when the
     * layouts match (the process answering is a master on both).
     */
    private static List<String> roles(String nodes) {
        return nodes.lines().map(line -> {
            String[] fields = line.split(" ");
            String slots = String.join(" ", List.of(fields).subList(8, fields.length));
            return fields[2] + " " + (fields[3].equals("-") ? "-" : "<master>") + " [" + slots + "]";
        }).sorted().toList();
    }

    /** As Lettuce's RedisClusterClient sees it: each master's slot count and first slot, with its replica count. */
    private static Map<Integer, String> topology(String nodes) {
        Partitions partitions = ClusterPartitionParser.parse(nodes);
        Map<Integer, String> byFirstSlot = new TreeMap<>();
        for (RedisClusterNode node : partitions) {
            if (node.getRole().isUpstream()) {
                long replicas = partitions.getPartitions().stream()
                        .filter(other -> node.getNodeId().equals(other.getSlaveOf())).count();
                byFirstSlot.put(node.getSlots().getFirst(),
                        node.getSlots().size() + " slots, " + replicas + " replica");
            }
        }
        return byFirstSlot;
    }

    // ------------------------------------------------------------------ INFO and MYID

    @Test
    void clusterInfoHasRedisFieldsInRedisOrderAndTheSameCounts() {
        String redis = text(first.sendCommand(CLUSTER, "INFO"));
        String ours = text(RespWire.asJedisReadsIt(ClusterViews.info(caucus)));
        assertThat(ours).endsWith("\r\n");
        Map<String, String> redisFields = infoFields(redis);
        Map<String, String> ourFields = infoFields(ours);
        redisFields.keySet().removeIf(name -> PER_TYPE_COUNTER.matcher(name).matches());
        assertThat(List.copyOf(ourFields.keySet())).isEqualTo(List.copyOf(redisFields.keySet()));
        for (String same : List.of("cluster_state", "cluster_slots_assigned", "cluster_slots_ok",
                "cluster_slots_pfail", "cluster_slots_fail", "cluster_known_nodes", "cluster_size")) {
            assertThat(ourFields.get(same)).as(same).isEqualTo(redisFields.get(same));
        }
    }

    @Test
    void clusterInfoOfOneProcessIsALoneRedisNodesWordForWord() {
        SlotMap everySlot = SlotMap.builder(0).group(1, List.of(process(1))).assign(SlotRange.all(), 1).build();
        ClusterSnapshot alone = new ClusterSnapshot(process(1), everySlot, Map.of(1L, process(1)),
                Map.of(process(1), InetSocketAddress.createUnresolved("127.0.0.1", 7001)));
        String redis = text(loneClient.sendCommand(CLUSTER, "INFO"));
        assertThat(text(RespWire.asJedisReadsIt(ClusterViews.info(alone)))).isEqualTo(redis);
    }

    @Test
    void clusterMyIdIsTheMyselfLineOfClusterNodesOnBothSides() {
        String redisId = text(first.sendCommand(CLUSTER, "MYID"));
        String ourId = text(RespWire.asJedisReadsIt(ClusterViews.myId(caucus)));
        assertThat(redisId).matches(NODE_NAME);
        assertThat(ourId).matches(NODE_NAME);
        assertThat(myselfLine(text(first.sendCommand(CLUSTER, "NODES")))).startsWith(redisId + " ");
        assertThat(myselfLine(text(RespWire.asJedisReadsIt(ClusterViews.nodes(caucus))))).startsWith(ourId + " ");
    }

    private static String myselfLine(String nodes) {
        return nodes.lines().filter(line -> line.split(" ")[2].startsWith("myself,")).findFirst().orElseThrow();
    }

    private static Map<String, String> infoFields(String info) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : info.split("\r\n")) {
            String[] nameValue = line.split(":", 2);
            fields.put(nameValue[0], nameValue[1]);
        }
        return fields;
    }

    // ------------------------------------------------------------------ helpers

    /** A reply's structure: bulk strings and integers by kind, arrays element by element. */
    private static Object shape(Object reply) {
        return switch (reply) {
            case byte[] ignored -> "bulk";
            case Long ignored -> "integer";
            case List<?> elements -> elements.stream().map(ClusterViewsRedisIT::shape).toList();
            default -> throw new AssertionError("unexpected reply element " + reply);
        };
    }

    /** Every bulk string of a reply, joined: enough to look for a word in it. */
    private static String flatten(Object reply) {
        return switch (reply) {
            case byte[] bulk -> new String(bulk, UTF_8);
            case List<?> elements -> String.join(" ", elements.stream().map(ClusterViewsRedisIT::flatten).toList());
            default -> String.valueOf(reply);
        };
    }

    private static String text(Object value) {
        return new String((byte[]) value, UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return (List<Object>) value;
    }
}
