package io.caucus.kv.slots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap.ReplicaMove;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReplicaRebalanceTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");
    private static final NodeId N4 = NodeId.of("n4");
    private static final NodeId N5 = NodeId.of("n5");
    private static final List<NodeId> FIRST_THREE = List.of(N1, N2, N3);
    private static final List<NodeId> FOUR = List.of(N1, N2, N3, N4);

    /** Groups 2..5 on n1, n2, n3, preferred leaders n1, n2, n3, n1: what a three-node file with shards: 4 lays out. */
    private static SlotMap fourGroupsOnThreeNodes() {
        return SlotMap.EMPTY.withReplicas(2, List.of(N1, N2, N3)).withReplicas(3, List.of(N2, N3, N1))
                .withReplicas(4, List.of(N3, N1, N2)).withReplicas(5, List.of(N1, N2, N3));
    }

    /** Each node's replica count in {@code map} once its replica moves are done (cancelled ones undone). */
    static Map<NodeId, Integer> loadsOnceDone(SlotMap map, List<NodeId> nodes) {
        Map<NodeId, Integer> loads = new TreeMap<>();
        nodes.forEach(node -> loads.put(node, 0));
        SlotMap done = map;
        for (ReplicaMove move : map.replicaMoves()) {
            done = move.cancelled() ? done.abandonReplicaMove(move.group()) : done.finishReplicaMove(move.group());
        }
        for (long group : done.groups()) {
            done.replicasOf(group).forEach(node -> loads.merge(node, 1, Integer::sum));
        }
        return loads;
    }

    @Test
    void anEvenMapNeedsNoMove() {
        SlotMap map = SlotMap.evenly(4, FIRST_THREE);

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, FIRST_THREE);

        assertThat(plan.moves()).isEmpty();
        assertThat(plan.even()).isTrue();
        assertThat(plan.loads()).isEqualTo(Map.of(N1, 4, N2, 4, N3, 4));
    }

    @Test
    void aFourthNodeTakesOneReplicaFromEachOfTheOthersAndTheLeadersSpreadToo() {
        SlotMap map = fourGroupsOnThreeNodes();

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, FOUR);

        // n1 prefers to lead two groups, n4 none: n1 hands over one it leads; n2 and n3 then give ones they do not.
        assertThat(plan.moves()).containsExactly(new ReplicaMove(2, N1, N4), new ReplicaMove(4, N2, N4),
                new ReplicaMove(3, N3, N4));
        assertThat(plan.loads()).isEqualTo(Map.of(N1, 3, N2, 3, N3, 3, N4, 3));
        SlotMap applied = applyAll(map, plan.moves());
        assertThat(loadsOnceDone(applied, FOUR)).isEqualTo(plan.loads());
        SlotMap done = applied.finishReplicaMove(2).finishReplicaMove(3).finishReplicaMove(4);
        assertThat(done.groups().stream().map(group -> done.replicasOf(group).getFirst()).toList())
                .as("the preferred leaders of groups 2..5").containsExactly(N4, N2, N3, N1);
    }

    @Test
    void fiveNodesEndWithFloorOrCeilingInTheFewestMoves() {
        // 6 groups of 3 on n1..n3: 18 replicas over 5 nodes is 3 or 4 each; n4 and n5 take 3 each, 6 moves.
        SlotMap map = SlotMap.evenly(6, FIRST_THREE);
        List<NodeId> five = List.of(N1, N2, N3, N4, N5);

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, five);

        assertThat(plan.moves()).hasSize(6);
        assertThat(plan.even()).isTrue();
        assertThat(plan.loads().values()).allSatisfy(load -> assertThat(load).isBetween(3, 4));
        assertThat(plan.loads()).containsEntry(N4, 3).containsEntry(N5, 3);
        assertThat(plan.moves()).allSatisfy(move -> assertThat(move.to()).isIn(N4, N5));
        assertThat(loadsOnceDone(applyAll(map, plan.moves()), five)).isEqualTo(plan.loads());
    }

    @Test
    void aGroupWhoseReplicaIsMovingIsLeftAloneAndCountedWhereTheMovePutsIt() {
        SlotMap map = fourGroupsOnThreeNodes().startReplicaMove(2, N1, N4);

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, FOUR);

        assertThat(plan.moves()).hasSize(2).noneMatch(move -> move.group() == 2);
        assertThat(plan.loads()).isEqualTo(Map.of(N1, 3, N2, 3, N3, 3, N4, 3));
        assertThat(loadsOnceDone(applyAll(map, plan.moves()), FOUR)).isEqualTo(plan.loads());

        SlotMap cancelled = fourGroupsOnThreeNodes().startReplicaMove(2, N1, N4).cancelReplicaMove(2);
        ReplicaRebalance.Plan afterCancel = ReplicaRebalance.plan(cancelled, FOUR);
        assertThat(afterCancel.moves()).as("a cancelled move counted on its old node").hasSize(3)
                .noneMatch(move -> move.group() == 2);
        assertThat(afterCancel.even()).isTrue();
    }

    @Test
    void aNodeAGroupRetiredFromNeverTakesItAgain() {
        // Groups 2 and 3 each left n4 once: only groups 4 and 5 may go there.
        SlotMap map = fourGroupsOnThreeNodes();
        for (long group : List.of(2L, 3L)) {
            map = map.startReplicaMove(group, N1, N4).cancelReplicaMove(group).abandonReplicaMove(group);
        }

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, FOUR);

        assertThat(plan.moves()).extracting(ReplicaMove::group).containsExactlyInAnyOrder(4L, 5L);
        assertThat(plan.moves()).allSatisfy(move -> assertThat(move.to()).isEqualTo(N4));
        assertThat(plan.loads()).isEqualTo(Map.of(N1, 3, N2, 3, N3, 4, N4, 2));
        assertThat(plan.even()).as("n4 can hold only two of the groups").isFalse();
    }

    @Test
    void whenEveryGroupRetiredFromTheNewNodeNothingMovesAndThePlanIsNotEven() {
        SlotMap map = SlotMap.evenly(1, FIRST_THREE).startReplicaMove(1, N3, N4).cancelReplicaMove(1)
                .abandonReplicaMove(1).withReplicas(2, FIRST_THREE).startReplicaMove(2, N2, N4).cancelReplicaMove(2)
                .abandonReplicaMove(2);

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, FOUR);

        assertThat(plan.moves()).isEmpty();
        assertThat(plan.even()).isFalse();
        assertThat(plan.loads()).containsEntry(N4, 0);
    }

    @Test
    void aReplicaOnANodeNotInTheClusterFileIsRefusedNamingIt() {
        SlotMap map = SlotMap.evenly(2, List.of(N1, N2, N5));

        assertThatThrownBy(() -> ReplicaRebalance.plan(map, FOUR)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group 1 has a replica on n5, which is not a node of the cluster file");
        assertThatThrownBy(() -> ReplicaRebalance.plan(map, List.of())).hasMessageContaining("no node");
    }

    @Test
    void theMapRecordsAPlanInOneChangeAndRefusesTwoMovesOfOneGroup() {
        SlotMap map = fourGroupsOnThreeNodes();
        List<ReplicaMove> moves = ReplicaRebalance.plan(map, FOUR).moves();

        SlotMap recorded = map.startReplicaMoves(moves);

        assertThat(recorded.epoch()).isEqualTo(map.epoch() + 1);
        assertThat(recorded.replicaMoves()).containsExactlyInAnyOrderElementsOf(moves);
        assertThatThrownBy(() -> map.startReplicaMoves(List.of(new ReplicaMove(2, N1, N4),
                new ReplicaMove(2, N2, N5)))).hasMessageContaining("group 2 lists two replica moves");
        assertThatThrownBy(() -> recorded.startReplicaMoves(List.of(new ReplicaMove(5, N1, N4),
                new ReplicaMove(2, N2, N5)))).hasMessageContaining("group 2 lists two replica moves");
        assertThatThrownBy(() -> map.startReplicaMoves(List.of(new ReplicaMove(2, N1, N2))))
                .hasMessageContaining("n2 is one of its replicas already");
        assertThatThrownBy(() -> map.startReplicaMoves(List.of())).hasMessageContaining("no replica move");
    }

    @Test
    void aRemovedNodeGivesEveryReplicaToTheLeastLoadedNodesThatCanTakeItAndTakesNone() {
        // n4 took one replica of groups 2, 3 and 4 from n1, n2 and n3, which retired from them; n4 is removed.
        SlotMap map = finishAll(applyAll(fourGroupsOnThreeNodes(),
                ReplicaRebalance.plan(fourGroupsOnThreeNodes(), FOUR).moves())).removeNode(N4);
        assertThat(ReplicaRebalance.groupsWithNowhereToGo(map, FOUR, N4)).as("a group never returns to a node it "
                + "left: without a fifth node, n4's replicas have nowhere to go").containsExactly(2L, 3L, 4L);
        List<NodeId> five = List.of(N1, N2, N3, N4, N5);

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, five);

        assertThat(plan.moves()).containsExactlyInAnyOrder(new ReplicaMove(2, N4, N5), new ReplicaMove(3, N4, N5),
                new ReplicaMove(4, N4, N5));
        assertThat(plan.loads()).isEqualTo(Map.of(N1, 3, N2, 3, N3, 3, N4, 0, N5, 3));
        assertThat(plan.stranded()).isZero();
        assertThat(plan.even()).isTrue();
        SlotMap drained = finishAll(applyAll(map, plan.moves()));
        assertThat(drained.holdsNothing(N4)).isTrue();
        assertThat(ReplicaRebalance.plan(drained, five).moves()).as("nothing moves back to it").isEmpty();
        assertThat(ReplicaRebalance.plan(drained, List.of(N1, N2, N3, N5)).loads())
                .as("nor counts, once out of the file").isEqualTo(Map.of(N1, 3, N2, 3, N3, 3, N5, 3));
    }

    @Test
    void aRemovedNodesReplicasGoToTheLeastLoadedFirst() {
        // 6 groups of 3 on n1..n3 and n4 listed empty: removing n3 gives its 6 replicas to n4 first, then evens out.
        SlotMap map = SlotMap.evenly(6, FIRST_THREE).removeNode(N3);

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, FOUR);

        assertThat(plan.moves()).hasSize(6).allMatch(move -> move.from().equals(N3) && move.to().equals(N4));
        assertThat(plan.loads()).isEqualTo(Map.of(N1, 6, N2, 6, N3, 0, N4, 6));
        assertThat(plan.even()).isTrue();
    }

    @Test
    void aRemovedNodeLeftOutOfTheFileStillGivesItsReplicas() {
        SlotMap map = fourGroupsOnThreeNodes().removeNode(N3);
        List<NodeId> withoutN3 = List.of(N1, N2, N4);

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(map, withoutN3);

        assertThat(plan.moves()).containsExactlyInAnyOrder(new ReplicaMove(2, N3, N4), new ReplicaMove(3, N3, N4),
                new ReplicaMove(4, N3, N4), new ReplicaMove(5, N3, N4));
        assertThat(plan.loads()).isEqualTo(Map.of(N1, 4, N2, 4, N3, 0, N4, 4));
        SlotMap done = finishAll(applyAll(map, plan.moves()));
        assertThat(done.replicasOf(4).getFirst()).as("the preferred place moves with the replica").isEqualTo(N4);
    }

    @Test
    void aReplicaNoNodeCanTakeStaysStrandedAndIsToldBeforeTheNodeIsRemoved() {
        SlotMap map = fourGroupsOnThreeNodes();
        assertThat(ReplicaRebalance.groupsWithNowhereToGo(map, FIRST_THREE, N3)).containsExactly(2L, 3L, 4L, 5L);
        assertThat(ReplicaRebalance.groupsWithNowhereToGo(map, FOUR, N3)).isEmpty();
        SlotMap n4Retired = map.startReplicaMove(2, N1, N4).cancelReplicaMove(2).abandonReplicaMove(2);
        assertThat(ReplicaRebalance.groupsWithNowhereToGo(n4Retired, FOUR, N3))
                .as("group 2 never returns to n4").containsExactly(2L);

        ReplicaRebalance.Plan plan = ReplicaRebalance.plan(n4Retired.removeNode(N3), FOUR);

        assertThat(plan.moves()).containsExactlyInAnyOrder(new ReplicaMove(3, N3, N4), new ReplicaMove(4, N3, N4),
                new ReplicaMove(5, N3, N4));
        assertThat(plan.stranded()).isEqualTo(1);
        assertThat(plan.even()).isFalse();
    }

    @Test
    void aGroupOnTwoRemovedNodesMovesOneReplicaPerRound() {
        List<NodeId> five = List.of(N1, N2, N3, N4, N5);
        SlotMap map = SlotMap.EMPTY.withReplicas(1, List.of(N1, N2, N3)).removeNode(N1).removeNode(N2);

        ReplicaRebalance.Plan first = ReplicaRebalance.plan(map, five);
        assertThat(first.moves()).containsExactly(new ReplicaMove(1, N1, N4));
        assertThat(first.stranded()).isEqualTo(1);
        ReplicaRebalance.Plan second = ReplicaRebalance.plan(finishAll(applyAll(map, first.moves())), five);
        assertThat(second.moves()).containsExactly(new ReplicaMove(1, N2, N5));
        assertThat(second.stranded()).isZero();
    }

    @Test
    void aMoveOrCancelThatWouldStrandARemovedNodesReplicaIsRefused() {
        // Group 2 on n1, n2, n3 with n4 the one other node; n1 removed and its replica moving to n4.
        SlotMap draining = fourGroupsOnThreeNodes().removeNode(N1).startReplicaMove(2, N1, N4);
        SlotMap cancelled = draining.cancelReplicaMove(2);
        assertThatThrownBy(() -> ReplicaRebalance.refuseStranding(draining.finishReplicaMove(2),
                cancelled.abandonReplicaMove(2), FOUR, 2, "cancelling group 2's replica move"))
                .hasMessage("cancelling group 2's replica move would leave n1's replica of group 2 with nowhere to go "
                        + "(n1 is removed from the cluster, and every other node would hold the group or have left "
                        + "it): let the move finish, or add a node first");
        ReplicaRebalance.refuseStranding(draining.finishReplicaMove(2), cancelled.abandonReplicaMove(2),
                List.of(N1, N2, N3, N4, N5), 2, "with n5 listed, n1's replica can still go there");

        // Not yet drained: moving n2's replica to n4 would take n4, the only node n1's replica could go to.
        SlotMap removed = fourGroupsOnThreeNodes().removeNode(N1);
        SlotMap moving = removed.startReplicaMove(3, N2, N4);
        assertThatThrownBy(() -> ReplicaRebalance.refuseStranding(removed, moving.finishReplicaMove(3), FOUR, 3,
                "moving n2's replica of group 3 to n4")).hasMessageStartingWith("moving n2's replica of group 3 to "
                + "n4 would leave n1's replica of group 3 with nowhere to go");
        // A move of a group the removed node does not hold, or one that strands nothing new, goes on.
        SlotMap other = SlotMap.EMPTY.withReplicas(2, List.of(N2, N3)).withReplicas(3, List.of(N1, N2)).removeNode(N1);
        ReplicaRebalance.refuseStranding(other, other.startReplicaMove(2, N2, N4).finishReplicaMove(2), FOUR, 2, "");
    }

    /** {@code map} with every replica move finished (or, if cancelled, abandoned). */
    static SlotMap finishAll(SlotMap map) {
        SlotMap done = map;
        for (ReplicaMove move : map.replicaMoves()) {
            done = move.cancelled() ? done.abandonReplicaMove(move.group()) : done.finishReplicaMove(move.group());
        }
        return done;
    }

    /** {@code map} with {@code moves} recorded in one change. */
    static SlotMap applyAll(SlotMap map, List<ReplicaMove> moves) {
        return moves.isEmpty() ? map : map.startReplicaMoves(moves);
    }
}
