package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * A leader's answer to a {@link ReadIndexRequest} (thesis §6.4.1).
 *
 * @param confirmed true if a quorum acknowledged this leader after the request arrived; false if it cannot
 *                  confirm one (it is not, or no longer, the leader)
 * @param readIndex when confirmed: the index the follower must have applied before it serves the read; 0 otherwise
 */
public record ReadIndexResponse(NodeId from, NodeId to, long term, long requestId, boolean confirmed,
                                long readIndex) implements RaftMessage {
}
