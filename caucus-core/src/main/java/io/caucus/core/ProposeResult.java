package io.caucus.core;

/** What became of a proposal handed to {@link RaftNode#propose}. */
public sealed interface ProposeResult {

    /**
     * Appended to the leader's log. The commands got indexes {@code firstIndex, firstIndex + 1, ...} in
     * {@code term}; a command has taken effect once the entry at its index is applied with this term. If a
     * different term's entry is applied at that index, the command was lost (not applied).
     *
     * <p>For {@link RaftNode#proposeConfigurationChange} {@code firstIndex} is the index of the first
     * configuration entry (C_old,new for a change of voters); for {@link RaftNode#transferLeadership} it is the
     * leader's last index when the transfer started.
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
        TOO_MANY_UNCOMMITTED,
        /**
         * A configuration change is not finished (an uncommitted configuration entry, a joint configuration,
         * or a new leader that has not yet committed an entry of its term); retry once it is (Raft paper §6).
         */
        CHANGE_IN_PROGRESS,
        /** The node named is not a member (for a promotion: not a learner; for a transfer: not a voter). */
        UNKNOWN_MEMBER,
        /** The node named is already a member (for a promotion: already a voter). */
        ALREADY_MEMBER,
        /**
         * The learner to promote is more than {@link RaftOptions#maxLearnerLagEntries()} behind the leader's
         * last index; retry once it has caught up.
         */
        LEARNER_BEHIND,
        /** The change would remove the last voter, leaving a cluster that can never decide anything. */
        LAST_VOTER
    }
}
