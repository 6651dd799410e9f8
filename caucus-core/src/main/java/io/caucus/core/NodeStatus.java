package io.caucus.core;

import java.util.Map;

/**
 * A snapshot of a node's state for operators and tests.
 *
 * @param leader    the leader this node knows of in its current term, or {@code null}
 * @param followers the leader's view of each other member's replication; empty unless this node leads
 */
public record NodeStatus(NodeId id, Role role, long term, NodeId leader, long commitIndex, long appliedIndex,
                         long lastIndex, ClusterConfiguration configuration, Map<NodeId, FollowerStatus> followers) {

    /** The leader's view of one follower. */
    public record FollowerStatus(long matchIndex, long nextIndex, String state, boolean recentlyActive) {
    }
}
