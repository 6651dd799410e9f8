package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * A candidate asks for a vote (Raft paper §5.2), or a pre-candidate asks whether it could win one
 * (thesis §9.6) without anyone changing term.
 *
 * @param term                the term of the election: for a pre-vote, the sender's term + 1
 * @param lastLogIndex        index of the candidate's last log entry (for the §5.4.1 up-to-date check)
 * @param lastLogTerm         term of the candidate's last log entry
 * @param preVote             true for a pre-vote, which changes no receiver's term or vote
 * @param leadershipTransfer  true when the election was started by TimeoutNow (thesis §3.10): receivers
 *                            then set aside leader stickiness
 */
public record RequestVote(NodeId from, NodeId to, long term, long lastLogIndex, long lastLogTerm,
                          boolean preVote, boolean leadershipTransfer) implements RaftMessage {
}
