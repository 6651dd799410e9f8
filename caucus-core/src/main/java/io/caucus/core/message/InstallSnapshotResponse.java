package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * The answer to an {@link InstallSnapshot}, sent once what it reports is durable.
 *
 * @param matchIndex the last index the follower now holds in agreement with the leader: the snapshot's last
 *                   included index if it installed it, else its commit index (it already held more)
 * @param accepted   true if the follower installed the snapshot, false if it already covered it
 */
public record InstallSnapshotResponse(NodeId from, NodeId to, long term, long matchIndex, boolean accepted)
        implements RaftMessage {
}
