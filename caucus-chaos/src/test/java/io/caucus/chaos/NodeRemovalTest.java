package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of the node removal that need no processes: reading GET /slots, the outcome, replica move targets. */
class NodeRemovalTest {

    private static NodeRemoval.MapView view(String json, String node) {
        return NodeRemoval.MapView.of(ChaosCluster.parseJson(json).orElseThrow(), node);
    }

    @Test
    void aRemovedNodeIsDrainedOnceItHoldsNoReplicaAndNoMoveIsFromOrToIt() {
        NodeRemoval.MapView holding = view("""
                {"epoch":7,"groups":{"2":["n1","n2","n3"],"3":["n3","n4","n5"]},"moves":[],"replicaMoves":[],\
                "retired":{},"removedNodes":["n3"]}""", "n3");
        assertThat(holding.listed()).isTrue();
        assertThat(holding.groupsHeld()).containsExactly("2", "3");
        assertThat(holding.holdsNothing()).isFalse();
        assertThat(holding.movesUnderWay()).isFalse();

        NodeRemoval.MapView moving = view("""
                {"epoch":8,"groups":{"2":["n1","n2","n4"],"3":["n5","n4","n1"]},"moves":[],"replicaMoves":\
                [{"group":3,"from":"n3","to":"n1","cancelled":false}],"retired":{"2":["n3"]},"removedNodes":["n3"]}""",
                "n3");
        assertThat(moving.groupsHeld()).as("the move has put n1 in its place already").isEmpty();
        assertThat(moving.holdsNothing()).as("a move from it is under way").isFalse();
        assertThat(moving.movesUnderWay()).isTrue();

        NodeRemoval.MapView drained = view("""
                {"epoch":9,"groups":{"2":["n1","n2","n4"],"3":["n5","n4","n1"]},"moves":[],"replicaMoves":\
                [{"group":2,"from":"n4","to":"n5","cancelled":false}],"retired":{},"removedNodes":["n3"]}""", "n3");
        assertThat(drained.holdsNothing()).as("another group's move does not involve it").isTrue();
        assertThat(drained.movesUnderWay()).isTrue();
        assertThat(drained.epoch()).isEqualTo(9);
    }

    @Test
    void aMapThatDoesNotListTheNodeRemovedHasNotRecordedIt() {
        NodeRemoval.MapView before = view("""
                {"epoch":4,"groups":{"2":["n1","n2","n4"]},"moves":[],"replicaMoves":[],"retired":{},\
                "removedNodes":[]}""", "n3");
        assertThat(before.listed()).isFalse();
        assertThat(before.holdsNothing()).isTrue();
        assertThat(view("""
                {"epoch":4,"groups":{"2":["n1","n2","n4"]},"moves":[],"replicaMoves":[]}""", "n3").listed())
                .as("a map of a build before removals").isFalse();
        assertThat(before.toString()).contains("epoch 4").contains("not listing it removed");
    }

    @Test
    void theOutcomeSaysWhatCameOfTheRemoval() {
        NodeRemoval.Outcome drained = new NodeRemoval.Outcome("n3", true, "recorded (HTTP 200 from n1)", 60_000_000L,
                61_000_000L, 83_300_000L, 84_000_000L, 61_000_000L, List.of("61.5 s: recorded 9 moves"));
        assertThat(drained.summary()).isEqualTo("n3 (killed first): recorded, drained yes (22.3 s after), left the"
                + " metadata group yes, 1 rebalance round");
        NodeRemoval.Outcome stuck = new NodeRemoval.Outcome("n2", false, "recorded (HTTP 200 from n4)", 1, 2, -1, -1,
                -1, List.of());
        assertThat(stuck.summary()).contains("n2 (running): recorded, drained no, left the metadata group no");
        NodeRemoval.Outcome refused = new NodeRemoval.Outcome("n5", false, "refused (HTTP 400 from n1: nowhere to go)",
                1, -1, -1, -1, -1, List.of());
        assertThat(refused.refused()).isTrue();
        assertThat(refused.summary()).isEqualTo("n5 (running): refused (HTTP 400 from n1: nowhere to go)");
        assertThat(new NodeRemoval.Outcome("n1", true, "outcome unknown (HTTP 504 from n2)", 1, -1, -1, -1, -1,
                List.of()).summary()).isEqualTo("n1 (killed first): not recorded: outcome unknown (HTTP 504 from n2)");
    }

    @Test
    void replicaMovesNeverTargetARemovedNodeNorMoveAGroupItStillHolds() {
        List<String> nodes = List.of("n5", "n1", "n4", "n2", "n3");
        assertThat(Nemesis.replicaTargets(List.of("n1", "n2", "n3"), List.of(), List.of(), nodes))
                .as("no removal: every node without a replica, in the shuffled order").containsExactly("n5", "n4");
        assertThat(Nemesis.replicaTargets(List.of("n1", "n2", "n3"), List.of("n5"), List.of("n4"), nodes))
                .as("n5 retired from the group, n4 removed").isEmpty();
        assertThat(Nemesis.replicaTargets(List.of("n1", "n2", "n4"), List.of(), List.of("n3"), nodes))
                .as("the removed node is never a target").containsExactly("n5");
        assertThat(Nemesis.replicaTargets(List.of("n1", "n3", "n4"), List.of(), List.of("n3"), nodes))
                .as("a group the removed node still holds is the removal's to move").isEmpty();
    }
}
