package io.caucus.kv.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.kv.shard.MetadataMembers.Step;
import io.caucus.kv.slots.SlotMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * {@link MetadataMembers#nextStep}: what the metadata leader does to its group's members, step by step, the
 * configuration changed by each step as the core would change it.
 */
class MetadataMembersTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");
    private static final NodeId N4 = NodeId.of("n4");
    private static final NodeId N5 = NodeId.of("n5");
    private static final Predicate<NodeId> EVERYONE_ANSWERS = node -> true;

    private static ClusterConfiguration members(Set<NodeId> voters, Set<NodeId> learners) {
        return new ClusterConfiguration(voters, Set.of(), learners);
    }

    /** {@code members} with {@code step} carried out, as the core's membership changes leave them once committed. */
    private static ClusterConfiguration after(ClusterConfiguration members, Step step) {
        Set<NodeId> voters = new TreeSet<>(members.voters());
        Set<NodeId> learners = new TreeSet<>(members.learners());
        switch (step) {
            case Step.Admit admit -> learners.add(admit.node());
            case Step.Promote promote -> {
                learners.remove(promote.learner());
                voters.add(promote.learner());
            }
            case Step.Remove remove -> {
                voters.remove(remove.node());
                learners.remove(remove.node());
            }
            case Step.Wait ignored -> throw new AssertionError("nothing to carry out");
        }
        return members(voters, learners);
    }

    /** A map with one group on {@code replicas}. */
    private static SlotMap groupOn(NodeId... replicas) {
        return SlotMap.EMPTY.withReplicas(1, List.of(replicas));
    }

    @Test
    void aListedNodeTheGroupLacksJoinsAsALearnerAndNothingElseHappens() {
        ClusterConfiguration members = members(Set.of(N1, N2, N3), Set.of());
        List<NodeId> listed = List.of(N1, N2, N3, N4);

        Step step = MetadataMembers.nextStep(members, groupOn(N1, N2, N3), listed, EVERYONE_ANSWERS);

        assertThat(step).isEqualTo(new Step.Admit(N4));
        assertThat(MetadataMembers.nextStep(after(members, step), groupOn(N1, N2, N3), listed, EVERYONE_ANSWERS))
                .isEqualTo(new Step.Wait());
    }

    @Test
    void aRemovedVoterOfThreeLeavesOnceALearnerTookItsPlaceAndOnlyOneIsPromoted() {
        SlotMap map = groupOn(N1, N2, N4).removeNode(N3);
        List<NodeId> listed = List.of(N1, N2, N3, N4, N5);
        ClusterConfiguration members = members(Set.of(N1, N2, N3), Set.of(N4, N5));

        Step first = MetadataMembers.nextStep(members, map, listed, EVERYONE_ANSWERS);
        assertThat(first).isEqualTo(new Step.Promote(N4, N3));
        members = after(members, first);
        Step second = MetadataMembers.nextStep(members, map, listed, EVERYONE_ANSWERS);
        assertThat(second).as("four voters: n3 leaves, n5 stays a learner").isEqualTo(new Step.Remove(N3));
        members = after(members, second);

        assertThat(members.voters()).containsExactlyInAnyOrder(N1, N2, N4);
        assertThat(members.learners()).containsExactly(N5);
        assertThat(MetadataMembers.nextStep(members, map, listed, EVERYONE_ANSWERS))
                .as("n3, still listed in the file, is never added back").isEqualTo(new Step.Wait());
    }

    @Test
    void aRemovedNodeStaysWhileItHoldsAReplicaOrAReplicaMovesFromIt() {
        List<NodeId> listed = List.of(N1, N2, N3, N4);
        ClusterConfiguration members = members(Set.of(N1, N2, N3), Set.of(N4));
        SlotMap holding = groupOn(N1, N2, N3).removeNode(N3);
        SlotMap moving = holding.startReplicaMove(1, N3, N4);

        assertThat(MetadataMembers.nextStep(members, holding, listed, EVERYONE_ANSWERS)).isEqualTo(new Step.Wait());
        assertThat(MetadataMembers.nextStep(members, moving, listed, EVERYONE_ANSWERS)).isEqualTo(new Step.Wait());
        assertThat(MetadataMembers.nextStep(members, moving.finishReplicaMove(1), listed, EVERYONE_ANSWERS))
                .isEqualTo(new Step.Promote(N4, N3));
    }

    @Test
    void aRemovedVoterLeavesAtOnceWhenTheVotersAreEvenOrNoLearnerAnswers() {
        List<NodeId> listed = List.of(N1, N2, N3, N4, N5);
        SlotMap map = groupOn(N1, N2, N4).removeNode(N3);

        assertThat(MetadataMembers.nextStep(members(Set.of(N1, N2, N3, N4), Set.of(N5)), map, listed,
                EVERYONE_ANSWERS)).as("four voters become three").isEqualTo(new Step.Remove(N3));
        assertThat(MetadataMembers.nextStep(members(Set.of(N1, N2, N3), Set.of(N4, N5)), map, listed,
                node -> false)).as("no learner to promote that answers").isEqualTo(new Step.Remove(N3));
        assertThat(MetadataMembers.nextStep(members(Set.of(N1, N2, N3), Set.of(N4, N5)), map, listed,
                N5::equals)).isEqualTo(new Step.Promote(N5, N3));
        assertThat(MetadataMembers.nextStep(members(Set.of(N1, N2, N3), Set.of()), map, List.of(N1, N2, N3),
                EVERYONE_ANSWERS)).as("no learner at all").isEqualTo(new Step.Remove(N3));
    }

    @Test
    void aRemovedLearnerLeavesAtOnceAndARemovedLearnerIsNeverPromoted() {
        List<NodeId> listed = List.of(N1, N2, N3, N4, N5);
        SlotMap map = groupOn(N1, N2, N3).removeNode(N4).removeNode(N5);
        ClusterConfiguration members = members(Set.of(N1, N2, N3), Set.of(N4, N5));

        assertThat(MetadataMembers.nextStep(members, map, listed, EVERYONE_ANSWERS)).isEqualTo(new Step.Remove(N4));

        SlotMap voterRemoved = groupOn(N1, N2, N5).removeNode(N4).removeNode(N3);
        assertThat(MetadataMembers.nextStep(members(Set.of(N1, N2, N3), Set.of(N4)), voterRemoved, listed,
                EVERYONE_ANSWERS)).as("n4, removed too, does not take n3's place").isEqualTo(new Step.Remove(N3));
    }

    @Test
    void theLastVoterNeverLeavesAndNothingChangesDuringAJointConfiguration() {
        SlotMap map = SlotMap.EMPTY.removeNode(N1);
        assertThat(MetadataMembers.nextStep(members(Set.of(N1), Set.of()), map, List.of(N1), EVERYONE_ANSWERS))
                .isEqualTo(new Step.Wait());

        ClusterConfiguration joint = new ClusterConfiguration(Set.of(N1, N2, N4), Set.of(N1, N2, N3), Set.of());
        assertThat(MetadataMembers.nextStep(joint, groupOn(N1, N2, N4).removeNode(N3), List.of(N1, N2, N3, N4, N5),
                EVERYONE_ANSWERS)).isEqualTo(new Step.Wait());
    }
}
