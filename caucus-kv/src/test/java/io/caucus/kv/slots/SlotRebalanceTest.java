package io.caucus.kv.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap.Migration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SlotRebalanceTest {

    private static final List<NodeId> NODES = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));

    /** Groups 2, 3 and 4 owning 0-5460, 5461-10922 and 10923-16383, as a sharded cluster of 3 groups starts. */
    private static SlotMap threeEvenGroups() {
        SlotMap map = SlotMap.EMPTY;
        for (long group = 2; group <= 4; group++) {
            map = map.withReplicas(group, NODES);
        }
        List<SlotRange> even = SlotMap.evenRanges(3);
        for (int i = 0; i < 3; i++) {
            map = map.assign(even.get(i), i + 2);
        }
        return map;
    }

    /** {@code map} with every move of {@code plan} started and finished, each in turn. */
    static SlotMap applied(SlotMap map, List<Migration> plan) {
        for (Migration move : plan) {
            map = map.startMigration(move.range(), move.target()).finishMigration(move.range());
        }
        return map;
    }

    static Map<Long, Integer> counts(SlotMap map) {
        Map<Long, Integer> counts = new TreeMap<>();
        for (long group : map.groups()) {
            counts.put(group, map.rangesOf(group).stream().mapToInt(SlotRange::size).sum());
        }
        return counts;
    }

    @Test
    void anEvenMapNeedsNoMoveEvenWithAThresholdOfZero() {
        assertThat(SlotRebalance.plan(threeEvenGroups(), 0)).isEmpty();
        assertThat(SlotRebalance.plan(threeEvenGroups(), SlotRebalance.DEFAULT_THRESHOLD_PERCENT)).isEmpty();
        assertThat(SlotRebalance.plan(SlotMap.EMPTY, 0)).isEmpty();
        assertThat(SlotRebalance.plan(SlotMap.EMPTY.withReplicas(1, NODES), 0)).as("no slot assigned").isEmpty();
    }

    @Test
    void oneGroupHoldingEverySlotGivesTheGroupsWithoutSlotsTheirSharesInOrder() {
        SlotMap map = SlotMap.EMPTY.withReplicas(2, NODES).withReplicas(3, NODES).withReplicas(4, NODES)
                .assign(SlotRange.all(), 2);

        List<Migration> plan = SlotRebalance.plan(map, SlotRebalance.DEFAULT_THRESHOLD_PERCENT);

        // 16,384 = 3 x 5,461 + 1: the group owning most keeps the extra slot, so only 10,922 slots move.
        assertThat(plan).containsExactly(new Migration(SlotRange.of(5462, 10922), 2, 3),
                new Migration(SlotRange.of(10923, 16383), 2, 4));
        assertThat(counts(applied(map, plan))).containsExactly(Map.entry(2L, 5462), Map.entry(3L, 5461),
                Map.entry(4L, 5461));
    }

    @Test
    void aManualMoveIsUndoneWhereItWasMade() {
        SlotMap moved = applied(threeEvenGroups(), List.of(new Migration(SlotRange.of(0, 999), 2, 3)));

        List<Migration> plan = SlotRebalance.plan(moved, 2);

        // Group 3, owning most, keeps the one extra slot (5,462); the 1,000 above it go back to group 2.
        assertThat(plan).containsExactly(new Migration(SlotRange.of(0, 999), 3, 2));
        assertThat(applied(moved, plan).ranges()).containsExactly(
                new SlotMap.OwnedRange(SlotRange.of(0, 5460), 2),
                new SlotMap.OwnedRange(SlotRange.of(5461, 10922), 3),
                new SlotMap.OwnedRange(SlotRange.of(10923, 16383), 4));
    }

    @Test
    void groupsAddedWithoutSlotsReceiveFromEveryGroupAboveItsShare() {
        SlotMap map = threeEvenGroups().withReplicas(5, NODES).withReplicas(6, NODES);

        List<Migration> plan = SlotRebalance.plan(map, 2);

        // 16,384 = 5 x 3,276 + 4: groups 2, 3, 4 keep 3,277 each, group 5 gets 3,277 and group 6 3,276.
        Map<Long, Integer> after = counts(applied(map, plan));
        assertThat(after).containsExactly(Map.entry(2L, 3277), Map.entry(3L, 3277), Map.entry(4L, 3277),
                Map.entry(5L, 3277), Map.entry(6L, 3276));
        assertThat(plan).allSatisfy(move -> {
            assertThat(move.source()).isBetween(2L, 4L);
            assertThat(move.target()).isBetween(5L, 6L);
        });
        assertThat(plan.stream().mapToInt(move -> move.range().size()).sum()).isEqualTo(3 * (5461 - 3277) + 1);
    }

    @Test
    void oddCountsWithUnassignedSlotsEndWithinOneSlotOfEachOther() {
        SlotMap map = SlotMap.EMPTY.withReplicas(1, NODES).withReplicas(2, NODES).withReplicas(3, NODES)
                .withReplicas(4, NODES)
                .assign(SlotRange.of(0, 6), 1).assign(SlotRange.of(10, 10), 2).assign(SlotRange.of(100, 102), 1)
                .assign(SlotRange.of(16000, 16000), 3);

        List<Migration> plan = SlotRebalance.plan(map, 0);

        // 12 slots over 4 groups: 3 each; group 1 (10) gives 7, to group 2 (1) two, group 3 (1) two, group 4 three.
        assertThat(counts(applied(map, plan))).containsExactly(Map.entry(1L, 3), Map.entry(2L, 3),
                Map.entry(3L, 3), Map.entry(4L, 3));
        assertThat(plan.stream().mapToInt(move -> move.range().size()).sum()).isEqualTo(7);
        // No receiver's range touches one of group 1's: its 7 highest slots go, in slot order, to groups 2, 3, 4.
        assertThat(plan).containsExactly(new Migration(SlotRange.of(3, 4), 1, 2),
                new Migration(SlotRange.of(5, 6), 1, 3), new Migration(SlotRange.of(100, 102), 1, 4));
        assertThat(applied(map, plan).groupOf(10)).hasValue(2);
    }

    @Test
    void aDonorTouchingAReceiverGivesTheSlotsAtThatEdge() {
        // Group 1 owns 0-99 and 200-299, group 2 owns 100-109 in between, group 3 owns 300-309 after.
        SlotMap map = SlotMap.EMPTY.withReplicas(1, NODES).withReplicas(2, NODES).withReplicas(3, NODES)
                .assign(SlotRange.of(0, 99), 1).assign(SlotRange.of(100, 109), 2).assign(SlotRange.of(200, 299), 1)
                .assign(SlotRange.of(300, 309), 3);

        List<Migration> plan = SlotRebalance.plan(map, 2);

        // 220 slots: 74 for group 1 (owning most), 73 for the others; group 2 takes 63, group 3 63.
        assertThat(plan).containsExactly(new Migration(SlotRange.of(37, 99), 1, 2),
                new Migration(SlotRange.of(237, 299), 1, 3));
        assertThat(applied(map, plan).ranges()).hasSize(4); // no range was cut in the middle
    }

    @Test
    void aMapWithinTheThresholdNeedsNoMove() {
        // 16,384 over 2 groups: 8,192 each; 8,300 is 1.3% above the share.
        SlotMap map = SlotMap.EMPTY.withReplicas(1, NODES).withReplicas(2, NODES).assign(SlotRange.of(0, 8299), 1)
                .assign(SlotRange.of(8300, 16383), 2);

        assertThat(SlotRebalance.plan(map, 2)).isEmpty();
        assertThat(SlotRebalance.plan(map, 1.3)).as("1.318% is above 1.3%")
                .containsExactly(new Migration(SlotRange.of(8192, 8299), 1, 2));
        assertThat(SlotRebalance.plan(map, 0)).containsExactly(new Migration(SlotRange.of(8192, 8299), 1, 2));
    }

    @Test
    void aMapWithAMoveUnderWayOrABadThresholdIsRefused() {
        SlotMap moving = threeEvenGroups().startMigration(SlotRange.of(0, 99), 3);

        assertThatThrownBy(() -> SlotRebalance.plan(moving, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slots are moving ([0..99 from group 2 to group 3]): a rebalance is planned only when no "
                        + "move is under way; wait until 'caucus slots' lists none, then ask again");
        assertThatThrownBy(() -> SlotRebalance.plan(threeEvenGroups(), -1))
                .hasMessage("the threshold must be a percentage of 0 or more, not -1.0");
        assertThatThrownBy(() -> SlotRebalance.plan(threeEvenGroups(), Double.NaN))
                .hasMessage("the threshold must be a percentage of 0 or more, not NaN");
    }

    @Test
    void startMigrationsRecordsAWholePlanInOneEpochOrNothing() {
        SlotMap map = SlotMap.EMPTY.withReplicas(2, NODES).withReplicas(3, NODES).withReplicas(4, NODES)
                .assign(SlotRange.all(), 2);
        List<Migration> plan = SlotRebalance.plan(map, 2);

        SlotMap recorded = map.startMigrations(plan);

        assertThat(recorded.epoch()).isEqualTo(map.epoch() + 1);
        assertThat(recorded.migrations()).isEqualTo(plan);
        assertThatThrownBy(() -> map.startMigrations(List.of(new Migration(SlotRange.of(0, 9), 2, 3),
                new Migration(SlotRange.of(5, 19), 2, 4)))).hasMessageContaining("overlap");
        assertThatThrownBy(() -> map.startMigrations(List.of(new Migration(SlotRange.of(0, 9), 3, 4))))
                .hasMessage("slots 0..9 cannot migrate from group 3: slot 0 is owned by group 2");
        assertThatThrownBy(() -> recorded.startMigrations(List.of(new Migration(SlotRange.of(5462, 5462), 2, 4))))
                .hasMessageContaining("are migrating");
        assertThatThrownBy(() -> map.startMigrations(List.of())).hasMessage("no migration to start");
    }
}
