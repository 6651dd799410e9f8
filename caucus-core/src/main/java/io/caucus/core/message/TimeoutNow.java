package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * A leader handing over leadership tells the target, once its log is up to date, to start an election at
 * once instead of waiting for its election timeout (thesis §3.10). The target campaigns without Pre-Vote and
 * marks its RequestVotes {@link RequestVote#leadershipTransfer()} so that voters set aside leader stickiness.
 *
 * @param term the leader's current term; a TimeoutNow from an older term is ignored
 */
public record TimeoutNow(NodeId from, NodeId to, long term) implements RaftMessage {
}
