package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class QuorumProperties {

    private static Set<NodeId> voters(int size) {
        Set<NodeId> voters = new HashSet<>();
        for (int i = 0; i < size; i++) {
            voters.add(NodeId.of("n" + i));
        }
        return voters;
    }

    @Property
    void anyTwoMajoritiesOverlap(@ForAll @IntRange(min = 1, max = 9) int size,
                                 @ForAll @Size(max = 9) List<@IntRange(min = 0, max = 8) Integer> a,
                                 @ForAll @Size(max = 9) List<@IntRange(min = 0, max = 8) Integer> b) {
        Set<NodeId> voters = voters(size);
        Set<NodeId> first = pick(a, size);
        Set<NodeId> second = pick(b, size);
        if (Quorum.isMajority(voters, first) && Quorum.isMajority(voters, second)) {
            Set<NodeId> both = new HashSet<>(first);
            both.retainAll(second);
            assertThat(both).isNotEmpty();
        }
    }

    @Property
    void majorityIndexIsTheHighestIndexAMajorityHasReached(
            @ForAll("matchIndexes") List<Long> matches) {
        Set<NodeId> voters = voters(matches.size());
        Map<NodeId, Long> byNode = new HashMap<>();
        int i = 0;
        for (NodeId voter : voters) {
            byNode.put(voter, matches.get(i++));
        }
        long index = Quorum.majorityIndex(voters, byNode::get);
        assertThat(countAtLeast(byNode, index)).isGreaterThanOrEqualTo(Quorum.majority(voters.size()));
        assertThat(countAtLeast(byNode, index + 1)).isLessThan(Quorum.majority(voters.size()));
    }

    @Property
    void lostMeansNoMajorityRemainsPossible(@ForAll @IntRange(min = 1, max = 9) int size,
                                            @ForAll @Size(max = 9) List<@IntRange(min = 0, max = 8) Integer> refused) {
        Set<NodeId> voters = voters(size);
        Set<NodeId> refusers = pick(refused, size);
        Set<NodeId> everyoneElse = new HashSet<>(voters);
        everyoneElse.removeAll(refusers);
        assertThat(Quorum.isLost(voters, refusers)).isEqualTo(!Quorum.isMajority(voters, everyoneElse));
    }

    @Property
    void jointConfigurationNeedsBothMajorities(@ForAll @Size(max = 6) List<@IntRange(min = 0, max = 5) Integer> granted) {
        ClusterConfiguration joint = new ClusterConfiguration(
                Set.of(NodeId.of("n0"), NodeId.of("n1"), NodeId.of("n2")),
                Set.of(NodeId.of("n3"), NodeId.of("n4"), NodeId.of("n5")), Set.of());
        Set<NodeId> votes = pick(granted, 6);
        boolean incoming = Quorum.isMajority(joint.voters(), votes);
        boolean outgoing = Quorum.isMajority(joint.outgoingVoters(), votes);
        assertThat(joint.hasQuorum(votes)).isEqualTo(incoming && outgoing);
    }

    @Property
    void configurationSurvivesItsByteForm(@ForAll @Size(min = 1, max = 5) Set<@IntRange(min = 0, max = 20) Integer> voters,
                                          @ForAll @Size(max = 5) Set<@IntRange(min = 21, max = 40) Integer> learners) {
        ClusterConfiguration configuration = new ClusterConfiguration(ids(voters), Set.of(), ids(learners));
        assertThat(ConfigurationCodec.decode(ConfigurationCodec.encode(configuration))).isEqualTo(configuration);
    }

    @Provide
    Arbitrary<List<Long>> matchIndexes() {
        return Arbitraries.longs().between(0, 20).list().ofMinSize(1).ofMaxSize(9);
    }

    private static long countAtLeast(Map<NodeId, Long> byNode, long index) {
        return byNode.values().stream().filter(match -> match >= index).count();
    }

    private static Set<NodeId> pick(List<Integer> picks, int size) {
        Set<NodeId> picked = new HashSet<>();
        for (int pick : picks) {
            if (pick < size) {
                picked.add(NodeId.of("n" + pick));
            }
        }
        return picked;
    }

    private static Set<NodeId> ids(Set<Integer> numbers) {
        Set<NodeId> ids = new HashSet<>();
        for (int n : numbers) {
            ids.add(NodeId.of("n" + n));
        }
        return ids;
    }
}
