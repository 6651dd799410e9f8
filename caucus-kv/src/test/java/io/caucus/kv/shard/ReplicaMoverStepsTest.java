package io.caucus.kv.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.kv.shard.ReplicaMover.Step;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotMap.ReplicaMove;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The replica mover's decisions ({@link ReplicaMover#nextStep}) against a model of one group's configuration and
 * the slot map: steps taken, failed before they were proposed, or with their outcome unknown (applied or not), by
 * whichever leader the group has, while an operator starts moves of random replicas to random nodes and cancels some.
 */
class ReplicaMoverStepsTest {

    private static final long GROUP = 7;
    private static final List<NodeId> NODES = List.of(NodeId.of("a"), NodeId.of("b"), NodeId.of("c"), NodeId.of("d"),
            NodeId.of("e"), NodeId.of("f"), NodeId.of("g"), NodeId.of("h"));

    private static SlotMap mapOf(String... replicas) {
        return SlotMap.EMPTY.withReplicas(GROUP, java.util.Arrays.stream(replicas).map(NodeId::of).toList());
    }

    private static ClusterConfiguration voters(String... ids) {
        return ClusterConfiguration.ofVoters(ids);
    }

    @Test
    void aMoveAddsPromotesRemovesThenFinishes() {
        SlotMap map = mapOf("a", "b", "c").startReplicaMove(GROUP, NodeId.of("a"), NodeId.of("d"));
        ReplicaMove move = map.replicaMoveOf(GROUP).orElseThrow();
        ClusterConfiguration start = voters("a", "b", "c");
        assertThat(ReplicaMover.nextStep(map, GROUP, start, true, node -> true)).isEqualTo(new Step.AddLearner(move));
        ClusterConfiguration learning = new ClusterConfiguration(start.voters(), Set.of(), Set.of(NodeId.of("d")));
        assertThat(ReplicaMover.nextStep(map, GROUP, learning, true, node -> false)).as("d does not answer yet")
                .isEqualTo(new Step.Wait());
        assertThat(ReplicaMover.nextStep(map, GROUP, learning, true, node -> true)).isEqualTo(new Step.Promote(move));
        ClusterConfiguration joint = new ClusterConfiguration(Set.of(NodeId.of("a"), NodeId.of("b"), NodeId.of("c"),
                NodeId.of("d")), start.voters(), Set.of());
        assertThat(ReplicaMover.nextStep(map, GROUP, joint, true, node -> true)).as("C_old,new in force")
                .isEqualTo(new Step.Wait());
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("a", "b", "c", "d"), true, node -> true))
                .isEqualTo(new Step.Remove(NodeId.of("a")));
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("b", "c", "d"), true, node -> true))
                .isEqualTo(new Step.Finish(move));
        SlotMap finished = map.finishReplicaMove(GROUP);
        assertThat(ReplicaMover.nextStep(finished, GROUP, voters("b", "c", "d"), true, node -> true))
                .isEqualTo(new Step.Wait());
    }

    @Test
    void aLearnerTheMapPlacesNowhereIsRemovedAndOneItPlacesIsKept() {
        ClusterConfiguration withLearner = new ClusterConfiguration(voters("a", "b", "c").voters(), Set.of(),
                Set.of(NodeId.of("e")));
        assertThat(ReplicaMover.nextStep(mapOf("a", "b", "c"), GROUP, withLearner, true, node -> true))
                .isEqualTo(new Step.Remove(NodeId.of("e")));
        SlotMap movingToE = mapOf("a", "b", "c").startReplicaMove(GROUP, NodeId.of("b"), NodeId.of("e"));
        assertThat(ReplicaMover.nextStep(movingToE, GROUP, withLearner, true, node -> true))
                .isEqualTo(new Step.Promote(movingToE.replicaMoveOf(GROUP).orElseThrow()));
    }

    @Test
    void aCancelledMoveTakesTheNewNodeOutAgainUnlessTheOldOneHasLeft() {
        SlotMap map = mapOf("a", "b", "c").startReplicaMove(GROUP, NodeId.of("a"), NodeId.of("d"))
                .cancelReplicaMove(GROUP);
        ReplicaMove move = map.replicaMoveOf(GROUP).orElseThrow();
        ClusterConfiguration learning = new ClusterConfiguration(voters("a", "b", "c").voters(), Set.of(),
                Set.of(NodeId.of("d")));
        assertThat(ReplicaMover.nextStep(map, GROUP, learning, true, node -> false)).as("a learner that never answered")
                .isEqualTo(new Step.Remove(NodeId.of("d")));
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("a", "b", "c", "d"), true, node -> true)).as("promoted already")
                .isEqualTo(new Step.Remove(NodeId.of("d")));
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("a", "b", "c"), false, node -> true))
                .as("d out, uncommitted: d may vote again if the leader loses it").isEqualTo(new Step.Wait());
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("a", "b", "c"), true, node -> true))
                .isEqualTo(new Step.Abandon(move));
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("b", "c", "d"), false, node -> true))
                .as("a left, uncommitted").isEqualTo(new Step.Wait());
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("b", "c", "d"), true, node -> true))
                .as("a left: too late").isEqualTo(new Step.Finish(move));
        assertThat(ReplicaMover.nextStep(map.abandonReplicaMove(GROUP), GROUP, voters("a", "b", "c"), true,
                node -> true)).isEqualTo(new Step.Wait());
    }


    /**
     * The simulator's seed 33 (MultiGroupReplicaMovesTest, 5 processes, 4 groups, 600 ticks): a leader appended the
     * configuration without the old node, its Remove went unanswered, and its next look saw that configuration in
     * force and finished the move; the old node deleted its replica, the leader lost the uncommitted entry, and the
     * group, back in C_old,new, needed the deleted node to reach a majority.
     */
    @Test
    void aMoveIsFinishedOnlyOnceTheConfigurationWithoutTheOldNodeIsCommitted() {
        SlotMap map = mapOf("a", "b", "c").startReplicaMove(GROUP, NodeId.of("a"), NodeId.of("d"));
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("b", "c", "d"), false, node -> true))
                .isEqualTo(new Step.Wait());
        assertThat(ReplicaMover.nextStep(map, GROUP, voters("b", "c", "d"), true, node -> true))
                .isEqualTo(new Step.Finish(map.replicaMoveOf(GROUP).orElseThrow()));
    }

    private static NodeStatus leader(long term, long commitIndex, long lastIndex, ClusterConfiguration configuration) {
        return new NodeStatus(NodeId.of("b"), Role.LEADER, term, NodeId.of("b"), commitIndex, commitIndex, lastIndex,
                configuration, Map.of());
    }

    @Test
    void theCommitWatchSaysCommittedOnceTheCommitIndexPassesTheLastIndexFirstSeenWithTheConfiguration() {
        ReplicaMover.CommitWatch watch = new ReplicaMover.CommitWatch();
        ClusterConfiguration withoutA = voters("b", "c", "d");
        assertThat(watch.committed(leader(3, 8, 10, withoutA))).as("appended at 10 at the latest").isFalse();
        assertThat(watch.committed(leader(3, 9, 14, withoutA))).isFalse();
        assertThat(watch.committed(leader(3, 10, 14, withoutA))).isTrue();
        assertThat(watch.committed(leader(4, 12, 16, withoutA)))
                .as("a new term: its log may have been cut and refilled").isFalse();
        assertThat(watch.committed(leader(4, 16, 18, withoutA))).isTrue();
        assertThat(watch.committed(leader(4, 17, 19, voters("b", "c", "d", "e")))).as("another configuration")
                .isFalse();
        assertThat(watch.committed(leader(4, 19, 19, voters("b", "c", "d", "e")))).isTrue();
    }

    /**
     * One group's members and the map, changed only as the steps and the operator change them. A membership step
     * puts its configuration in force at once, uncommitted; it commits later, or a change of leader loses it (the
     * configuration committed before is in force again). The core refuses a change while another is uncommitted.
     */
    private static final class Model {
        SlotMap map = mapOf("a", "b", "c");
        Set<NodeId> voters = new TreeSet<>(map.replicasOf(GROUP));
        Set<NodeId> learners = new TreeSet<>();
        Set<NodeId> committedVoters = new TreeSet<>(voters);
        Set<NodeId> committedLearners = new TreeSet<>();
        int movesStarted;
        int movesFinished;
        int movesAbandoned;

        ClusterConfiguration configuration() {
            return new ClusterConfiguration(voters, Set.of(), learners);
        }

        boolean committed() {
            return voters.equals(committedVoters) && learners.equals(committedLearners);
        }

        void commit() {
            committedVoters = new TreeSet<>(voters);
            committedLearners = new TreeSet<>(learners);
        }

        void loseUncommitted() {
            voters = new TreeSet<>(committedVoters);
            learners = new TreeSet<>(committedLearners);
        }

        /** Applies {@code step} as the group (or the metadata group) would once it takes it. */
        void apply(Step step) {
            if (!committed() && (step instanceof Step.AddLearner || step instanceof Step.Promote
                    || step instanceof Step.Remove)) {
                return; // refused: one membership change at a time
            }
            switch (step) {
                case Step.AddLearner add -> learners.add(add.move().to());
                case Step.Promote promote -> {
                    learners.remove(promote.move().to());
                    voters.add(promote.move().to());
                }
                case Step.Remove remove -> {
                    voters.remove(remove.node());
                    learners.remove(remove.node());
                }
                case Step.Finish finish -> {
                    assertThat(committedVoters).as("the old node is retired while a committed configuration has it")
                            .doesNotContain(finish.move().from());
                    assertThat(committedLearners).doesNotContain(finish.move().from());
                    map = map.finishReplicaMove(GROUP);
                    movesFinished++;
                }
                case Step.Abandon abandon -> {
                    assertThat(committedVoters).as("the new node is retired while a committed configuration has it")
                            .doesNotContain(abandon.move().to());
                    assertThat(committedLearners).doesNotContain(abandon.move().to());
                    map = map.abandonReplicaMove(GROUP);
                    movesAbandoned++;
                }
                case Step.Wait ignored -> {
                }
            }
        }

        /** Starts a move of a random replica to a random node that may take it, if none is under way. */
        void startMove(Random random) {
            if (map.replicaMoveOf(GROUP).isPresent()) {
                return;
            }
            List<NodeId> replicas = map.replicasOf(GROUP);
            List<NodeId> targets = new ArrayList<>(NODES);
            targets.removeAll(replicas);
            targets.removeAll(map.retiredReplicasOf(GROUP));
            if (!targets.isEmpty()) {
                map = map.startReplicaMove(GROUP, replicas.get(random.nextInt(replicas.size())),
                        targets.get(random.nextInt(targets.size())));
                movesStarted++;
            }
        }

        /** Cancels the move under way, if there is one not cancelled yet. */
        void cancelMove() {
            if (map.replicaMoveOf(GROUP).filter(move -> !move.cancelled()).isPresent()) {
                map = map.cancelReplicaMove(GROUP);
            }
        }

        void checkInvariants(String when) {
            List<NodeId> replicas = map.replicasOf(GROUP);
            assertThat(voters).as("%s: voters never fewer than the replicas the map lists", when)
                    .hasSizeGreaterThanOrEqualTo(replicas.size());
            for (NodeId voter : voters) {
                assertThat(map.placesReplicaOn(GROUP, voter)).as("%s: voter %s placed by the map %s", when, voter, map)
                        .isTrue();
            }
            for (NodeId retired : map.retiredReplicasOf(GROUP)) {
                assertThat(voters).as("%s: a retired node votes", when).doesNotContain(retired);
                assertThat(learners).as("%s: a retired node learns", when).doesNotContain(retired);
                assertThat(committedVoters).as("%s: a retired node votes once a leader is lost", when)
                        .doesNotContain(retired);
            }
            assertThat(voters).as("%s: every replica the map lists votes, but the one leaving", when)
                    .containsAll(replicas.stream().filter(node -> map.replicaMoveOf(GROUP)
                            .map(move -> !move.from().equals(node)).orElse(true)).toList());
        }
    }

    /**
     * Random runs: each round the operator may start a move or cancel the one under way, and the group's leader takes
     * the next step; a step may fail (nothing happens), or end with its outcome unknown (it happened or not); the new
     * node may not answer for a while. The invariants hold after every round, and once the operator stops and nothing
     * fails, every move finishes or is abandoned with the group's voters exactly the replicas the map lists.
     */
    @Property(tries = 300)
    void theGroupNeverHasFewerVotersThanItsReplicasAndEveryMoveEnds(@ForAll long seed,
                                                                      @ForAll @IntRange(min = 1, max = 200) int rounds) {
        Random random = new Random(seed);
        Model model = new Model();
        for (int round = 0; round < rounds; round++) {
            if (random.nextInt(4) == 0) {
                model.startMove(random);
            }
            if (random.nextInt(12) == 0) {
                model.cancelMove();
            }
            boolean answering = random.nextInt(3) != 0;
            Step step = ReplicaMover.nextStep(model.map, GROUP, model.configuration(), model.committed(),
                    node -> answering);
            int fate = random.nextInt(6);
            if (fate > 0 && !(fate == 1 && random.nextBoolean())) { // fails before it is proposed, or is lost
                model.apply(step);
            }
            int commitment = random.nextInt(8);
            if (commitment < 5) {
                model.commit();
            } else if (commitment == 5) {
                model.loseUncommitted(); // a new leader without the last entry
            }
            model.checkInvariants("seed " + seed + ", round " + round + " after " + step);
        }
        for (int round = 0; round < 10 && model.map.replicaMoveOf(GROUP).isPresent() || !model.learners.isEmpty();
             round++) {
            model.apply(ReplicaMover.nextStep(model.map, GROUP, model.configuration(), model.committed(),
                    node -> true));
            model.commit();
            model.checkInvariants("seed " + seed + ", settling");
        }
        assertThat(model.map.replicaMoves()).as("seed %d: moves left", seed).isEmpty();
        assertThat(model.voters).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(model.map.replicasOf(GROUP));
        assertThat(model.learners).as("seed %d", seed).isEmpty();
        assertThat(model.movesFinished + model.movesAbandoned).isLessThanOrEqualTo(model.movesStarted);
    }
}
