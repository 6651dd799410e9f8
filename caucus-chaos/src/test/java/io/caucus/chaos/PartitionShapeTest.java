package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PartitionShapeTest {

    private static final List<String> FIVE = List.of("n1", "n2", "n3", "n4", "n5");
    private static final List<String> THREE = List.of("n1", "n2", "n3");

    /** Nodes {@code from} can reach over links that are not cut (directed). */
    private static Set<String> reachable(List<String> nodes, Set<Link> cut, String from) {
        Set<String> seen = new HashSet<>(List.of(from));
        ArrayDeque<String> queue = new ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            String node = queue.poll();
            for (String other : nodes) {
                if (!other.equals(node) && !cut.contains(new Link(node, other)) && seen.add(other)) {
                    queue.add(other);
                }
            }
        }
        return seen;
    }

    private static long directNeighbours(List<String> nodes, Set<Link> cut, String node) {
        return nodes.stream().filter(other -> !other.equals(node) && !cut.contains(new Link(node, other))).count();
    }

    @Test
    void isolatingTheLeaderCutsEveryLinkOfItAndNoOther() {
        Set<Link> cut = PartitionShape.ISOLATE_LEADER.links(FIVE, "n3", new Random(1));
        assertThat(cut).hasSize(8).allMatch(link -> link.from().equals("n3") || link.to().equals("n3"));
        assertThat(reachable(FIVE, cut, "n3")).containsExactly("n3");
        assertThat(reachable(FIVE, cut, "n1")).containsExactlyInAnyOrder("n1", "n2", "n4", "n5");
    }

    @Test
    void majorityAndMinorityAreSeparatedBothWays() {
        for (int seed = 0; seed < 20; seed++) {
            Set<Link> cut = PartitionShape.MAJORITY_MINORITY.links(FIVE, "n1", new Random(seed));
            Set<String> side = reachable(FIVE, cut, "n1");
            assertThat(side.size()).isIn(1, 2, 3, 4);
            for (String node : side) {
                assertThat(reachable(FIVE, cut, node)).isEqualTo(side);
            }
            int smaller = Math.min(side.size(), FIVE.size() - side.size());
            assertThat(smaller).isBetween(1, 2);
        }
    }

    @Test
    void ringLeavesEachNodeExactlyItsTwoNeighboursButKeepsEveryoneConnected() {
        Set<Link> cut = PartitionShape.RING.links(FIVE, null, new Random(7));
        for (String node : FIVE) {
            assertThat(directNeighbours(FIVE, cut, node)).isEqualTo(2);
            assertThat(reachable(FIVE, cut, node)).hasSize(5);
        }
    }

    @Test
    void bridgeIsTheOnlyNodeTalkingToBothHalves() {
        for (List<String> nodes : List.of(THREE, FIVE)) {
            Set<Link> cut = PartitionShape.BRIDGE.links(nodes, null, new Random(3));
            List<String> bridges = nodes.stream()
                    .filter(node -> directNeighbours(nodes, cut, node) == nodes.size() - 1).toList();
            assertThat(bridges).hasSize(1);
            assertThat(cut).isNotEmpty().noneMatch(link -> link.from().equals(bridges.get(0))
                    || link.to().equals(bridges.get(0)));
        }
    }

    @Test
    void oneWayShapesCutOnlyOneDirectionOfTheLeadersLinks() {
        assertThat(PartitionShape.LEADER_MUTE.links(THREE, "n2", new Random(1)))
                .containsExactlyInAnyOrder(new Link("n2", "n1"), new Link("n2", "n3"));
        assertThat(PartitionShape.LEADER_DEAF.links(THREE, "n2", new Random(1)))
                .containsExactlyInAnyOrder(new Link("n1", "n2"), new Link("n3", "n2"));
    }

    @Test
    void threeNodesNeverDrawTheDegenerateRing() {
        assertThat(PartitionShape.usableWith(3)).doesNotContain(PartitionShape.RING);
        assertThat(PartitionShape.usableWith(5)).contains(PartitionShape.RING);
    }

    @Test
    void faultsAreDrawnOnlyFromTheEnabledKindsAndRepeatForASeed() {
        Random first = new Random(42);
        Random second = new Random(42);
        for (int i = 0; i < 50; i++) {
            Fault fault = Fault.draw(first, Set.of(FaultKind.PAUSE, FaultKind.PARTITION), 3);
            assertThat(fault.kind()).isIn(FaultKind.PAUSE, FaultKind.PARTITION);
            assertThat(Fault.draw(second, Set.of(FaultKind.PAUSE, FaultKind.PARTITION), 3)).isEqualTo(fault);
        }
    }
}
