package io.caucus.kv.slots;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.kv.command.Reply;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterViews} on a 3-process, 3-group map (each group on every process, group g led by process g) and on
 * the edge cases: no leader known, unassigned slots, a process replicating no group, addresses missing. Replies are
 * rendered compactly ({@code [..]} arrays, quoted bulk strings, bare integers) so that each expectation reads as the
 * reply does.
 */
class ClusterViewsTest {

    static final NodeId N1 = NodeId.of("n1");
    static final NodeId N2 = NodeId.of("n2");
    static final NodeId N3 = NodeId.of("n3");
    static final NodeId N4 = NodeId.of("n4");
    /** SHA-1 of "n1", "n2", "n3" (sha1sum agrees). */
    static final String ID1 = "40b3eab63f3f1d4fa48e09559401c5ed4efceaa6";
    static final String ID2 = "40243476fcaaf8dca4d9eda7fde4232c5c18f75d";
    static final String ID3 = "26c2ce28d0df94c010c5255203b885cba81b9018";

    static final Map<NodeId, InetSocketAddress> ADDRESSES = Map.of(
            N1, InetSocketAddress.createUnresolved("127.0.0.1", 7001),
            N2, InetSocketAddress.createUnresolved("127.0.0.1", 7002),
            N3, InetSocketAddress.createUnresolved("127.0.0.1", 7003));

    /** Groups 1..3 on n1, n2, n3 (in that order), owning 0-5460, 5461-10922, 10923-16383; epoch 1. */
    static final SlotMap THREE_BY_THREE = SlotMap.evenly(3, List.of(N1, N2, N3));

    static ClusterSnapshot threeByThree(NodeId self) {
        return new ClusterSnapshot(self, THREE_BY_THREE, Map.of(1L, N1, 2L, N2, 3L, N3), ADDRESSES);
    }

    // ------------------------------------------------------------------ SLOTS

    @Test
    void slotsListEachRangeWithTheLeaderFirstThenTheOtherReplicasInMapOrder() {
        assertThat(render(ClusterViews.slots(threeByThree(N1)))).isEqualTo("["
                + "[0, 5460, " + node(7001, ID1) + ", " + node(7002, ID2) + ", " + node(7003, ID3) + "], "
                + "[5461, 10922, " + node(7002, ID2) + ", " + node(7001, ID1) + ", " + node(7003, ID3) + "], "
                + "[10923, 16383, " + node(7003, ID3) + ", " + node(7001, ID1) + ", " + node(7002, ID2) + "]]");
    }

    @Test
    void aGroupWithoutAKnownLeaderListsItsReplicasInMapOrderTheFirstAsMaster() {
        SlotMap map = SlotMap.EMPTY.withReplicas(1, List.of(N3, N1, N2)).assign(SlotRange.of(0, 9), 1);
        // No leader, and a leader whose client address is not known: both list the map's order.
        for (Map<Long, NodeId> leaders : List.of(Map.<Long, NodeId>of(), Map.of(1L, N4))) {
            ClusterSnapshot s = new ClusterSnapshot(N1, map, leaders, ADDRESSES);
            assertThat(render(ClusterViews.slots(s)))
                    .isEqualTo("[[0, 9, " + node(7003, ID3) + ", " + node(7001, ID1) + ", " + node(7002, ID2) + "]]");
        }
    }

    @Test
    void slotsLeaveOutUnassignedSlotsReplicasWithoutAddressAndRangesNobodyCanServe() {
        SlotMap map = SlotMap.EMPTY.withReplicas(1, List.of(N1, N4)).withReplicas(2, List.of(N4))
                .assign(SlotRange.of(100, 100), 1).assign(SlotRange.of(200, 300), 2).assign(SlotRange.of(400, 500), 1);
        ClusterSnapshot s = new ClusterSnapshot(N1, map, Map.of(1L, N1, 2L, N4), ADDRESSES);
        assertThat(render(ClusterViews.slots(s)))
                .isEqualTo("[[100, 100, " + node(7001, ID1) + "], [400, 500, " + node(7001, ID1) + "]]");
        assertThat(render(ClusterViews.slots(new ClusterSnapshot(N1, SlotMap.EMPTY, Map.of(), ADDRESSES))))
                .isEqualTo("[]");
    }

    private static String node(int port, String id) {
        return "[\"127.0.0.1\", " + port + ", \"" + id + "\", []]";
    }

    // ------------------------------------------------------------------ SHARDS

    @Test
    void shardsAreOnePerGroupWithFlatSlotPairsAndRedisFieldsLeaderFirst() {
        assertThat(render(ClusterViews.shards(threeByThree(N3)))).isEqualTo("["
                + "[\"slots\", [0, 5460], \"nodes\", [" + shardNode(ID1, 7001, "master", "online") + ", "
                + shardNode(ID2, 7002, "replica", "online") + ", " + shardNode(ID3, 7003, "replica", "online") + "]], "
                + "[\"slots\", [5461, 10922], \"nodes\", [" + shardNode(ID2, 7002, "master", "online") + ", "
                + shardNode(ID1, 7001, "replica", "online") + ", " + shardNode(ID3, 7003, "replica", "online") + "]], "
                + "[\"slots\", [10923, 16383], \"nodes\", [" + shardNode(ID3, 7003, "master", "online") + ", "
                + shardNode(ID1, 7001, "replica", "online") + ", " + shardNode(ID2, 7002, "replica", "online")
                + "]]]");
    }

    @Test
    void shardsOfAGroupWithSeveralRangesNoRangeOrNoLeader() {
        SlotMap map = SlotMap.EMPTY.withReplicas(1, List.of(N1, N2)).withReplicas(2, List.of(N2, N3))
                .withReplicas(3, List.of(N3)).assign(SlotRange.of(0, 9), 1).assign(SlotRange.of(20, 20), 1)
                .assign(SlotRange.of(10, 19), 2);
        ClusterSnapshot s = new ClusterSnapshot(N1, map, Map.of(1L, N2, 3L, N3), ADDRESSES);
        assertThat(render(ClusterViews.shards(s))).isEqualTo("["
                + "[\"slots\", [0, 9, 20, 20], \"nodes\", [" + shardNode(ID2, 7002, "master", "online") + ", "
                + shardNode(ID1, 7001, "replica", "online") + "]], "
                + "[\"slots\", [10, 19], \"nodes\", [" + shardNode(ID2, 7002, "master", "failed") + ", "
                + shardNode(ID3, 7003, "replica", "failed") + "]], "
                + "[\"slots\", [], \"nodes\", [" + shardNode(ID3, 7003, "master", "online") + "]]]");
    }

    private static String shardNode(String id, int port, String role, String health) {
        return "[\"id\", \"" + id + "\", \"port\", " + port + ", \"ip\", \"127.0.0.1\", \"endpoint\", \"127.0.0.1\", "
                + "\"role\", \"" + role + "\", \"replication-offset\", 0, \"health\", \"" + health + "\"]";
    }

    // ------------------------------------------------------------------ NODES

    @Test
    void nodesGiveEachLeaderAsMasterWithItsGroupsSlotsAndFlagMyself() {
        assertThat(text(ClusterViews.nodes(threeByThree(N2)))).isEqualTo(""
                + ID1 + " 127.0.0.1:7001@17001 master - 0 0 1 connected 0-5460\n"
                + ID2 + " 127.0.0.1:7002@17002 myself,master - 0 0 1 connected 5461-10922\n"
                + ID3 + " 127.0.0.1:7003@17003 master - 0 0 1 connected 10923-16383\n");
    }

    @Test
    void aProcessLeadingNothingIsTheSlaveOfTheLeaderOfItsLowestGroupWithALeader() {
        // n1 leads groups 2 and 3 (adjacent ranges: one run), n2 leads group 1, group 4 has no leader; n3 leads
        // nothing and replicates 4 (leaderless) and 2: it follows n1.
        SlotMap map = SlotMap.EMPTY.withReplicas(1, List.of(N1, N2)).withReplicas(2, List.of(N1, N3))
                .withReplicas(3, List.of(N1, N2)).withReplicas(4, List.of(N3))
                .assign(SlotRange.of(0, 99), 1).assign(SlotRange.of(100, 199), 2).assign(SlotRange.of(200, 299), 3)
                .assign(SlotRange.of(300, 300), 1).assign(SlotRange.of(400, 16383), 4);
        ClusterSnapshot s = new ClusterSnapshot(N3, map, Map.of(1L, N2, 2L, N1, 3L, N1), ADDRESSES);
        assertThat(text(ClusterViews.nodes(s))).isEqualTo(""
                + ID1 + " 127.0.0.1:7001@17001 master - 0 0 9 connected 100-299\n"
                + ID2 + " 127.0.0.1:7002@17002 master - 0 0 9 connected 0-99 300\n"
                + ID3 + " 127.0.0.1:7003@17003 myself,slave " + ID1 + " 0 0 9 connected\n");
    }

    @Test
    void aProcessReplicatingNoGroupWithALeaderIsASlotlessMaster() {
        SlotMap map = SlotMap.EMPTY.withReplicas(1, List.of(N1)).withReplicas(2, List.of(N2))
                .assign(SlotRange.of(0, 5), 1).assign(SlotRange.of(6, 7), 2);
        // n3 replicates nothing; n2 replicates only group 2, which has no leader.
        ClusterSnapshot s = new ClusterSnapshot(N1, map, Map.of(1L, N1), ADDRESSES);
        assertThat(text(ClusterViews.nodes(s))).isEqualTo(""
                + ID1 + " 127.0.0.1:7001@17001 myself,master - 0 0 4 connected 0-5\n"
                + ID2 + " 127.0.0.1:7002@17002 master - 0 0 4 connected\n"
                + ID3 + " 127.0.0.1:7003@17003 master - 0 0 4 connected\n");
    }

    /** {@link #THREE_BY_THREE} with slots 10 and 11 migrating from group 1 to 2, 10923 from group 3 to 1. */
    static final SlotMap MIGRATING = THREE_BY_THREE.startMigration(SlotRange.of(10, 11), 2)
            .startMigration(SlotRange.single(10923), 1);

    @Test
    void myselfsLineMarksEachSlotItsGroupsMigrateOrImportAsRedisDoes() {
        Map<Long, NodeId> leaders = Map.of(1L, N1, 2L, N2, 3L, N3);
        assertThat(text(ClusterViews.nodes(new ClusterSnapshot(N1, MIGRATING, leaders, ADDRESSES)))).isEqualTo(""
                + ID1 + " 127.0.0.1:7001@17001 myself,master - 0 0 3 connected 0-5460 [10->-" + ID2 + "] [11->-"
                + ID2 + "] [10923-<-" + ID3 + "]\n"
                + ID2 + " 127.0.0.1:7002@17002 master - 0 0 3 connected 5461-10922\n"
                + ID3 + " 127.0.0.1:7003@17003 master - 0 0 3 connected 10923-16383\n");
        assertThat(text(ClusterViews.nodes(new ClusterSnapshot(N2, MIGRATING, leaders, ADDRESSES)))).isEqualTo(""
                + ID1 + " 127.0.0.1:7001@17001 master - 0 0 3 connected 0-5460\n"
                + ID2 + " 127.0.0.1:7002@17002 myself,master - 0 0 3 connected 5461-10922 [10-<-" + ID1 + "] [11-<-"
                + ID1 + "]\n"
                + ID3 + " 127.0.0.1:7003@17003 master - 0 0 3 connected 10923-16383\n");
        assertThat(text(ClusterViews.nodes(new ClusterSnapshot(N3, MIGRATING, leaders, ADDRESSES))))
                .contains(ID3 + " 127.0.0.1:7003@17003 myself,master - 0 0 3 connected 10923-16383 [10923->-" + ID1
                        + "]\n");
    }

    @Test
    void migrationMarkersNeedBothLeadersAndMyselfLeadingOne() {
        // Group 2 has no known leader: n1 names no target for 10 and 11, and n2, leading nothing, marks nothing.
        Map<Long, NodeId> leaders = Map.of(1L, N1, 3L, N3);
        assertThat(text(ClusterViews.nodes(new ClusterSnapshot(N1, MIGRATING, leaders, ADDRESSES))))
                .startsWith(ID1 + " 127.0.0.1:7001@17001 myself,master - 0 0 3 connected 0-5460 [10923-<-" + ID3
                        + "]\n");
        assertThat(text(ClusterViews.nodes(new ClusterSnapshot(N2, MIGRATING, leaders, ADDRESSES))))
                .contains(ID2 + " 127.0.0.1:7002@17002 myself,slave " + ID1 + " 0 0 3 connected\n")
                .doesNotContain("[");
        // A process leading both groups of a migration marks it as migrating: Redis prefers that marker.
        Map<Long, NodeId> oneLeader = Map.of(1L, N1, 2L, N1, 3L, N1);
        assertThat(text(ClusterViews.nodes(new ClusterSnapshot(N1, MIGRATING, oneLeader, ADDRESSES))))
                .startsWith(ID1 + " 127.0.0.1:7001@17001 myself,master - 0 0 3 connected 0-16383 [10->-" + ID1
                        + "] [11->-" + ID1 + "] [10923->-" + ID1 + "]\n");
    }

    @Test
    void busPortIsClientPortPlusTenThousandOrZeroBeyondTheLastPort() {
        assertThat(ClusterViews.busPort(6379)).isEqualTo(16379);
        assertThat(ClusterViews.busPort(55535)).isEqualTo(65535);
        assertThat(ClusterViews.busPort(55536)).isZero();
        ClusterSnapshot s = new ClusterSnapshot(N1, SlotMap.EMPTY, Map.of(),
                Map.of(N1, InetSocketAddress.createUnresolved("10.0.0.1", 60000)));
        assertThat(text(ClusterViews.nodes(s))).isEqualTo(ID1 + " 10.0.0.1:60000@0 myself,master - 0 0 0 connected\n");
    }

    // ------------------------------------------------------------------ INFO

    @Test
    void infoIsOkWhenEverySlotHasAGroupWithALeader() {
        assertThat(info(threeByThree(N1))).containsExactly(
                "cluster_state:ok", "cluster_slots_assigned:16384", "cluster_slots_ok:16384", "cluster_slots_pfail:0",
                "cluster_slots_fail:0", "cluster_known_nodes:3", "cluster_size:3", "cluster_current_epoch:1",
                "cluster_my_epoch:1", "cluster_stats_messages_sent:0", "cluster_stats_messages_received:0",
                "total_cluster_links_buffer_limit_exceeded:0");
        assertThat(text(ClusterViews.info(threeByThree(N1)))).endsWith("\r\n").doesNotContain("\r\n\r\n")
                .doesNotContainPattern("[^\r]\n");
    }

    @Test
    void infoFailsWithUnassignedSlotsOrAGroupWithoutLeader() {
        SlotMap unassigned = THREE_BY_THREE.unassign(SlotRange.of(16000, 16383));
        ClusterSnapshot missingSlots = new ClusterSnapshot(N1, unassigned, Map.of(1L, N1, 2L, N2, 3L, N3), ADDRESSES);
        assertThat(fields(missingSlots)).containsEntry("cluster_state", "fail")
                .containsEntry("cluster_slots_assigned", "16000").containsEntry("cluster_slots_ok", "16000")
                .containsEntry("cluster_slots_fail", "0").containsEntry("cluster_current_epoch", "2");

        // Group 2 has no leader; n1 leads the other two: one master with slots, and 5,462 slots failing.
        ClusterSnapshot noLeader = new ClusterSnapshot(N1, THREE_BY_THREE, Map.of(1L, N1, 3L, N1), ADDRESSES);
        assertThat(fields(noLeader)).containsEntry("cluster_state", "fail")
                .containsEntry("cluster_slots_assigned", "16384").containsEntry("cluster_slots_ok", "10922")
                .containsEntry("cluster_slots_fail", "5462").containsEntry("cluster_known_nodes", "3")
                .containsEntry("cluster_size", "1");

        ClusterSnapshot empty = new ClusterSnapshot(N1, SlotMap.EMPTY, Map.of(), ADDRESSES);
        assertThat(fields(empty)).containsEntry("cluster_state", "fail")
                .containsEntry("cluster_slots_assigned", "0").containsEntry("cluster_size", "0")
                .containsEntry("cluster_my_epoch", "0");
    }

    private static List<String> info(ClusterSnapshot s) {
        return List.of(text(ClusterViews.info(s)).split("\r\n"));
    }

    private static Map<String, String> fields(ClusterSnapshot s) {
        return info(s).stream().map(line -> line.split(":", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
    }

    // ------------------------------------------------------------------ MYID, node names, the snapshot

    @Test
    void myIdIsTheHexSha1OfTheNodeId() {
        assertThat(ClusterViews.nodeName(NodeId.of("abc"))).isEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
        assertThat(ClusterViews.nodeName(N1)).isEqualTo(ID1).hasSize(40).matches("[0-9a-f]{40}");
        assertThat(text(ClusterViews.myId(threeByThree(N3)))).isEqualTo(ID3);
    }

    @Test
    void aSnapshotNeedsSelfsAddressAndCopiesItsMaps() {
        assertThatThrownBy(() -> new ClusterSnapshot(N4, SlotMap.EMPTY, Map.of(), ADDRESSES))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no client address for self (n4)");
        Map<Long, NodeId> leaders = new HashMap<>(Map.of(1L, N1));
        ClusterSnapshot s = new ClusterSnapshot(N1, THREE_BY_THREE, leaders, ADDRESSES);
        leaders.clear();
        assertThat(s.leaderOf(1)).hasValue(N1);
        assertThat(s.leaderOf(2)).isEmpty();
    }

    // ------------------------------------------------------------------ rendering

    static String text(Reply reply) {
        return new String(((Reply.Bulk) reply).value(), UTF_8);
    }

    static String render(Reply reply) {
        return switch (reply) {
            case Reply.Int value -> Long.toString(value.value());
            case Reply.Bulk bulk -> "\"" + new String(bulk.value(), UTF_8) + "\"";
            case Reply.Array array -> array.elements().stream().map(ClusterViewsTest::render)
                    .collect(Collectors.joining(", ", "[", "]"));
            default -> throw new AssertionError("a cluster view answered " + reply);
        };
    }
}
