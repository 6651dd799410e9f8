package io.caucus.kv.slots;

import static io.caucus.kv.slots.ClusterViewsTest.ADDRESSES;
import static io.caucus.kv.slots.ClusterViewsTest.ID1;
import static io.caucus.kv.slots.ClusterViewsTest.ID2;
import static io.caucus.kv.slots.ClusterViewsTest.ID3;
import static io.caucus.kv.slots.ClusterViewsTest.N1;
import static io.caucus.kv.slots.ClusterViewsTest.N2;
import static io.caucus.kv.slots.ClusterViewsTest.N3;
import static io.caucus.kv.slots.ClusterViewsTest.THREE_BY_THREE;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.cluster.models.slots.ClusterSlotRange;
import io.lettuce.core.cluster.models.slots.ClusterSlotsParser;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.BuilderFactory;
import redis.clients.jedis.resps.ClusterShardInfo;
import redis.clients.jedis.resps.ClusterShardNodeInfo;

/**
 * Caucus's cluster views read by the real clients' parsers, off the bytes the server writes: Lettuce's
 * {@link ClusterSlotsParser} (CLUSTER SLOTS) and {@link ClusterPartitionParser} (CLUSTER NODES, what
 * RedisClusterClient refreshes its topology from), and Jedis's CLUSTER SHARDS builder. Each must see the leaders as
 * masters with their groups' slots.
 *
 * <p>Lettuce's SLOTS parser keeps one node object per node id across ranges, so a process that is the replica of
 * several leaders (each Caucus process replicates several groups) ends with the {@code slaveOf} of the last range it
 * appears in; the masters per range are what routing uses, and CLUSTER NODES, from which RedisClusterClient
 * refreshes its topology, gives each process one role.
 */
class ClusterViewsClientParsersTest {

    /** Group 1 led by n2, groups 2 and 3 by n3: n1 leads nothing and is n2's replica. */
    private static final ClusterSnapshot LEADERS_MOVED =
            new ClusterSnapshot(N1, THREE_BY_THREE, Map.of(1L, N2, 2L, N3, 3L, N3), ADDRESSES);

    @Test
    void lettuceReadsClusterSlotsAsLeadersWithTheirReplicas() {
        List<ClusterSlotRange> ranges = lettuceSlots(ClusterViewsTest.threeByThree(N1));
        assertThat(ranges).extracting(ClusterSlotRange::getFrom).containsExactly(0, 5461, 10923);
        assertThat(ranges).extracting(ClusterSlotRange::getTo).containsExactly(5460, 10922, 16383);
        assertThat(ranges).extracting(r -> r.getUpstream().getNodeId()).containsExactly(ID1, ID2, ID3);
        assertThat(ranges).extracting(r -> r.getUpstream().getUri().getPort()).containsExactly(7001, 7002, 7003);
        assertThat(ranges.get(1).getReplicaNodes()).extracting(RedisClusterNode::getNodeId).containsExactly(ID1, ID3);
        assertThat(ranges.get(1).getReplicaNodes()).extracting(replica -> replica.getUri().getPort())
                .containsExactly(7001, 7003);

        List<ClusterSlotRange> moved = lettuceSlots(LEADERS_MOVED);
        assertThat(moved).extracting(r -> r.getUpstream().getNodeId()).containsExactly(ID2, ID3, ID3);
    }

    @Test
    void lettuceReadsClusterNodesAsTheMastersSlotsAndTheReplicasMaster() {
        Partitions partitions = lettuceNodes(ClusterViewsTest.threeByThree(N2));
        assertThat(partitions.size()).isEqualTo(3);
        RedisClusterNode second = partitions.getPartitionByNodeId(ID2);
        assertThat(second.is(NodeFlag.MYSELF)).isTrue();
        assertThat(second.getRole().isUpstream()).isTrue();
        assertThat(partitions.getPartitionByNodeId(ID1).is(NodeFlag.MYSELF)).isFalse();
        assertThat(second.getSlots()).isEqualTo(IntStream.rangeClosed(5461, 10922).boxed().toList());
        assertThat(second.getUri().getPort()).isEqualTo(7002);
        assertThat(second.getConfigEpoch()).isEqualTo(THREE_BY_THREE.epoch());
        assertThat(second.isConnected()).isTrue();
        for (int slot : new int[] {0, 5460, 5461, 10922, 10923, 16383}) {
            assertThat(partitions.getMasterBySlot(slot).getNodeId())
                    .isEqualTo(slot <= 5460 ? ID1 : slot <= 10922 ? ID2 : ID3);
        }

        Partitions moved = lettuceNodes(LEADERS_MOVED);
        RedisClusterNode first = moved.getPartitionByNodeId(ID1);
        assertThat(first.is(NodeFlag.MYSELF)).isTrue();
        assertThat(first.getRole().isReplica()).isTrue();
        assertThat(first.getSlaveOf()).isEqualTo(ID2);
        assertThat(first.getSlots()).isEmpty();
        assertThat(moved.getMasterBySlot(0).getNodeId()).isEqualTo(ID2);
        assertThat(moved.getMasterBySlot(5461).getNodeId()).isEqualTo(ID3);
        assertThat(moved.getMasterBySlot(16383).getNodeId()).isEqualTo(ID3);
        assertThat(moved.getPartitionByNodeId(ID3).getSlots()).hasSize(16384 - 5461);
    }

    @Test
    void jedisReadsClusterShardsWithEveryField() {
        List<ClusterShardInfo> shards = BuilderFactory.CLUSTER_SHARD_INFO_LIST
                .build(RespWire.asJedisReadsIt(ClusterViews.shards(LEADERS_MOVED)));
        assertThat(shards).extracting(ClusterShardInfo::getSlots).containsExactly(
                List.of(List.of(0L, 5460L)), List.of(List.of(5461L, 10922L)), List.of(List.of(10923L, 16383L)));
        ClusterShardNodeInfo leader = shards.getFirst().getNodes().getFirst();
        assertThat(leader.getId()).isEqualTo(ID2);
        assertThat(leader.getPort()).isEqualTo(7002L);
        assertThat(leader.getIp()).isEqualTo("127.0.0.1");
        assertThat(leader.getEndpoint()).isEqualTo("127.0.0.1");
        assertThat(leader.getRole()).isEqualTo("master");
        assertThat(leader.getReplicationOffset()).isZero();
        assertThat(leader.getHealth()).isEqualTo("online");
        assertThat(shards.getFirst().getNodes()).extracting(ClusterShardNodeInfo::getRole)
                .containsExactly("master", "replica", "replica");
        assertThat(shards.getFirst().getNodes()).extracting(ClusterShardNodeInfo::getId)
                .containsExactly(ID2, ID1, ID3);
    }

    @Test
    void myIdIsTheNodeIdLettuceReadsInClusterNodes() {
        for (NodeId self : List.of(N1, N2, N3)) {
            ClusterSnapshot s = ClusterViewsTest.threeByThree(self);
            String myId = new String((byte[]) RespWire.asJedisReadsIt(ClusterViews.myId(s)), StandardCharsets.UTF_8);
            RedisClusterNode myself = lettuceNodes(s).getPartitions().stream()
                    .filter(node -> node.is(NodeFlag.MYSELF)).findFirst().orElseThrow();
            assertThat(myself.getNodeId()).isEqualTo(myId);
        }
    }

    @Test
    void lettuceSkipsMigrationMarkersInClusterNodes() {
        ClusterSnapshot s = new ClusterSnapshot(N1, ClusterViewsTest.MIGRATING, Map.of(1L, N1, 2L, N2, 3L, N3),
                ADDRESSES);
        assertThat(ClusterViewsTest.text(ClusterViews.nodes(s))).contains("[10->-");
        RedisClusterNode myself = lettuceNodes(s).getPartitions().stream()
                .filter(node -> node.is(NodeFlag.MYSELF)).findFirst().orElseThrow();
        assertThat(myself.getNodeId()).isEqualTo(ID1);
        assertThat(myself.getSlots()).hasSize(5461).startsWith(0, 1, 2).endsWith(5460);
    }

    private static List<ClusterSlotRange> lettuceSlots(ClusterSnapshot s) {
        return ClusterSlotsParser.parse((List<?>) RespWire.asLettuceReadsIt(
                RespWire.asJedisReadsIt(ClusterViews.slots(s))));
    }

    private static Partitions lettuceNodes(ClusterSnapshot s) {
        return ClusterPartitionParser.parse(new String((byte[]) RespWire.asJedisReadsIt(ClusterViews.nodes(s)),
                StandardCharsets.UTF_8));
    }
}
