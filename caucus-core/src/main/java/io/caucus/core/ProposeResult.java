package io.caucus.core;

/** What became of a proposal handed to {@link RaftNode#propose}. */
public sealed interface ProposeResult {

    /**
     * Appended to the leader's log. The commands got indexes {@code firstIndex, firstIndex + 1, ...} in
     * {@code term}; a command has taken effect once the entry at its index is applied with this term. If a
     * different term's entry is applied at that index, the command was lost (not applied).
     */
    record Accepted(long term, long firstIndex) implements ProposeResult {
    }

    /** Not appended anywhere: the caller may retry, here or at {@code leaderHint}. */
    record Rejected(Reason reason, NodeId leaderHint) implements ProposeResult {
    }

    enum Reason {
        /** This node is not the leader; {@code leaderHint} names the leader if known. */
        NOT_LEADER,
        /** The leader is handing leadership to another node (thesis §3.10). */
        TRANSFERRING_LEADERSHIP,
        /** Too many proposals are waiting to commit; retry after some commit (back-pressure). */
        TOO_MANY_UNCOMMITTED
    }
}
