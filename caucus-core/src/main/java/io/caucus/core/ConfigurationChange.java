package io.caucus.core;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One change of membership, proposed with {@link RaftNode#proposeConfigurationChange}. Changes to the voter
 * set go by joint consensus (Raft paper §6); changes to learners alone, and changes of a member's addresses,
 * are a single configuration entry.
 */
public sealed interface ConfigurationChange {

    /** The node the change is about. */
    NodeId node();

    /**
     * The simple (non-joint) configuration this change leads to from {@code current}. Validity (is the node a
     * member, a learner, the last voter) is checked by the leader before it calls this.
     */
    ClusterConfiguration applyTo(ClusterConfiguration current);

    /**
     * Adds a node that receives the log but does not vote (thesis §4.2.1: it catches up before voting).
     * {@code addresses} (may be null) is where it can be reached; the configuration carries them to every member.
     */
    record AddLearner(NodeId node, MemberAddresses addresses) implements ConfigurationChange {
        public AddLearner {
            Objects.requireNonNull(node, "node");
        }

        public AddLearner(NodeId node) {
            this(node, null);
        }

        @Override
        public ClusterConfiguration applyTo(ClusterConfiguration current) {
            return new ClusterConfiguration(current.voters(), Set.of(), plus(current.learners(), node),
                    current.addresses()).withAddresses(node, addresses);
        }
    }

    /**
     * Replaces a member's addresses (a node moved to another host), keeping every member and part: one
     * configuration entry, since no quorum changes (Raft paper §6 needs joint consensus only for the voter set).
     */
    record ChangeAddresses(NodeId node, MemberAddresses addresses) implements ConfigurationChange {
        public ChangeAddresses {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(addresses, "addresses");
        }

        @Override
        public ClusterConfiguration applyTo(ClusterConfiguration current) {
            return new ClusterConfiguration(current.voters(), Set.of(), current.learners(), current.addresses())
                    .withAddresses(node, addresses);
        }
    }

    /** Makes a learner a voter, by joint consensus. */
    record PromoteLearner(NodeId node) implements ConfigurationChange {
        public PromoteLearner {
            Objects.requireNonNull(node, "node");
        }

        @Override
        public ClusterConfiguration applyTo(ClusterConfiguration current) {
            return new ClusterConfiguration(plus(current.voters(), node), Set.of(), minus(current.learners(), node),
                    current.addresses());
        }
    }

    /** Removes a voter (by joint consensus) or a learner (in one entry). */
    record RemoveMember(NodeId node) implements ConfigurationChange {
        public RemoveMember {
            Objects.requireNonNull(node, "node");
        }

        @Override
        public ClusterConfiguration applyTo(ClusterConfiguration current) {
            return new ClusterConfiguration(minus(current.voters(), node), Set.of(), minus(current.learners(), node),
                    current.addresses());
        }
    }

    private static Set<NodeId> plus(Set<NodeId> ids, NodeId id) {
        Set<NodeId> out = new TreeSet<>(ids);
        out.add(id);
        return out;
    }

    private static Set<NodeId> minus(Set<NodeId> ids, NodeId id) {
        Set<NodeId> out = new TreeSet<>(ids);
        out.remove(id);
        return out;
    }
}
