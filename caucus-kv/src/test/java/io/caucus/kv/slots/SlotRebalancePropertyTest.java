package io.caucus.kv.slots;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap.Migration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

class SlotRebalancePropertyTest {

    /** A map and the threshold to plan it with. */
    record Case(SlotMap map, double threshold) {
    }

    /**
     * Maps of 1 to 8 groups (some owning nothing) whose slots are cut at random points into pieces, each owned by a
     * random group or unassigned; the cuts are mostly near the start, so that small and odd slot counts are common.
     */
    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Integer> cut = Arbitraries.oneOf(Arbitraries.integers().between(1, 40),
                Arbitraries.integers().between(1, KeySlot.SLOTS - 1));
        Arbitrary<List<Integer>> cuts = cut.list().ofMaxSize(24).uniqueElements();
        Arbitrary<List<Integer>> owners = Arbitraries.integers().between(0, 8).list().ofSize(25);
        Arbitrary<Double> threshold = Arbitraries.oneOf(Arbitraries.just(0.0), Arbitraries.just(2.0),
                Arbitraries.doubles().between(0, 60));
        return Combinators.combine(Arbitraries.integers().between(1, 8), cuts, owners, threshold)
                .as((groups, cutPoints, pieceOwners, percent) -> {
                    SlotMap map = SlotMap.EMPTY;
                    for (long group = 1; group <= groups; group++) {
                        map = map.withReplicas(group, List.of(NodeId.of("n" + group)));
                    }
                    List<Integer> bounds = new ArrayList<>(new TreeSet<>(cutPoints));
                    bounds.addFirst(0);
                    bounds.add(KeySlot.SLOTS);
                    for (int i = 0; i + 1 < bounds.size(); i++) {
                        int owner = pieceOwners.get(i);
                        if (owner != 0 && owner <= groups) {
                            map = map.assign(SlotRange.of(bounds.get(i), bounds.get(i + 1) - 1), owner);
                        }
                    }
                    return new Case(map, percent);
                });
    }

    @Property(tries = 500)
    void thePlanLeavesEveryGroupWithinOneSlotOfAnEvenShareMovingAsFewSlotsAsPossible(@ForAll("cases") Case c) {
        SlotMap map = c.map();
        int assigned = map.assigned();
        int groups = map.groups().size();
        Map<Long, Integer> before = SlotRebalanceTest.counts(map);

        List<Migration> plan = SlotRebalance.plan(map, c.threshold());

        Statistics.collect(plan.isEmpty() ? "empty plan" : "moves");
        Statistics.coverage(coverage -> coverage.check("moves").percentage(p -> p >= 40));
        if (plan.isEmpty()) {
            assertThat(evenOrWithinThreshold(before.values(), assigned, groups, c.threshold()))
                    .as("an empty plan for %s", before).isTrue();
            return;
        }
        assertThat(evenOrWithinThreshold(before.values(), assigned, groups, c.threshold()))
                .as("moves planned for %s", before).isFalse();
        Map<Long, Integer> after = SlotRebalanceTest.counts(SlotRebalanceTest.applied(map, plan));
        int floor = assigned / groups;
        int ceiling = floor + (assigned % groups == 0 ? 0 : 1);
        assertThat(after.values()).allSatisfy(count -> assertThat(count).isBetween(floor, ceiling));
        assertThat(plan.stream().mapToInt(move -> move.range().size()).sum()).isEqualTo(fewestSlotsToMove(before,
                floor, assigned % groups));
        // The whole plan is recorded in one change, as the server records it.
        assertThat(map.startMigrations(plan).migrations()).isEqualTo(plan);
    }

    @Property(tries = 500)
    void slotsMoveOnlyFromAboveTheirShareToBelowItEachOnceAndFromTheirOwner(@ForAll("cases") Case c) {
        SlotMap map = c.map();
        long assigned = map.assigned();
        long groups = map.groups().size();
        Map<Long, Integer> before = SlotRebalanceTest.counts(map);

        List<Migration> plan = SlotRebalance.plan(map, c.threshold());

        Set<Long> sources = new HashSet<>();
        Set<Long> targets = new HashSet<>();
        for (Migration move : plan) {
            // Above the exact share S/G, or below it: counts multiplied by G to compare whole numbers.
            assertThat(before.get(move.source()) * groups).as("source of %s", move).isGreaterThan(assigned);
            assertThat(before.get(move.target()) * groups).as("target of %s", move).isLessThan(assigned);
            for (int slot = move.range().start(); slot <= move.range().end(); slot++) {
                assertThat(map.groupOf(slot)).as("slot %d of %s", slot, move).hasValue(move.source());
            }
            sources.add(move.source());
            targets.add(move.target());
        }
        assertThat(java.util.Collections.disjoint(sources, targets)).as("%s give and %s take", sources, targets)
                .isTrue();
        List<Migration> byStart = new ArrayList<>(plan);
        byStart.sort(Comparator.comparing(Migration::range));
        assertThat(plan).as("moves by start").isEqualTo(byStart);
        for (int i = 1; i < plan.size(); i++) {
            assertThat(plan.get(i).range().start()).as("disjoint ranges")
                    .isGreaterThan(plan.get(i - 1).range().end());
        }
    }

    private static boolean evenOrWithinThreshold(Iterable<Integer> counts, int assigned, int groups,
                                                 double threshold) {
        if (assigned == 0) {
            return true;
        }
        double share = (double) assigned / groups;
        boolean even = true;
        boolean within = true;
        for (int count : counts) {
            even &= Math.abs(count - share) < 1;
            within &= Math.abs(count - share) <= share * threshold / 100 + 1e-9;
        }
        return even || within;
    }

    /**
     * The least any plan moves: with the {@code extra} one-slot-larger shares on the groups owning most, what each
     * group owns above its share (every slot above a share must move, and no choice of shares leaves fewer above).
     */
    private static int fewestSlotsToMove(Map<Long, Integer> counts, int floor, int extra) {
        List<Integer> descending = counts.values().stream().sorted(Comparator.reverseOrder()).toList();
        int moved = 0;
        for (int i = 0; i < descending.size(); i++) {
            moved += Math.max(0, descending.get(i) - floor - (i < extra ? 1 : 0));
        }
        return moved;
    }
}
