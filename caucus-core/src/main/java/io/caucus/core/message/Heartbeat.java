package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * The leader's periodic assertion of authority (Raft paper §5.2), kept apart from AppendEntries so that it
 * never fails a consistency check. It also carries the ReadIndex round it confirms (thesis §6.4).
 *
 * @param commitIndex the leader's commit index, capped at what it knows this follower holds
 * @param readRound   the newest read-confirmation round this heartbeat belongs to (0 for none)
 * @param quiesce     the leader's last heartbeat before it quiesces the group: a follower whose log matches stops
 *                    counting election ticks until something wakes it (see {@code RaftNode.isQuiesced()}); a
 *                    follower that ignores the flag just keeps ticking, which is always safe
 */
public record Heartbeat(NodeId from, NodeId to, long term, long commitIndex, long readRound, boolean quiesce)
        implements RaftMessage {

    /** An ordinary heartbeat, not asking the follower to quiesce. */
    public Heartbeat(NodeId from, NodeId to, long term, long commitIndex, long readRound) {
        this(from, to, term, commitIndex, readRound, false);
    }
}
