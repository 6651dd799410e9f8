package io.caucus.core;

/**
 * The leader's rules for a proposed {@link ConfigurationChange}: whether it may start, and the configuration
 * entry that starts it. Pure functions of the configuration in force, for {@link RaftNode}.
 */
final class ConfigurationChanges {

    private ConfigurationChanges() {
    }

    /**
     * Why {@code change} cannot apply to {@code current}, or null if it can.
     *
     * @param learnerMatchIndex the match index of the node to promote, as the leader knows it
     * @param leaderLastIndex   the leader's last index, which a promoted learner must be close to
     */
    static ProposeResult.Reason refusal(ConfigurationChange change, ClusterConfiguration current,
                                        long learnerMatchIndex, long leaderLastIndex, long maxLearnerLagEntries) {
        NodeId node = change.node();
        return switch (change) {
            case ConfigurationChange.AddLearner add ->
                    current.isMember(node) ? ProposeResult.Reason.ALREADY_MEMBER : null;
            case ConfigurationChange.PromoteLearner promote -> {
                if (current.isVoter(node)) {
                    yield ProposeResult.Reason.ALREADY_MEMBER;
                }
                if (!current.learners().contains(node)) {
                    yield ProposeResult.Reason.UNKNOWN_MEMBER;
                }
                // Thesis §4.2.1: a new voter far behind would stall commitment while it catches up.
                yield leaderLastIndex - learnerMatchIndex > maxLearnerLagEntries
                        ? ProposeResult.Reason.LEARNER_BEHIND : null;
            }
            // The voter sets stay as they are, so no quorum changes: one entry, refused only for a non-member.
            case ConfigurationChange.ChangeAddresses move ->
                    current.isMember(node) ? null : ProposeResult.Reason.UNKNOWN_MEMBER;
            case ConfigurationChange.RemoveMember remove -> {
                if (!current.isMember(node)) {
                    yield ProposeResult.Reason.UNKNOWN_MEMBER;
                }
                yield current.voters().equals(java.util.Set.of(node)) ? ProposeResult.Reason.LAST_VOTER : null;
            }
        };
    }

    /**
     * The first configuration entry's configuration for {@code change}: the target itself when the voters stay
     * (learners or addresses change), else the joint configuration C_old,new (Raft paper §6), whose incoming half is the target's voters.
     */
    static ClusterConfiguration firstStep(ConfigurationChange change, ClusterConfiguration current) {
        ClusterConfiguration target = change.applyTo(current);
        if (target.voters().equals(current.voters())) {
            return target;
        }
        return new ClusterConfiguration(target.voters(), current.voters(), target.learners(), target.addresses());
    }

    /** C_new, which the leader appends by itself once C_old,new is committed (§6). */
    static ClusterConfiguration leaveJoint(ClusterConfiguration joint) {
        Invariants.check(joint.isJoint(), "leaving a joint configuration that is not joint: " + joint);
        return new ClusterConfiguration(joint.voters(), java.util.Set.of(), joint.learners(), joint.addresses());
    }

    static LogEntry entry(long term, long index, ClusterConfiguration configuration) {
        return new LogEntry(term, index, EntryType.CONFIGURATION, ConfigurationCodec.encode(configuration));
    }
}
