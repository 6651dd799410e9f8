package io.caucus.kv.slots;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class SlotMapPropertyTest {

    /** One attempted change: assign {@code start..start+length-1} to {@code group}, or unassign it. */
    record Change(boolean assign, int start, int length, long group) {
    }

    /** A map built by random changes (those the map refuses are skipped), with the owner of each slot beside it. */
    record Built(SlotMap map, long[] owners) {
        @Override
        public String toString() {
            return map.toString();
        }
    }

    @Provide
    Arbitrary<Built> maps() {
        Arbitrary<Change> change = Combinators.combine(Arbitraries.integers().between(0, 9).map(i -> i < 8),
                Arbitraries.integers().between(0, KeySlot.SLOTS - 1),
                Arbitraries.oneOf(Arbitraries.integers().between(1, 16), Arbitraries.integers().between(1, 4000)),
                Arbitraries.longs().between(1, 6)).as(Change::new);
        Arbitrary<List<List<NodeId>>> replicas = Arbitraries.of("n1", "n2", "n3", "node-4", "host.five", "N_6")
                .map(NodeId::of).list().ofMinSize(1).ofMaxSize(5).uniqueElements().list().ofSize(6);
        return Combinators.combine(replicas, change.list().ofMaxSize(40)).as((groups, changes) -> {
            SlotMap map = SlotMap.EMPTY;
            for (int g = 0; g < groups.size() - 1; g++) { // the last group stays unknown: assigning to it fails
                map = map.withReplicas(g + 1, groups.get(g));
            }
            long[] owners = new long[KeySlot.SLOTS];
            for (Change c : changes) {
                SlotRange range = SlotRange.of(c.start(), Math.min(KeySlot.SLOTS - 1, c.start() + c.length() - 1));
                if (!c.assign()) {
                    map = map.unassign(range);
                    Arrays.fill(owners, range.start(), range.end() + 1, 0);
                    continue;
                }
                boolean free = map.groups().contains(c.group());
                for (int slot = range.start(); free && slot <= range.end(); slot++) {
                    free = owners[slot] == 0;
                }
                try {
                    map = map.assign(range, c.group());
                    assertThat(free).as("assign %s to %d accepted", range, c.group()).isTrue();
                    Arrays.fill(owners, range.start(), range.end() + 1, c.group());
                } catch (IllegalArgumentException refused) {
                    assertThat(free).as("assign %s to %d refused: %s", range, c.group(), refused.getMessage())
                            .isFalse();
                }
            }
            return new Built(map, owners);
        });
    }

    @Property(tries = 300)
    void theBinaryFormRoundTrips(@ForAll("maps") Built built) {
        byte[] bytes = built.map().encode();
        SlotMap decoded = SlotMap.decode(bytes);
        assertThat(decoded).isEqualTo(built.map());
        assertThat(decoded.encode()).isEqualTo(bytes);
    }

    @Property(tries = 300)
    void groupOfAgreesWithAScanOfTheRangesAndWithTheModel(@ForAll("maps") Built built) {
        SlotMap map = built.map();
        long[] scanned = new long[KeySlot.SLOTS];
        int previousEnd = -1;
        for (SlotMap.OwnedRange owned : map.ranges()) {
            assertThat(owned.range().start()).isGreaterThan(previousEnd); // sorted, disjoint
            previousEnd = owned.range().end();
            for (int slot = owned.range().start(); slot <= owned.range().end(); slot++) {
                scanned[slot] = owned.group();
            }
        }
        int assigned = 0;
        for (int slot = 0; slot < KeySlot.SLOTS; slot++) {
            OptionalLong expected = scanned[slot] == 0 ? OptionalLong.empty() : OptionalLong.of(scanned[slot]);
            assertThat(map.groupOf(slot)).as("slot %d", slot).isEqualTo(expected);
            assertThat(scanned[slot]).as("slot %d", slot).isEqualTo(built.owners()[slot]);
            assigned += scanned[slot] == 0 ? 0 : 1;
        }
        assertThat(map.assigned()).isEqualTo(assigned);
        for (long group : map.groups()) {
            List<SlotRange> expected = new ArrayList<>();
            map.ranges().stream().filter(r -> r.group() == group).forEach(r -> expected.add(r.range()));
            assertThat(map.rangesOf(group)).isEqualTo(expected);
        }
    }

    @Property(tries = 1000)
    void evenRangesCoverEverySlotOnceInNearlyEqualParts(@ForAll @IntRange(min = 1, max = KeySlot.SLOTS) int groups) {
        List<SlotRange> ranges = SlotMap.evenRanges(groups);
        assertThat(ranges).hasSize(groups);
        int next = 0;
        int smallest = Integer.MAX_VALUE;
        int largest = 0;
        for (SlotRange range : ranges) {
            assertThat(range.start()).isEqualTo(next);
            next = range.end() + 1;
            smallest = Math.min(smallest, range.size());
            largest = Math.max(largest, range.size());
        }
        assertThat(next).isEqualTo(KeySlot.SLOTS);
        // redis-cli's single-precision cursor drifts with many groups (see SlotMap.evenRanges).
        assertThat(largest - smallest).as("sizes %d..%d", smallest, largest)
                .isLessThanOrEqualTo(groups < 2688 ? 1 : 4);
        SlotMap map = SlotMap.evenly(groups, List.of(NodeId.of("n1")));
        assertThat(map.assigned()).isEqualTo(KeySlot.SLOTS);
        assertThat(map.ranges()).hasSize(groups);
    }
}
