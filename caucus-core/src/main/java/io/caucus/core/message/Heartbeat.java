package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * The leader's periodic assertion of authority (Raft paper §5.2), kept apart from AppendEntries so that it
 * never fails a consistency check. It also carries the ReadIndex round it confirms (thesis §6.4).
 *
 * @param commitIndex the leader's commit index, capped at what it knows this follower holds
 * @param readRound   the newest read-confirmation round this heartbeat belongs to (0 for none)
 */
public record Heartbeat(NodeId from, NodeId to, long term, long commitIndex, long readRound)
        implements RaftMessage {
}
