package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConnectivityTest {

    private static final List<NodeId> NODES = List.of(n(1), n(2), n(3), n(4), n(5));

    private static NodeId n(int i) {
        return NodeId.of("n" + i);
    }

    @Test
    void ringLetsEachNodeReachOnlyItsNeighbours() {
        Connectivity c = new Connectivity(NODES);
        c.ring(NODES);
        assertThat(reachable(c, n(1))).containsExactly(n(1), n(2), n(5));
        assertThat(reachable(c, n(3))).containsExactly(n(2), n(3), n(4));
    }

    @Test
    void bridgeJoinsTwoHalvesThroughOneNode() {
        Connectivity c = new Connectivity(NODES);
        c.bridge(List.of(n(1), n(2)), n(3), List.of(n(4), n(5)));
        assertThat(reachable(c, n(3))).containsExactlyElementsOf(NODES);
        assertThat(reachable(c, n(1))).containsExactly(n(1), n(2), n(3));
        assertThat(reachable(c, n(5))).containsExactly(n(3), n(4), n(5));
    }

    @Test
    void partitionPutsUnnamedNodesInAGroupOfTheirOwn() {
        Connectivity c = new Connectivity(NODES);
        c.partition(List.of(Set.of(n(1), n(2))));
        assertThat(reachable(c, n(1))).containsExactly(n(1), n(2));
        assertThat(reachable(c, n(4))).containsExactly(n(3), n(4), n(5));
        c.heal();
        assertThat(c.isHealed()).isTrue();
    }

    @Test
    void oneWayCutsOnlyOneDirection() {
        Connectivity c = new Connectivity(NODES);
        c.blockOneWay(n(1), n(2));
        assertThat(c.canSend(n(1), n(2))).isFalse();
        assertThat(c.canSend(n(2), n(1))).isTrue();
        assertThat(c.toString()).isEqualTo("cut n1->n2");
    }

    @Test
    void unknownNodesAreNamedInTheError() {
        Connectivity c = new Connectivity(NODES);
        assertThatThrownBy(() -> c.isolate(n(9))).hasMessageContaining("n9");
    }

    private static List<NodeId> reachable(Connectivity c, NodeId from) {
        List<NodeId> out = new ArrayList<>();
        for (NodeId to : NODES) {
            if (c.canSend(from, to)) {
                out.add(to);
            }
        }
        return out;
    }
}
