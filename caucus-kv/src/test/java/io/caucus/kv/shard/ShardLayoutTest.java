package io.caucus.kv.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardLayoutTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");
    private static final NodeId N4 = NodeId.of("n4");
    private static final NodeId N5 = NodeId.of("n5");

    @Test
    void groupsTakeReplicasRoundTheNodesAndSplitTheSlotsAsRedisCliDoes() {
        ShardLayout layout = ShardLayout.of(List.of(N1, N2, N3, N4, N5), 5, 3);
        SlotMap map = layout.initialMap();
        assertThat(map.epoch()).isEqualTo(1);
        assertThat(map.groups()).containsExactly(2L, 3L, 4L, 5L, 6L);
        assertThat(map.replicasOf(2)).containsExactly(N1, N2, N3);
        assertThat(map.replicasOf(5)).containsExactly(N4, N5, N1);
        assertThat(map.assigned()).isEqualTo(16384);
        assertThat(map.rangesOf(2)).containsExactly(SlotRange.of(0, 3276));
        assertThat(layout.dataGroupsOn(N1)).containsExactly(2L, 5L, 6L);
        assertThat(layout.dataGroupsOn(N3)).containsExactly(2L, 3L, 4L);
        assertThat(layout.firstVoters(ShardLayout.METADATA_GROUP)).containsExactlyInAnyOrder(N1, N2, N3, N4, N5);
        assertThat(layout.firstVoters(4)).containsExactlyInAnyOrder(N3, N4, N5);
        assertThat(map.groups()).doesNotContain(ShardLayout.METADATA_GROUP);
    }

    @Test
    void everyNodeReplicatesEveryGroupWhenThereAreNoMoreNodesThanReplicas() {
        ShardLayout layout = ShardLayout.of(List.of(N1, N2, N3), 16, 3);
        for (NodeId node : List.of(N1, N2, N3)) {
            assertThat(layout.dataGroupsOn(node)).hasSize(16);
        }
        assertThat(layout.initialMap()).isEqualTo(ShardLayout.of(List.of(N1, N2, N3), 16, 3).initialMap());
    }
}
