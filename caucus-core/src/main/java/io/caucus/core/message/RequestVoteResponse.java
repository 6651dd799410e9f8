package io.caucus.core.message;

import io.caucus.core.NodeId;

/** The answer to a {@link RequestVote}; {@code preVote} echoes the request's. */
public record RequestVoteResponse(NodeId from, NodeId to, long term, boolean granted, boolean preVote)
        implements RaftMessage {
}
