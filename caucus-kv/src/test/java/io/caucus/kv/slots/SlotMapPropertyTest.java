package io.caucus.kv.slots;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap.Migration;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

class SlotMapPropertyTest {

    /** What an attempted change does. */
    enum Kind { ASSIGN, UNASSIGN, START_MIGRATION, FINISH_MIGRATION, CANCEL_MIGRATION }

    /**
     * One attempted change to the slots {@code start..start+length-1}: assign them to {@code group}, unassign them,
     * start their migration to {@code group}, or finish or cancel a migration (mostly one the map records, picked
     * by {@code start}; sometimes the range itself, which the map then refuses unless it happens to be one).
     */
    record Change(Kind kind, int start, int length, long group) {
    }

    /**
     * A map built by random changes (those the map refuses are skipped), with a model beside it: the owner of each
     * slot, the target each migrating slot moves to, and how many changes were accepted.
     */
    record Built(SlotMap map, long[] owners, long[] targets, int accepted) {
        @Override
        public String toString() {
            return map.toString();
        }
    }

    @Provide
    Arbitrary<Built> maps() {
        Arbitrary<Kind> kind = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.just(Kind.ASSIGN)),
                Tuple.of(2, Arbitraries.just(Kind.UNASSIGN)),
                Tuple.of(6, Arbitraries.just(Kind.START_MIGRATION)),
                Tuple.of(1, Arbitraries.just(Kind.FINISH_MIGRATION)),
                Tuple.of(1, Arbitraries.just(Kind.CANCEL_MIGRATION)));
        Arbitrary<Change> change = Combinators.combine(kind,
                Arbitraries.integers().between(0, KeySlot.SLOTS - 1),
                Arbitraries.oneOf(Arbitraries.integers().between(1, 16), Arbitraries.integers().between(1, 4000)),
                Arbitraries.longs().between(1, 6)).as(Change::new);
        Arbitrary<List<List<NodeId>>> replicas = Arbitraries.of("n1", "n2", "n3", "node-4", "host.five", "N_6")
                .map(NodeId::of).list().ofMinSize(1).ofMaxSize(5).uniqueElements().list().ofSize(6);
        return Combinators.combine(replicas, change.list().ofMaxSize(60)
                .withSizeDistribution(RandomDistribution.uniform())).as((groups, changes) -> {
            SlotMap map = SlotMap.EMPTY;
            for (int g = 0; g < groups.size() - 1; g++) { // the last group stays unknown: assigning to it fails
                map = map.withReplicas(g + 1, groups.get(g));
            }
            Model model = new Model(map);
            for (Change c : changes) {
                SlotRange range = SlotRange.of(c.start(), Math.min(KeySlot.SLOTS - 1, c.start() + c.length() - 1));
                map = model.attempt(map, c, range);
            }
            return new Built(map, model.owners, model.targets, model.accepted);
        });
    }

    /** What each change should do, slot by slot; {@link #attempt} checks the map's answer against it. */
    private static final class Model {
        final long[] owners = new long[KeySlot.SLOTS];
        final long[] targets = new long[KeySlot.SLOTS]; // 0: not migrating
        final List<SlotRange> migrating = new ArrayList<>();
        int accepted;

        Model(SlotMap initial) {
            this.accepted = (int) initial.epoch();
        }

        SlotMap attempt(SlotMap map, Change c, SlotRange range) {
            switch (c.kind()) {
                case ASSIGN -> {
                    boolean ok = map.groups().contains(c.group()) && all(range, owners, 0);
                    return accept(map, ok, () -> map.assign(range, c.group()),
                            () -> fill(range, owners, c.group()), "assign %s to %d".formatted(range, c.group()));
                }
                case UNASSIGN -> {
                    return accept(map, all(range, targets, 0), () -> map.unassign(range),
                            () -> fill(range, owners, 0), "unassign " + range);
                }
                case START_MIGRATION -> {
                    // Mostly slots from an owned range: random ones rarely lie within one group's.
                    SlotRange aimed = c.start() % 4 != 0 ? aimedAtAnOwnedRange(map, c) : range;
                    return startMigration(map, aimed, c.group());
                }
                default -> {
                    // Mostly a recorded migration: random ranges are almost never exactly one.
                    SlotRange chosen = !migrating.isEmpty() && c.start() % 4 != 0
                            ? migrating.get(c.start() % migrating.size()) : range;
                    boolean ok = migrating.contains(chosen);
                    boolean finish = c.kind() == Kind.FINISH_MIGRATION;
                    Supplier<SlotMap> change = () -> finish ? map.finishMigration(chosen) : map.cancelMigration(chosen);
                    return accept(map, ok, change, () -> {
                        if (finish) {
                            fill(chosen, owners, targets[chosen.start()]);
                        }
                        fill(chosen, targets, 0);
                        migrating.remove(chosen);
                    }, "%s %s".formatted(c.kind(), chosen));
                }
            }
        }

        private SlotMap startMigration(SlotMap map, SlotRange range, long target) {
            long source = owners[range.start()];
            boolean ok = source != 0 && all(range, owners, source) && all(range, targets, 0)
                    && map.groups().contains(target) && target != source;
            return accept(map, ok, () -> map.startMigration(range, target), () -> {
                fill(range, targets, target);
                migrating.add(range);
            }, "migrate %s to %d".formatted(range, target));
        }

        /** {@code c.length()} slots from within one of the map's ranges, picked by {@code c.start()}. */
        private static SlotRange aimedAtAnOwnedRange(SlotMap map, Change c) {
            List<SlotMap.OwnedRange> ranges = map.ranges();
            if (ranges.isEmpty()) {
                return SlotRange.single(c.start());
            }
            SlotRange owned = ranges.get(c.start() % ranges.size()).range();
            int start = owned.start() + (c.start() / 4) % owned.size();
            // Running past the owned range now and then: such a migration is refused unless the same group owns
            // the slots after it.
            return SlotRange.of(start, Math.min(KeySlot.SLOTS - 1, start + c.length() - 1));
        }

        /** The changed map if the model expects the change to be accepted, else the same map. */
        private SlotMap accept(SlotMap map, boolean expected, Supplier<SlotMap> change, Runnable inModel,
                               String what) {
            SlotMap next;
            try {
                next = change.get();
            } catch (IllegalArgumentException refused) {
                assertThat(expected).as("%s refused: %s", what, refused.getMessage()).isFalse();
                return map;
            }
            assertThat(expected).as("%s accepted", what).isTrue();
            inModel.run();
            accepted++;
            return next;
        }

        private static boolean all(SlotRange range, long[] values, long value) {
            for (int slot = range.start(); slot <= range.end(); slot++) {
                if (values[slot] != value) {
                    return false;
                }
            }
            return true;
        }

        private static void fill(SlotRange range, long[] values, long value) {
            Arrays.fill(values, range.start(), range.end() + 1, value);
        }
    }

    @Property(tries = 300)
    void theBinaryFormRoundTrips(@ForAll("maps") Built built) {
        byte[] bytes = built.map().encode();
        SlotMap decoded = SlotMap.decode(bytes);
        assertThat(decoded).isEqualTo(built.map());
        assertThat(decoded.encode()).isEqualTo(bytes);
        // Maps with migrations must be common enough for this to test their encoding.
        Statistics.collect(built.map().migrations().isEmpty() ? "no migration" : "migrations");
        Statistics.coverage(coverage -> coverage.check("migrations").percentage(p -> p >= 20));
    }

    @Property(tries = 300)
    void aMapWithoutMigrationsReadsTheSameFromVersion1(@ForAll("maps") Built built) {
        SlotMapBuilder builder = SlotMap.builder(built.map().epoch());
        built.map().groups().forEach(group -> builder.group(group, built.map().replicasOf(group)));
        built.map().ranges().forEach(owned -> builder.assign(owned.range(), owned.group()));
        SlotMap withoutMigrations = builder.build();
        byte[] version2 = withoutMigrations.encode();
        // Version 1 is version 2 without the (empty) migrations field.
        byte[] version1 = Arrays.copyOf(version2, version2.length - 4);
        version1[4] = 1;
        CRC32C crc = new CRC32C();
        crc.update(version1, 0, version1.length - 4);
        ByteBuffer.wrap(version1).putInt(version1.length - 4, (int) crc.getValue());
        assertThat(SlotMap.decode(version1)).isEqualTo(withoutMigrations);
    }

    @Property(tries = 300)
    void everyAcceptedChangeAndOnlyItAddsOneToTheEpoch(@ForAll("maps") Built built) {
        assertThat(built.map().epoch()).isEqualTo(built.accepted());
    }

    @Property(tries = 300)
    void migrationOfAgreesWithTheListAndWithTheModel(@ForAll("maps") Built built) {
        SlotMap map = built.map();
        Migration[] scanned = new Migration[KeySlot.SLOTS];
        int previousEnd = -1;
        for (Migration migration : map.migrations()) {
            assertThat(migration.range().start()).isGreaterThan(previousEnd); // sorted, disjoint
            previousEnd = migration.range().end();
            Arrays.fill(scanned, migration.range().start(), migration.range().end() + 1, migration);
        }
        // Slot by slot, compared whole: an assertion per slot would make each try slow.
        Migration[] found = new Migration[KeySlot.SLOTS];
        long[] targets = new long[KeySlot.SLOTS];
        for (int slot = 0; slot < KeySlot.SLOTS; slot++) {
            found[slot] = map.migrationOf(slot).orElse(null);
            targets[slot] = found[slot] == null ? 0 : found[slot].target();
        }
        assertThat(found).isEqualTo(scanned);
        assertThat(targets).isEqualTo(built.targets());
        for (Migration migration : map.migrations()) {
            // The source owns every migrating slot, and the target is another known group.
            assertThat(map.rangesOf(migration.source())).anyMatch(owned -> owned.start() <= migration.range().start()
                    && migration.range().end() <= owned.end());
            assertThat(map.groups()).contains(migration.target());
            assertThat(migration.target()).isNotEqualTo(migration.source());
        }
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
