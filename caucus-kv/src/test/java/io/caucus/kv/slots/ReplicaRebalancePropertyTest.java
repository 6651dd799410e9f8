package io.caucus.kv.slots;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap.ReplicaMove;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

class ReplicaRebalancePropertyTest {

    /** A map and the cluster file's nodes; {@code constrained} if some group retired a node or moves a replica. */
    record Case(SlotMap map, List<NodeId> nodes, boolean constrained) {
    }

    /**
     * 2 to 7 nodes, 1 to 12 groups of 1 to 3 replicas placed at random, often on the first nodes only (a node just
     * added); some groups retired from nodes (by a move abandoned) and some moving a replica, cancelled or not.
     */
    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(Arbitraries.integers().between(2, 7), Arbitraries.integers().between(1, 12),
                Arbitraries.integers().between(1, 3), Arbitraries.longs(), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3)).as((nodeCount, groups, replication, seed, retirements,
                                                          moving) -> {
            Random random = new Random(seed);
            List<NodeId> nodes = new ArrayList<>();
            for (int i = 1; i <= nodeCount; i++) {
                nodes.add(NodeId.of("n" + i));
            }
            int replicas = Math.min(replication, nodeCount);
            // Half the time every group is on the first nodes only, as before a node is added.
            int placedOn = random.nextBoolean() ? Math.max(replicas, nodeCount - 1 - random.nextInt(2)) : nodeCount;
            SlotMap map = SlotMap.EMPTY;
            for (long group = 1; group <= groups; group++) {
                List<NodeId> candidates = new ArrayList<>(nodes.subList(0, Math.min(placedOn, nodeCount)));
                Collections.shuffle(candidates, random);
                map = map.withReplicas(group, candidates.subList(0, replicas));
            }
            boolean constrained = false;
            for (int i = 0; i < retirements; i++) {
                Move move = randomMove(map, nodes, random);
                if (move != null) {
                    map = map.startReplicaMove(move.group, move.from, move.to).cancelReplicaMove(move.group)
                            .abandonReplicaMove(move.group);
                    constrained = true;
                }
            }
            for (int i = 0; i < moving; i++) {
                Move move = randomMove(map, nodes, random);
                if (move != null && map.replicaMoveOf(move.group).isEmpty()) {
                    map = map.startReplicaMove(move.group, move.from, move.to);
                    if (random.nextBoolean()) {
                        map = map.cancelReplicaMove(move.group);
                    }
                    constrained = true;
                }
            }
            return new Case(map, nodes, constrained);
        });
    }

    private record Move(long group, NodeId from, NodeId to) {
    }

    /** A move the map allows now, of a random group, or null if that group can go nowhere. */
    private static Move randomMove(SlotMap map, List<NodeId> nodes, Random random) {
        long group = map.groups().stream().skip(random.nextInt(map.groups().size())).findFirst().orElseThrow();
        List<NodeId> free = nodes.stream().filter(node -> !map.replicasOf(group).contains(node)
                && !map.retiredReplicasOf(group).contains(node)).toList();
        if (free.isEmpty() || map.replicaMoveOf(group).isPresent()) {
            return null;
        }
        List<NodeId> replicas = map.replicasOf(group);
        return new Move(group, replicas.get(random.nextInt(replicas.size())), free.get(random.nextInt(free.size())));
    }

    @Property(tries = 1000)
    void aRoundAppliedLeavesEveryNodeFloorOrCeilingOrNoMoveLeftThatHelpsThisRound(@ForAll("cases") Case c) {
        SlotMap map = c.map();
        Map<NodeId, Integer> before = ReplicaRebalanceTest.loadsOnceDone(map, c.nodes());

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, c.nodes());

        Statistics.collect(plan.moves().isEmpty() ? "no move" : "moves", plan.even() ? "even" : "uneven");
        Statistics.coverage(coverage -> {
            coverage.check("moves", "even").percentage(p -> p >= 30);
            coverage.check("moves", "uneven").count(n -> n >= 1);
        });
        for (ReplicaMove move : plan.moves()) {
            assertThat(map.replicaMoveOf(move.group())).as("%s: its group moves a replica already", move).isEmpty();
            assertThat(map.retiredReplicasOf(move.group())).as("%s: to a node the group left", move)
                    .doesNotContain(move.to());
        }
        // Recorded in one change and every move finished: the map's own checks refuse a group on a node twice, a
        // retired node placed again and two moves of one group.
        SlotMap applied = ReplicaRebalanceTest.applyAll(map, plan.moves());
        Map<NodeId, Integer> after = ReplicaRebalanceTest.loadsOnceDone(applied, c.nodes());
        assertThat(after).as("the loads the plan reports").isEqualTo(plan.loads());

        int total = after.values().stream().mapToInt(Integer::intValue).sum();
        int floor = total / c.nodes().size();
        int ceiling = floor + (total % c.nodes().size() == 0 ? 0 : 1);
        if (plan.even()) {
            assertThat(after.values()).allSatisfy(load -> assertThat(load).isBetween(floor, ceiling));
            if (!c.constrained()) {
                // The fewest moves: each node above the ceiling gives its excess, each below the floor takes its lack.
                int above = before.values().stream().mapToInt(load -> Math.max(0, load - ceiling)).sum();
                int below = before.values().stream().mapToInt(load -> Math.max(0, floor - load)).sum();
                assertThat(plan.moves()).hasSize(Math.max(above, below));
            }
        } else {
            assertNoMoveLeftThatHelps(applied, c.nodes(), after);
        }
    }

    @Property(tries = 500)
    void roundsPlannedUntilNoneIsLeftEvenTheLoadsUnlessRetiredNodesOrMovesUnderWayAreInTheWay(
            @ForAll("cases") Case c) {
        SlotMap map = finishEveryMove(c.map());
        int rounds = 0;
        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, c.nodes());
        while (!plan.moves().isEmpty()) {
            map = finishEveryMove(map.startReplicaMoves(plan.moves()));
            plan = ReplicaRebalance.plan(map, c.nodes());
            assertThat(++rounds).as("rounds").isLessThan(50);
        }
        Statistics.collect(rounds > 1 ? "several rounds" : "one round or none");
        Statistics.coverage(coverage -> coverage.check("several rounds").count(n -> n >= 1));
        if (!c.constrained()) {
            assertThat(plan.even()).as("even once no round is left: %s", plan.loads()).isTrue();
        }
        if (!plan.even()) {
            assertNoMoveLeftThatHelps(map, c.nodes(), plan.loads());
        }
    }

    @Property(tries = 500)
    void roundsDrainARemovedNodeOfEveryReplicaSomeOtherNodeCanTakeAndMoveNoneToIt(@ForAll("cases") Case c,
            @ForAll("nodeIndexes") int removedIndex) {
        NodeId removed = c.nodes().get(removedIndex % c.nodes().size());
        SlotMap map = finishEveryMove(c.map());
        List<Long> nowhere = ReplicaRebalance.groupsWithNowhereToGo(map, c.nodes(), removed);
        map = map.removeNode(removed);
        int rounds = 0;
        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, c.nodes());
        while (!plan.moves().isEmpty()) {
            assertThat(plan.moves()).as("no move to a removed node").noneMatch(move -> move.to().equals(removed));
            map = finishEveryMove(map.startReplicaMoves(plan.moves()));
            plan = ReplicaRebalance.plan(map, c.nodes());
            assertThat(++rounds).as("rounds").isLessThan(50);
        }
        SlotMap drained = map;
        List<Long> left = drained.groups().stream().filter(group -> drained.replicasOf(group).contains(removed))
                .toList();
        Statistics.collect(nowhere.isEmpty() ? "drained" : "stranded");
        Statistics.coverage(coverage -> coverage.check("drained").percentage(p -> p >= 30));
        assertThat(left).as("the replicas left on %s", removed).isEqualTo(nowhere);
        assertThat(plan.stranded()).isEqualTo(nowhere.size());
        assertThat(drained.holdsNothing(removed)).isEqualTo(nowhere.isEmpty());
        if (!c.constrained() && nowhere.isEmpty()) {
            assertThat(plan.even()).as("even once no round is left: %s", plan.loads()).isTrue();
        }
    }

    @Provide
    Arbitrary<Integer> nodeIndexes() {
        return Arbitraries.integers().between(0, 6);
    }

    private static SlotMap finishEveryMove(SlotMap map) {
        for (ReplicaMove move : map.replicaMoves()) {
            map = move.cancelled() ? map.abandonReplicaMove(move.group()) : map.finishReplicaMove(move.group());
        }
        return map;
    }

    /**
     * No group free to move (none under way in {@code applied}) could still go from a node to one holding two fewer
     * and not retired from it: the plan stopped because nothing helps any more this round, not early.
     */
    private static void assertNoMoveLeftThatHelps(SlotMap applied, List<NodeId> nodes, Map<NodeId, Integer> loads) {
        for (long group : applied.groups()) {
            if (applied.replicaMoveOf(group).isPresent()) {
                continue; // moving already, or planned in this round: one move per group at a time
            }
            for (NodeId from : applied.replicasOf(group)) {
                for (NodeId to : nodes) {
                    boolean allowed = !applied.replicasOf(group).contains(to)
                            && !applied.retiredReplicasOf(group).contains(to);
                    assertThat(allowed && loads.get(from) - loads.get(to) >= 2)
                            .as("group %d could still go from %s to %s (loads %s)", group, from, to, loads).isFalse();
                }
            }
        }
    }
}
