package io.caucus.core;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One change of membership, proposed with {@link RaftNode#proposeConfigurationChange}. Changes to the voter
 * set go by joint consensus (Raft paper §6); changes to learners alone are a single configuration entry.
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
     * {@code address} (may be null) is where it can be reached; the configuration carries it to every member.
     */
    record AddLearner(NodeId node, String address) implements ConfigurationChange {
        public AddLearner {
            Objects.requireNonNull(node, "node");
        }

        public AddLearner(NodeId node) {
            this(node, null);
        }

        @Override
        public ClusterConfiguration applyTo(ClusterConfiguration current) {
            ClusterConfiguration added = new ClusterConfiguration(current.voters(), Set.of(),
                    plus(current.learners(), node), current.addresses());
            return address == null ? added : added.withAddress(node, address);
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
