package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * The answer to an {@link AppendEntries}.
 *
 * <p>On success {@code matchIndex} is the last index the follower now holds in agreement with the leader
 * (and has made durable: the core sends this only after persistence).
 *
 * <p>On rejection the follower gives a hint for fast backtracking (Raft paper §5.3, end): {@code rejectedIndex}
 * is the prevLogIndex it refused; if its log is too short, {@code conflictTerm} is 0 and {@code conflictIndex}
 * is its last index + 1; otherwise {@code conflictTerm} is the term of its entry at rejectedIndex and
 * {@code conflictIndex} is the first index it holds of that term.
 */
public record AppendEntriesResponse(NodeId from, NodeId to, long term, boolean success, long matchIndex,
                                    long rejectedIndex, long conflictTerm, long conflictIndex)
        implements RaftMessage {

    public static AppendEntriesResponse accepted(NodeId from, NodeId to, long term, long matchIndex) {
        return new AppendEntriesResponse(from, to, term, true, matchIndex, 0, 0, 0);
    }

    public static AppendEntriesResponse rejected(NodeId from, NodeId to, long term, long rejectedIndex,
                                                 long conflictTerm, long conflictIndex) {
        return new AppendEntriesResponse(from, to, term, false, 0, rejectedIndex, conflictTerm, conflictIndex);
    }
}
