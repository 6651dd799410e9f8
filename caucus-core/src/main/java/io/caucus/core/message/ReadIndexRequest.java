package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * A follower asks its leader for a read index on behalf of a client's read, so that it can serve the read from
 * its own state machine (thesis §6.4.1): the leader confirms its leadership for the request as for one of its
 * own reads and answers with a {@link ReadIndexResponse}.
 *
 * @param term      the follower's current term; the leader answers only a request of its own term
 * @param requestId the follower's identifier of the read, echoed in the answer
 */
public record ReadIndexRequest(NodeId from, NodeId to, long term, long requestId) implements RaftMessage {
}
