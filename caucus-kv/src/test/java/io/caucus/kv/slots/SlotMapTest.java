package io.caucus.kv.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap.Migration;
import io.caucus.kv.slots.SlotMap.OwnedRange;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SequencedMap;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class SlotMapTest {

    private static final List<NodeId> ABC = List.of(NodeId.of("a"), NodeId.of("b"), NodeId.of("c"));

    private static SlotMap twoGroups() {
        return SlotMap.EMPTY.withReplicas(1, ABC).withReplicas(2, List.of(NodeId.of("c"), NodeId.of("d")))
                .assign(SlotRange.of(0, 99), 1).assign(SlotRange.of(200, 299), 2);
    }

    /** {@link #twoGroups} with a third group, slots 0..9 migrating to group 2 and 50..59 to group 3. */
    private static SlotMap migrating() {
        return twoGroups().withReplicas(3, List.of(NodeId.of("e"))).startMigration(SlotRange.of(50, 59), 3)
                .startMigration(SlotRange.of(0, 9), 2);
    }

    @Test
    void everyChangeReturnsANewMapOneEpochLater() {
        SlotMap map = twoGroups();
        assertThat(SlotMap.EMPTY.epoch()).isZero();
        assertThat(map.epoch()).isEqualTo(4);
        SlotMap next = map.unassign(SlotRange.of(0, 9));
        assertThat(next.epoch()).isEqualTo(5);
        assertThat(map.groupOf(5)).hasValue(1); // unchanged
        assertThat(next.groupOf(5)).isEmpty();
    }

    @Test
    void groupOfFindsTheOwnerOrNone() {
        SlotMap map = twoGroups();
        assertThat(map.groupOf(0)).hasValue(1);
        assertThat(map.groupOf(99)).hasValue(1);
        assertThat(map.groupOf(100)).isEmpty();
        assertThat(map.groupOf(200)).hasValue(2);
        assertThat(map.groupOf(299)).hasValue(2);
        assertThat(map.groupOf(300)).isEmpty();
        assertThat(map.groupOf(16383)).isEmpty();
        assertThat(SlotMap.EMPTY.groupOf(0)).isEqualTo(OptionalLong.empty());
        assertThat(map.assigned()).isEqualTo(200);
        assertThatThrownBy(() -> map.groupOf(16384)).hasMessage("slot 16384 is outside 0..16383");
        assertThatThrownBy(() -> map.groupOf(-1)).hasMessage("slot -1 is outside 0..16383");
    }

    @Test
    void rangesAndReplicasAreListedInOrder() {
        SlotMap map = twoGroups().assign(SlotRange.of(100, 109), 2);
        assertThat(map.ranges()).containsExactly(new OwnedRange(SlotRange.of(0, 99), 1),
                new OwnedRange(SlotRange.of(100, 109), 2), new OwnedRange(SlotRange.of(200, 299), 2));
        assertThat(map.rangesOf(2)).containsExactly(SlotRange.of(100, 109), SlotRange.of(200, 299));
        assertThat(map.rangesOf(3)).isEmpty();
        assertThat(map.replicasOf(1)).containsExactlyElementsOf(ABC);
        assertThat(map.replicasOf(2)).containsExactly(NodeId.of("c"), NodeId.of("d"));
        assertThat(map.replicasOf(9)).isEmpty();
        assertThat(map.groups()).containsExactly(1L, 2L);
    }

    @Test
    void adjacentRangesOfOneGroupAreOneRangeWhateverTheOrderOfChanges() {
        SlotMap upward = SlotMap.EMPTY.withReplicas(1, ABC).assign(SlotRange.of(0, 9), 1).assign(SlotRange.of(10, 19), 1);
        SlotMap downward = SlotMap.EMPTY.withReplicas(1, ABC).assign(SlotRange.of(10, 19), 1).assign(SlotRange.of(0, 9), 1);
        assertThat(upward.ranges()).containsExactly(new OwnedRange(SlotRange.of(0, 19), 1));
        assertThat(upward).isEqualTo(downward).hasSameHashCodeAs(downward);
        assertThat(upward.unassign(SlotRange.of(5, 14)).ranges()).containsExactly(
                new OwnedRange(SlotRange.of(0, 4), 1), new OwnedRange(SlotRange.of(15, 19), 1));
    }

    @Test
    void replicasCanBeReplacedAndAGroupWithoutSlotsRemoved() {
        SlotMap map = twoGroups().withReplicas(1, List.of(NodeId.of("z")));
        assertThat(map.replicasOf(1)).containsExactly(NodeId.of("z"));
        SlotMap withThird = map.withReplicas(3, ABC);
        assertThat(withThird.groups()).containsExactly(1L, 2L, 3L);
        assertThat(withThird.withoutGroup(3).groups()).containsExactly(1L, 2L);
        assertThat(withThird.withoutGroup(3).epoch()).isEqualTo(withThird.epoch() + 1);
        assertThatThrownBy(() -> map.withoutGroup(1))
                .hasMessage("group 1 still owns slots [0..99]: unassign them first");
        assertThatThrownBy(() -> map.withoutGroup(7)).hasMessage("group 7 is unknown");
    }

    @Test
    void invalidChangesAreRefusedWithWhatIsWrong() {
        SlotMap map = twoGroups();
        assertThatThrownBy(() -> map.assign(SlotRange.of(50, 150), 2))
                .hasMessage("slots 50..150 for group 2 overlap slots 0..99, owned by group 1");
        assertThatThrownBy(() -> map.assign(SlotRange.of(250, 250), 2))
                .hasMessage("slots 250..250 for group 2 overlap slots 200..299, owned by group 2");
        assertThatThrownBy(() -> map.assign(SlotRange.of(150, 250), 1))
                .hasMessage("slots 200..299 for group 2 overlap slots 150..250, owned by group 1");
        assertThatThrownBy(() -> map.assign(SlotRange.of(1000, 1001), 3))
                .hasMessage("slots 1000..1001 are assigned to group 3, which is unknown: give its replicas first");
        assertThatThrownBy(() -> map.assign(SlotRange.of(1000, 1001), 0))
                .hasMessage("group 0 is not a data group (ids start at 1)");
        assertThatThrownBy(() -> SlotRange.of(10, 5)).hasMessage("slot range 10..5 starts after it ends");
        assertThatThrownBy(() -> SlotRange.of(0, 16384)).hasMessage("slot 16384 is outside 0..16383");
        assertThatThrownBy(() -> map.withReplicas(3, List.of()))
                .hasMessage("group 3 needs at least one replica");
        assertThatThrownBy(() -> map.withReplicas(3, List.of(NodeId.of("a"), NodeId.of("a"))))
                .hasMessage("group 3 lists replica a twice");
        List<NodeId> many = java.util.stream.IntStream.range(0, 256).mapToObj(i -> NodeId.of("n" + i)).toList();
        assertThatThrownBy(() -> map.withReplicas(3, many)).hasMessage("group 3 has 256 replicas; at most 255");
        assertThat(SlotMap.decode(map.withReplicas(3, many.subList(0, 255)).encode()).replicasOf(3)).hasSize(255);
        assertThatThrownBy(() -> SlotMap.builder(-1)).hasMessage("epoch -1 is negative");
    }

    // ------------------------------------------------------------------ migrations

    @Test
    void migrationsAreListedByStartAndFoundBySlot() {
        SlotMap map = migrating();
        assertThat(map.epoch()).isEqualTo(twoGroups().epoch() + 3);
        assertThat(map.migrations()).containsExactly(new Migration(SlotRange.of(0, 9), 1, 2),
                new Migration(SlotRange.of(50, 59), 1, 3));
        assertThat(map.migrationOf(0)).hasValue(new Migration(SlotRange.of(0, 9), 1, 2));
        assertThat(map.migrationOf(9)).hasValue(new Migration(SlotRange.of(0, 9), 1, 2));
        assertThat(map.migrationOf(10)).isEmpty();
        assertThat(map.migrationOf(49)).isEmpty();
        assertThat(map.migrationOf(55)).hasValue(new Migration(SlotRange.of(50, 59), 1, 3));
        assertThat(map.isMoving(55, 1, 3)).isTrue();
        assertThat(map.isMoving(55, 2, 3)).as("another source").isFalse();
        assertThat(map.isMoving(55, 1, 2)).as("another target").isFalse();
        assertThat(map.isMoving(10, 1, 2)).as("not moving").isFalse();
        assertThat(map.migrationOf(60)).isEmpty();
        assertThat(map.migrationOf(16383)).isEmpty();
        assertThat(SlotMap.EMPTY.migrationOf(0)).isEqualTo(Optional.empty());
        assertThatThrownBy(() -> map.migrationOf(16384)).hasMessage("slot 16384 is outside 0..16383");
        // The source owns migrating slots until the migration finishes.
        assertThat(map.groupOf(0)).hasValue(1);
        assertThat(map.ranges()).isEqualTo(twoGroups().ranges());
        assertThat(map).hasToString("SlotMap{epoch=7, groups={1=[a, b, c], 2=[c, d], 3=[e]}, "
                + "ranges=[0..99->1, 200..299->2], migrations=[0..9 from group 1 to group 2, "
                + "50..59 from group 1 to group 3]}");
    }

    @Test
    void finishingAMigrationGivesItsSlotsToTheTarget() {
        SlotMap map = twoGroups().assign(SlotRange.of(100, 199), 1).startMigration(SlotRange.of(150, 199), 2);
        SlotMap finished = map.finishMigration(SlotRange.of(150, 199));
        assertThat(finished.epoch()).isEqualTo(map.epoch() + 1);
        assertThat(finished.migrations()).isEmpty();
        assertThat(finished.migrationOf(150)).isEmpty();
        // 150..199 joins group 2's 200..299 as one range.
        assertThat(finished.ranges()).containsExactly(new OwnedRange(SlotRange.of(0, 149), 1),
                new OwnedRange(SlotRange.of(150, 299), 2));
        assertThat(finished).isEqualTo(SlotMap.builder(finished.epoch()).group(1, ABC)
                .group(2, List.of(NodeId.of("c"), NodeId.of("d"))).assign(SlotRange.of(0, 149), 1)
                .assign(SlotRange.of(150, 299), 2).build());

        SlotMap other = migrating().finishMigration(SlotRange.of(50, 59));
        assertThat(other.migrations()).containsExactly(new Migration(SlotRange.of(0, 9), 1, 2));
        assertThat(other.groupOf(55)).hasValue(3);
        assertThat(other.rangesOf(1)).containsExactly(SlotRange.of(0, 49), SlotRange.of(60, 99));
    }

    @Test
    void cancellingAMigrationLeavesItsSlotsWithTheSource() {
        SlotMap map = migrating();
        SlotMap cancelled = map.cancelMigration(SlotRange.of(0, 9));
        assertThat(cancelled.epoch()).isEqualTo(map.epoch() + 1);
        assertThat(cancelled.migrations()).containsExactly(new Migration(SlotRange.of(50, 59), 1, 3));
        assertThat(cancelled.ranges()).isEqualTo(map.ranges());
        assertThat(cancelled.groupOf(0)).hasValue(1);
        // Once cancelled, the slots can migrate again, elsewhere.
        assertThat(cancelled.startMigration(SlotRange.of(0, 19), 3).migrationOf(15))
                .hasValue(new Migration(SlotRange.of(0, 19), 1, 3));
    }

    @Test
    void migrationsTakePartInEqualityAndHash() {
        SlotMapBuilder plain = SlotMap.builder(5).group(1, ABC).group(2, ABC).assign(SlotRange.of(0, 99), 1);
        SlotMap without = plain.build();
        SlotMap with = plain.migrate(SlotRange.of(0, 9), 1, 2).build();
        SlotMap againWith = SlotMap.builder(5).group(2, ABC).group(1, ABC).migrate(SlotRange.of(0, 9), 1, 2)
                .assign(SlotRange.of(0, 99), 1).build();
        assertThat(with).isNotEqualTo(without).isEqualTo(againWith).hasSameHashCodeAs(againWith);
        assertThat(with).isNotEqualTo(SlotMap.builder(5).group(1, ABC).group(2, ABC)
                .assign(SlotRange.of(0, 99), 1).migrate(SlotRange.of(0, 8), 1, 2).build());
    }

    @Test
    void startingAMigrationIsRefusedWithWhatIsWrong() {
        SlotMap map = migrating().assign(SlotRange.of(100, 109), 2);
        assertThatThrownBy(() -> map.startMigration(SlotRange.of(110, 120), 2))
                .hasMessage("slots 110..120 cannot migrate: slot 110 is unassigned");
        assertThatThrownBy(() -> map.startMigration(SlotRange.of(290, 310), 1))
                .hasMessage("slots 290..310 cannot migrate from group 2: slot 300 is unassigned");
        assertThatThrownBy(() -> map.startMigration(SlotRange.of(90, 120), 3))
                .hasMessage("slots 90..120 cannot migrate from group 1: slot 100 is owned by group 2");
        assertThatThrownBy(() -> map.startMigration(SlotRange.of(5, 14), 3))
                .hasMessage("slots 5..14 cannot migrate: slots 0..9 from group 1 to group 2 are migrating; finish or "
                        + "cancel that first");
        assertThatThrownBy(() -> map.startMigration(SlotRange.of(40, 50), 2))
                .hasMessage("slots 40..50 cannot migrate: slots 50..59 from group 1 to group 3 are migrating; "
                        + "finish or cancel that first");
        assertThatThrownBy(() -> map.startMigration(SlotRange.of(10, 19), 9))
                .hasMessage("slots 10..19 cannot migrate to group 9, which is unknown: give its replicas first");
        assertThatThrownBy(() -> map.startMigration(SlotRange.of(10, 19), 1))
                .hasMessage("slots 10..19 cannot migrate from group 1 to itself");
        assertThatThrownBy(() -> map.startMigration(SlotRange.of(10, 19), 0))
                .hasMessage("group 0 is not a data group (ids start at 1)");
        // Slots owned by one group, in ranges next to each other, can migrate together.
        assertThat(map.assign(SlotRange.of(110, 199), 2).startMigration(SlotRange.of(105, 250), 3).migrations())
                .contains(new Migration(SlotRange.of(105, 250), 2, 3));
    }

    @Test
    void finishingOrCancellingIsRefusedForAnythingButARecordedMigration() {
        SlotMap map = migrating();
        assertThatThrownBy(() -> map.finishMigration(SlotRange.of(0, 4)))
                .hasMessage("cannot finish a migration of slots 0..4: none is recorded (migrations: "
                        + "[0..9 from group 1 to group 2, 50..59 from group 1 to group 3])");
        assertThatThrownBy(() -> map.cancelMigration(SlotRange.of(0, 59)))
                .hasMessage("cannot cancel a migration of slots 0..59: none is recorded (migrations: "
                        + "[0..9 from group 1 to group 2, 50..59 from group 1 to group 3])");
        assertThatThrownBy(() -> twoGroups().finishMigration(SlotRange.of(0, 9)))
                .hasMessage("cannot finish a migration of slots 0..9: none is recorded");
        assertThatThrownBy(() -> twoGroups().cancelMigration(SlotRange.of(0, 9)))
                .hasMessage("cannot cancel a migration of slots 0..9: none is recorded");
    }

    @Test
    void noOtherChangeTouchesAMigrationsSlotsOrGroups() {
        SlotMap map = migrating();
        assertThatThrownBy(() -> map.unassign(SlotRange.of(5, 5)))
                .hasMessage("slots 5..5 cannot be unassigned: slots 0..9 from group 1 to group 2 are migrating; "
                        + "finish or cancel that first");
        assertThatThrownBy(() -> map.unassign(SlotRange.all()))
                .hasMessage("slots 0..16383 cannot be unassigned: slots 0..9 from group 1 to group 2 are "
                        + "migrating; finish or cancel that first");
        assertThatThrownBy(() -> map.assign(SlotRange.of(50, 50), 3))
                .hasMessage("slots 50..50 cannot be assigned: slots 50..59 from group 1 to group 3 are migrating; "
                        + "finish or cancel that first");
        assertThatThrownBy(() -> map.withoutGroup(3))
                .hasMessage("group 3 takes part in the migration of slots 50..59 from group 1 to group 3: finish "
                        + "or cancel it first");
        assertThatThrownBy(() -> map.withoutGroup(1))
                .hasMessage("group 1 takes part in the migration of slots 0..9 from group 1 to group 2: finish "
                        + "or cancel it first");
        // Slots beside a migration, and the groups' replicas, still change.
        assertThat(map.unassign(SlotRange.of(10, 49)).groupOf(10)).isEmpty();
        assertThat(map.withReplicas(3, ABC).migrations()).isEqualTo(map.migrations());
        assertThat(map.cancelMigration(SlotRange.of(50, 59)).withoutGroup(3).groups()).containsExactly(1L, 2L);
    }

    @Test
    void theBuilderRefusesMigrationsThatOverlap() {
        SlotMapBuilder builder = SlotMap.builder(1).group(1, ABC).group(2, ABC).group(3, ABC)
                .assign(SlotRange.of(0, 99), 1).migrate(SlotRange.of(0, 9), 1, 2).migrate(SlotRange.of(9, 19), 1, 3);
        assertThatThrownBy(builder::build).hasMessage("slots 9..19 from group 1 to group 3 overlap the migration of "
                + "slots 0..9 from group 1 to group 2");
        assertThatThrownBy(() -> SlotMap.builder(1).migrate(SlotRange.of(0, 9), 1, -2))
                .hasMessage("group -2 is not a data group (ids start at 1)");
    }

    @Test
    void evenRangesAreTheOnesRedisCliCreates() {
        // As printed by `redis-cli --cluster create` with 3, 6 and 7 masters (SlotsRedisIT checks 3..10).
        assertThat(SlotMap.evenRanges(3)).containsExactly(SlotRange.of(0, 5460), SlotRange.of(5461, 10922),
                SlotRange.of(10923, 16383));
        assertThat(SlotMap.evenRanges(6)).containsExactly(SlotRange.of(0, 2730), SlotRange.of(2731, 5460),
                SlotRange.of(5461, 8191), SlotRange.of(8192, 10922), SlotRange.of(10923, 13652),
                SlotRange.of(13653, 16383));
        assertThat(SlotMap.evenRanges(7)).containsExactly(SlotRange.of(0, 2340), SlotRange.of(2341, 4680),
                SlotRange.of(4681, 7021), SlotRange.of(7022, 9361), SlotRange.of(9362, 11702),
                SlotRange.of(11703, 14042), SlotRange.of(14043, 16383));
        assertThat(SlotMap.evenRanges(1)).containsExactly(SlotRange.all());
        assertThat(SlotMap.evenRanges(16384)).hasSize(16384).allMatch(range -> range.size() == 1);
        assertThatThrownBy(() -> SlotMap.evenRanges(0)).hasMessage("cannot split 16384 slots into 0 ranges");
    }

    @Test
    void upTo77GroupsEvenRangesAreAnExactSplitAndFromThousandsEachGroupKeepsASlot() {
        for (int groups = 1; groups <= 77; groups++) {
            List<SlotRange> ranges = SlotMap.evenRanges(groups);
            for (int i = 0; i < groups; i++) {
                // round((i + 1) * 16384 / groups - 1) in exact arithmetic (a half never occurs: 16384 = 2^14)
                long last = i == groups - 1 ? 16383 : Math.floorDiv(32768L * (i + 1) - groups, 2L * groups);
                assertThat(ranges.get(i).end()).as("range %d of %d", i, groups).isEqualTo(last);
            }
        }
        // With 7,542 masters redis-cli's own arithmetic runs out of slots before the last one (2,989 counts do).
        List<SlotRange> ranges = SlotMap.evenRanges(7542);
        assertThat(ranges.getLast()).isEqualTo(SlotRange.single(16383));
        assertThat(ranges.stream().mapToInt(SlotRange::size).sum()).isEqualTo(16384);
    }

    @Test
    void evenlyGivesEachGroupItsRangeInOrder() {
        SequencedMap<Long, List<NodeId>> groups = new LinkedHashMap<>();
        groups.put(9L, ABC);
        groups.put(4L, List.of(NodeId.of("d")));
        groups.put(7L, ABC.reversed());
        SlotMap map = SlotMap.evenly(groups);
        assertThat(map.epoch()).isEqualTo(1);
        assertThat(map.ranges()).containsExactly(new OwnedRange(SlotRange.of(0, 5460), 9),
                new OwnedRange(SlotRange.of(5461, 10922), 4), new OwnedRange(SlotRange.of(10923, 16383), 7));
        assertThat(map.replicasOf(7)).containsExactlyElementsOf(ABC.reversed());
        assertThat(map.assigned()).isEqualTo(16384);
        assertThat(SlotMap.evenly(16, ABC).groups()).hasSize(16).first().isEqualTo(1L);
    }

    // ------------------------------------------------------------------ codec

    /**
     * {@link #twoGroups} as the code of format version 1 (before migrations) encoded it: kept as bytes, so that a
     * change to the reader cannot go unnoticed by a test that builds its input with the same change.
     */
    private static final byte[] TWO_GROUPS_VERSION_1 = HexFormat.of().parseHex("43534c4d01"
            + "0000000000000004" + "00000002"
            + "0000000000000001" + "03" + "0161" + "0162" + "0163"
            + "0000000000000002" + "02" + "0163" + "0164"
            + "00000002" + "0000" + "0063" + "0000000000000001" + "00c8" + "012b" + "0000000000000002"
            + "953444cf");

    /** {@link #migrating} with group 1 moving its replica from b to e, after group 2's moved from d to a. */
    private static SlotMap movingReplica() {
        return migrating().startReplicaMove(2, NodeId.of("d"), NodeId.of("a")).finishReplicaMove(2)
                .startReplicaMove(1, NodeId.of("b"), NodeId.of("e"));
    }

    @Test
    void aReplicaMoveRecordsBothNodesThenPutsTheNewOneInTheOldOnesPlaceForGood() {
        SlotMap map = twoGroups();
        SlotMap moving = map.startReplicaMove(1, NodeId.of("a"), NodeId.of("d"));
        assertThat(moving.epoch()).isEqualTo(map.epoch() + 1);
        assertThat(moving.replicasOf(1)).isEqualTo(ABC);
        assertThat(moving.replicaMoveOf(1)).hasValue(new SlotMap.ReplicaMove(1, NodeId.of("a"), NodeId.of("d")));
        assertThat(moving.replicaMoves()).hasSize(1);
        assertThat(moving.placesReplicaOn(1, NodeId.of("a"))).isTrue();
        assertThat(moving.placesReplicaOn(1, NodeId.of("d"))).isTrue();
        assertThat(moving.placesReplicaOn(2, NodeId.of("a"))).isFalse();

        SlotMap moved = moving.finishReplicaMove(1);
        assertThat(moved.replicasOf(1)).as("the preferred replica's place kept")
                .containsExactly(NodeId.of("d"), NodeId.of("b"), NodeId.of("c"));
        assertThat(moved.replicaMoveOf(1)).isEmpty();
        assertThat(moved.retiredReplicasOf(1)).containsExactly(NodeId.of("a"));
        assertThat(moved.placesReplicaOn(1, NodeId.of("a"))).isFalse();
        assertThat(moved.retiredReplicasOf(2)).isEmpty();
        assertThat(moved).as("retired nodes take part in equality")
                .isNotEqualTo(map.withReplicas(1, ABC).withReplicas(1, moved.replicasOf(1)));
    }

    @Test
    void replicaMovesThatCannotBeAreRefusedWithWhatIsWrong() {
        SlotMap map = twoGroups();
        assertThatThrownBy(() -> map.startReplicaMove(9, NodeId.of("a"), NodeId.of("d")))
                .hasMessage("group 9 is unknown");
        assertThatThrownBy(() -> map.startReplicaMove(1, NodeId.of("d"), NodeId.of("e")))
                .hasMessage("cannot move group 1's replica from d to e: d is not one of its replicas [a, b, c]");
        assertThatThrownBy(() -> map.startReplicaMove(1, NodeId.of("a"), NodeId.of("b")))
                .hasMessage("cannot move group 1's replica from a to b: b is one of its replicas already");
        SlotMap moving = map.startReplicaMove(1, NodeId.of("a"), NodeId.of("d"));
        assertThatThrownBy(() -> moving.startReplicaMove(1, NodeId.of("b"), NodeId.of("e")))
                .hasMessageStartingWith("group 1 is moving a replica already");
        assertThatThrownBy(() -> moving.unassign(SlotRange.of(0, 99)).withoutGroup(1))
                .hasMessageContaining("is moving a replica");
        assertThatThrownBy(() -> map.finishReplicaMove(1)).hasMessage("group 1 is moving no replica");
        SlotMap moved = moving.finishReplicaMove(1);
        assertThatThrownBy(() -> moved.startReplicaMove(1, NodeId.of("b"), NodeId.of("a")))
                .hasMessageContaining("a held a replica of the group before");
        assertThatThrownBy(() -> moved.withReplicas(1, ABC)).hasMessage("group 1 lists replica a, which it retired");
        assertThat(moving.startReplicaMove(2, NodeId.of("d"), NodeId.of("a")).replicaMoves()).hasSize(2);
    }

    @Test
    void aMapWithoutReplicaMovesIsWrittenAsVersion2ForNodesOfTheBuildBefore() {
        assertThat(twoGroups().encode()[4]).isEqualTo((byte) 2);
        byte[] withMoves = movingReplica().encode();
        assertThat(withMoves[4]).isEqualTo((byte) 3);
        SlotMap decoded = SlotMap.decode(withMoves);
        assertThat(decoded).isEqualTo(movingReplica());
        assertThat(decoded.replicaMoveOf(1)).hasValue(new SlotMap.ReplicaMove(1, NodeId.of("b"), NodeId.of("e")));
        assertThat(decoded.retiredReplicasOf(2)).containsExactly(NodeId.of("d"));
        assertThat(decoded.hashCode()).isEqualTo(movingReplica().hashCode());
        // Finished moves leave only retired nodes, which still need version 3.
        assertThat(movingReplica().finishReplicaMove(1).encode()[4]).isEqualTo((byte) 3);
    }

    @Test
    void aCancelledReplicaMoveIsAbandonedRetiringTheNewNodeOrFinishedAsAnyOther() {
        SlotMap moving = twoGroups().startReplicaMove(1, NodeId.of("a"), NodeId.of("d"));
        SlotMap cancelled = moving.cancelReplicaMove(1);
        assertThat(cancelled.epoch()).isEqualTo(moving.epoch() + 1);
        assertThat(cancelled.replicaMoveOf(1)).hasValue(new SlotMap.ReplicaMove(1, NodeId.of("a"), NodeId.of("d"),
                true));
        assertThat(cancelled).as("the same map at the same epoch but for the flag")
                .isNotEqualTo(moving.withReplicas(2, moving.replicasOf(2)));
        assertThat(cancelled.placesReplicaOn(1, NodeId.of("d"))).as("until it has left the group").isTrue();
        assertThatThrownBy(() -> cancelled.cancelReplicaMove(1))
                .hasMessage("group 1's replica from a to d (cancelled) is being cancelled already");
        assertThatThrownBy(() -> twoGroups().cancelReplicaMove(1)).hasMessage("group 1 is moving no replica");
        assertThatThrownBy(() -> moving.abandonReplicaMove(1))
                .hasMessage("group 1 has no cancelled replica move to abandon");

        SlotMap abandoned = cancelled.abandonReplicaMove(1);
        assertThat(abandoned.replicaMoveOf(1)).isEmpty();
        assertThat(abandoned.replicasOf(1)).isEqualTo(ABC);
        assertThat(abandoned.retiredReplicasOf(1)).containsExactly(NodeId.of("d"));
        assertThatThrownBy(() -> abandoned.startReplicaMove(1, NodeId.of("a"), NodeId.of("d")))
                .hasMessageContaining("d held a replica of the group before");

        SlotMap finished = cancelled.finishReplicaMove(1);
        assertThat(finished.replicasOf(1)).containsExactly(NodeId.of("d"), NodeId.of("b"), NodeId.of("c"));
        assertThat(finished.retiredReplicasOf(1)).containsExactly(NodeId.of("a"));
    }

    @Test
    void aMapWithACancelledReplicaMoveIsWrittenAsVersion4AndOnlyThen() {
        SlotMap cancelled = movingReplica().cancelReplicaMove(1);
        byte[] bytes = cancelled.encode();
        assertThat(bytes[4]).isEqualTo((byte) 4);
        SlotMap decoded = SlotMap.decode(bytes);
        assertThat(decoded).isEqualTo(cancelled);
        assertThat(decoded.replicaMoveOf(1).orElseThrow().cancelled()).isTrue();
        assertThat(decoded.replicaMoveOf(2)).isEmpty();
        assertThat(cancelled.abandonReplicaMove(1).encode()[4]).as("retired nodes only").isEqualTo((byte) 3);
        assertThat(SlotMap.decode(movingReplica().encode()).replicaMoveOf(1).orElseThrow().cancelled()).isFalse();
    }

    @Test
    void aRemovedNodeTakesNoReplicaFromThenOnAndIsRemovedForGood() {
        SlotMap map = twoGroups();
        SlotMap removing = map.removeNode(NodeId.of("c"));
        assertThat(removing.epoch()).isEqualTo(map.epoch() + 1);
        assertThat(removing.removedNodes()).containsExactly(NodeId.of("c"));
        assertThat(removing.replicasOf(1)).as("its replicas stay until they are moved").isEqualTo(ABC);
        assertThat(removing.holdsNothing(NodeId.of("c"))).isFalse();
        assertThatThrownBy(() -> removing.startReplicaMove(1, NodeId.of("a"), NodeId.of("c")))
                .hasMessageContaining("c is one of its replicas already");
        assertThatThrownBy(() -> removing.startReplicaMove(2, NodeId.of("d"), NodeId.of("c")))
                .hasMessageContaining("c is one of its replicas already");
        SlotMap removingD = removing.removeNode(NodeId.of("d"));
        assertThatThrownBy(() -> removingD.startReplicaMove(1, NodeId.of("a"), NodeId.of("d")))
                .hasMessage("cannot move group 1's replica from a to d: d is removed from the cluster");
        assertThatThrownBy(() -> removing.removeNode(NodeId.of("c")))
                .hasMessage("c is removed from the cluster already");

        SlotMap moving = removing.startReplicaMove(1, NodeId.of("c"), NodeId.of("e"))
                .startReplicaMove(2, NodeId.of("c"), NodeId.of("a"));
        assertThat(moving.holdsNothing(NodeId.of("c"))).isFalse();
        SlotMap moved = moving.finishReplicaMove(1).finishReplicaMove(2);
        assertThat(moved.holdsNothing(NodeId.of("c"))).as("no replica, no move").isTrue();
        assertThat(moved.holdsNothing(NodeId.of("e"))).isFalse();
        assertThat(moved.removedNodes()).as("for good").containsExactly(NodeId.of("c"));
    }

    @Test
    void aNodeCannotBeRemovedWhileAReplicaMovesToItUnlessTheMoveIsCancelled() {
        SlotMap moving = twoGroups().startReplicaMove(1, NodeId.of("a"), NodeId.of("d"));
        assertThatThrownBy(() -> moving.removeNode(NodeId.of("d")))
                .hasMessage("a replica of group 1 is moving to d (group 1's replica from a to d): let it finish or "
                        + "cancel it ('caucus slots cancel-replica-move 1') first");
        SlotMap removed = moving.cancelReplicaMove(1).removeNode(NodeId.of("d"));
        assertThat(removed.removedNodes()).containsExactly(NodeId.of("d"));
        assertThat(removed.placesReplicaOn(1, NodeId.of("d"))).as("until the cancel takes it out").isTrue();
        assertThat(removed.abandonReplicaMove(1).placesReplicaOn(1, NodeId.of("d"))).isFalse();
        assertThat(moving.removeNode(NodeId.of("a")).replicaMoveOf(1)).as("a move away from it goes on")
                .hasValue(new SlotMap.ReplicaMove(1, NodeId.of("a"), NodeId.of("d")));
    }

    @Test
    void aMapWithARemovedNodeIsWrittenAsVersion5AndOnlyThen() {
        for (SlotMap map : List.of(twoGroups().removeNode(NodeId.of("c")),
                movingReplica().cancelReplicaMove(1).removeNode(NodeId.of("a")))) {
            byte[] bytes = map.encode();
            assertThat(bytes[4]).isEqualTo((byte) 5);
            SlotMap decoded = SlotMap.decode(bytes);
            assertThat(decoded).isEqualTo(map);
            assertThat(decoded.removedNodes()).isEqualTo(map.removedNodes());
            assertThat(decoded.replicaMoves()).isEqualTo(map.replicaMoves());
            assertThat(decoded.hashCode()).isEqualTo(map.hashCode());
        }
        assertThat(twoGroups().removeNode(NodeId.of("c"))).isNotEqualTo(twoGroups().withReplicas(1, ABC));
    }

    @Test
    void theBinaryFormRoundTrips() {
        for (SlotMap map : List.of(twoGroups(), migrating(), SlotMap.EMPTY)) {
            byte[] bytes = map.encode();
            assertThat(bytes[4]).as("format version").isEqualTo((byte) 2);
            assertThat(SlotMap.decode(bytes)).isEqualTo(map);
        }
        assertThat(SlotMap.decode(migrating().encode()).migrationOf(55))
                .hasValue(new Migration(SlotRange.of(50, 59), 1, 3));
    }

    @Test
    void version1IsStillRead() {
        assertThat(SlotMap.decode(TWO_GROUPS_VERSION_1)).isEqualTo(twoGroups());
        // Today's encoding of the same map is version 1's with the version byte and an empty migrations field.
        byte[] version2 = twoGroups().encode();
        assertThat(version2).hasSize(TWO_GROUPS_VERSION_1.length + 4);
        assertThat(Arrays.copyOfRange(version2, 5, version2.length - 8))
                .isEqualTo(Arrays.copyOfRange(TWO_GROUPS_VERSION_1, 5, TWO_GROUPS_VERSION_1.length - 4));
        // A version 1 map has nothing after its ranges, not even an empty migrations field.
        byte[] withCount = Arrays.copyOf(version2, version2.length);
        withCount[4] = 1;
        assertThatThrownBy(() -> SlotMap.decode(resum(withCount))).hasMessage("slot map has 4 bytes after its ranges");
    }

    @Test
    void everyFlippedBitIsDetected() {
        for (byte[] good : List.of(twoGroups().encode(), migrating().encode(), TWO_GROUPS_VERSION_1,
                movingReplica().encode(), movingReplica().cancelReplicaMove(1).encode(),
                movingReplica().removeNode(NodeId.of("c")).encode(), twoGroups().removeNode(NodeId.of("z")).encode())) {
            for (int bit = 0; bit < good.length * 8; bit++) {
                byte[] bad = good.clone();
                bad[bit / 8] ^= (byte) (1 << (bit % 8));
                assertThatThrownBy(() -> SlotMap.decode(bad)).as("bit %d", bit)
                        .isInstanceOf(CorruptSlotMapException.class);
            }
        }
    }

    @Test
    void everyCutIsDetected() {
        for (byte[] good : List.of(twoGroups().encode(), migrating().encode(), TWO_GROUPS_VERSION_1,
                movingReplica().encode(), movingReplica().cancelReplicaMove(1).encode(),
                movingReplica().removeNode(NodeId.of("c")).encode(), twoGroups().removeNode(NodeId.of("z")).encode())) {
            for (int length = 0; length < good.length; length++) {
                byte[] cut = Arrays.copyOf(good, length);
                assertThatThrownBy(() -> SlotMap.decode(cut)).as("%d bytes", length)
                        .isInstanceOf(CorruptSlotMapException.class);
            }
        }
    }

    @Test
    void wellChecksummedNonsenseIsRefusedWithItsReason() {
        byte[] good = twoGroups().encode();
        byte[] foreign = good.clone();
        foreign[0] = 'X';
        assertThatThrownBy(() -> SlotMap.decode(resum(foreign)))
                .hasMessage("not a slot map (its first 4 bytes are not \"CSLM\")");
        byte[] future = good.clone();
        future[4] = 6;
        assertThatThrownBy(() -> SlotMap.decode(resum(future)))
                .hasMessage("slot map format version 6 is not known (this build reads versions 1 to 5)");
        byte[] none = good.clone();
        none[4] = 0;
        assertThatThrownBy(() -> SlotMap.decode(resum(none)))
                .hasMessage("slot map format version 0 is not known (this build reads versions 1 to 5)");
        byte[] longer = Arrays.copyOf(good, good.length + 3);
        System.arraycopy(good, good.length - 4, longer, longer.length - 4, 4);
        assertThatThrownBy(() -> SlotMap.decode(resum(longer)))
                .hasMessage("slot map has 3 bytes after its migrations");

        // The last range (200..299 -> 2), before the empty migrations field, rewritten as 50..60 -> 2, inside
        // group 1's 0..99.
        byte[] overlapping = good.clone();
        ByteBuffer.wrap(overlapping).putShort(good.length - 4 - 4 - 12, (short) 50)
                .putShort(good.length - 4 - 4 - 10, (short) 60);
        assertThatThrownBy(() -> SlotMap.decode(resum(overlapping))).isInstanceOf(CorruptSlotMapException.class)
                .hasMessage("slot map is not valid: slots 50..60 for group 2 overlap slots 0..99, owned by group 1");

        byte[] hugeCount = good.clone();
        ByteBuffer.wrap(hugeCount).putInt(4 + 1 + 8, Integer.MAX_VALUE);
        assertThatThrownBy(() -> SlotMap.decode(resum(hugeCount))).isInstanceOf(CorruptSlotMapException.class)
                .hasMessageStartingWith("slot map claims 2147483647 groups in its last ");

        byte[] badSlot = good.clone();
        ByteBuffer.wrap(badSlot).putShort(good.length - 4 - 4 - 10, (short) 40000);
        assertThatThrownBy(() -> SlotMap.decode(resum(badSlot)))
                .hasMessage("slot map is not valid: slot 40000 is outside 0..16383");
    }

    @Test
    void wellChecksummedInvalidMigrationsAreRefusedWithTheirReason() {
        byte[] good = migrating().encode();
        int last = good.length - 4 - 20; // the last migration: 50..59 from group 1 to group 3
        assertThat(ByteBuffer.wrap(good).getShort(last)).isEqualTo((short) 50);

        byte[] unknownTarget = good.clone();
        ByteBuffer.wrap(unknownTarget).putLong(last + 12, 9);
        assertThatThrownBy(() -> SlotMap.decode(resum(unknownTarget))).isInstanceOf(CorruptSlotMapException.class)
                .hasMessage("slot map is not valid: slots 50..59 cannot migrate to group 9, which is unknown: give "
                        + "its replicas first");

        byte[] notTheOwner = good.clone();
        ByteBuffer.wrap(notTheOwner).putLong(last + 4, 2);
        assertThatThrownBy(() -> SlotMap.decode(resum(notTheOwner)))
                .hasMessage("slot map is not valid: slots 50..59 cannot migrate from group 2: slot 50 is owned by "
                        + "group 1");

        byte[] toItself = good.clone();
        ByteBuffer.wrap(toItself).putLong(last + 12, 1);
        assertThatThrownBy(() -> SlotMap.decode(resum(toItself)))
                .hasMessage("slot map is not valid: slots 50..59 cannot migrate from group 1 to itself");

        byte[] overlapping = good.clone();
        ByteBuffer.wrap(overlapping).putShort(last, (short) 5);
        assertThatThrownBy(() -> SlotMap.decode(resum(overlapping)))
                .hasMessage("slot map is not valid: slots 5..59 from group 1 to group 3 overlap the migration of "
                        + "slots 0..9 from group 1 to group 2");

        byte[] hugeCount = good.clone();
        ByteBuffer.wrap(hugeCount).putInt(last - 20 - 4, 3);
        assertThatThrownBy(() -> SlotMap.decode(resum(hugeCount)))
                .hasMessage("slot map claims 3 migrations in its last 40 bytes");
    }

    /** {@code bytes} with their CRC32C trailer recomputed, so only the content is wrong. */
    private static byte[] resum(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }
}
