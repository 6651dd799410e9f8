package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The parts of the membership fault that need no processes: parsing /members, when a run is restored, drawing. */
class MembershipOperatorTest {

    private static MembershipOperator.Membership parse(String json) {
        return MembershipOperator.parse(ChaosCluster.parseJson(json).orElseThrow()).orElseThrow();
    }

    @Test
    void parsesTheMembersAnswer() {
        MembershipOperator.Membership membership = parse("""
                {"reportedBy":"n2","leader":"n1","term":7,"joint":false,"voters":["n1","n2"],"outgoingVoters":[],\
                "learners":["n3"],"members":[]}""");
        assertThat(membership.leader()).isEqualTo("n1");
        assertThat(membership.term()).isEqualTo(7);
        assertThat(membership.isMember("n3")).isTrue();
        assertThat(membership.isMember("n4")).isFalse();
        assertThat(membership.allVoters(List.of("n1", "n2", "n3"))).as("n3 is only a learner").isFalse();
        assertThat(parse("""
                {"leader":null,"term":0,"joint":false,"voters":[],"learners":[]}""").leader()).isNull();
    }

    @Test
    void restoredMeansEveryNodeAVoterOutsideAJointConfiguration() {
        assertThat(new MembershipOperator.Membership("n1", 3, false, List.of("n3", "n1", "n2"), List.of())
                .allVoters(List.of("n1", "n2", "n3"))).isTrue();
        assertThat(new MembershipOperator.Membership("n1", 3, true, List.of("n1", "n2", "n3"), List.of())
                .allVoters(List.of("n1", "n2", "n3"))).as("joint").isFalse();
        assertThat(new MembershipOperator.Membership("n1", 3, false, List.of("n1", "n2"), List.of())
                .allVoters(List.of("n1", "n2", "n3"))).as("n3 missing").isFalse();
    }

    @Test
    void theSeedDrawsTheSameMembershipFaultsEveryTimeWithAndWithoutAPartition() {
        List<Fault> first = draws(42);
        assertThat(draws(42)).isEqualTo(first);
        List<Fault.Membership> changes = first.stream().map(Fault.Membership.class::cast).toList();
        assertThat(changes).extracting(Fault.Membership::action).containsAll(Set.of(
                Fault.Membership.Action.values()));
        assertThat(changes).anyMatch(change -> change.partition() == null)
                .anyMatch(change -> change.partition() != null);
        assertThat(changes).as("ring needs 5 nodes")
                .noneMatch(change -> change.partition() == PartitionShape.RING);
    }

    private static List<Fault> draws(long seed) {
        Random random = new Random(seed);
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            faults.add(Fault.draw(random, Set.of(FaultKind.MEMBERSHIP), 3));
        }
        return faults;
    }
}
