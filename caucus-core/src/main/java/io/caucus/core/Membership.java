package io.caucus.core;

import io.caucus.core.message.TimeoutNow;
import java.util.List;

/**
 * Membership changes and leadership transfer. A configuration takes effect as soon as its entry is in the log,
 * committed or not (Raft paper §6); voter changes go through a joint configuration C_old,new that the leader
 * follows with C_new once committed (§6, thesis §4.3), one change at a time (thesis §4.1); a leader left out of
 * C_new steps down once it commits (thesis §4.2.2). A transfer brings the target up to date, then sends it
 * TimeoutNow (thesis §3.10). The leader replicates to exactly the members of the configuration in force.
 */
final class Membership {

    private final RaftNode node;
    private final RaftLog log;
    /** The leadership hand-over under way (thesis §3.10), or null. */
    private LeadershipTransfer transfer;

    Membership(RaftNode node) {
        this.node = node;
        this.log = node.log;
    }

    /** See {@link RaftNode#proposeConfigurationChange}. */
    ProposeResult proposeChange(ConfigurationChange change) {
        if (node.role != Role.LEADER) {
            return new ProposeResult.Rejected(ProposeResult.Reason.NOT_LEADER, node.leader);
        }
        if (transfer != null) {
            return new ProposeResult.Rejected(ProposeResult.Reason.TRANSFERRING_LEADERSHIP, node.id);
        }
        ClusterConfiguration configuration = node.configuration;
        // §6: one change at a time. A leader that has not committed an entry of its term may not know whether
        // the configuration in its log is committed, so it waits for its no-op (thesis §4.1, last paragraph).
        if (configuration.isJoint() || node.configurations.currentIndex() > log.committed()
                || log.term(log.committed()) != node.term) {
            return new ProposeResult.Rejected(ProposeResult.Reason.CHANGE_IN_PROGRESS, node.id);
        }
        ProposeResult.Reason refusal = ConfigurationChanges.refusal(change, configuration,
                node.commitment.matchIndexOf(change.node()), log.lastIndex(), node.options.maxLearnerLagEntries());
        if (refusal != null) {
            return new ProposeResult.Rejected(refusal, node.id);
        }
        long index = appendConfiguration(ConfigurationChanges.firstStep(change, configuration));
        return new ProposeResult.Accepted(node.term, index);
    }

    /** Appends entries to the log; configuration entries among them take effect at once (§6), and replaced ones revert. */
    void appendToLog(List<LogEntry> entries) {
        log.append(entries);
        node.configurations.appended(entries);
        configurationsChanged();
    }

    /**
     * To be called after every change of the node's configuration history (appends, truncations, compaction, an
     * installed snapshot): the configuration in force and the leader's follower map follow it.
     */
    void configurationsChanged() {
        ClusterConfiguration current = node.configurations.current();
        boolean changed = current != node.configuration; // the history hands out the same instance until it changes
        node.configuration = current;
        if (node.role == Role.LEADER && changed) {
            trackMembers();
        }
    }

    /** Appends a configuration entry as leader; returns its index. */
    private long appendConfiguration(ClusterConfiguration next) {
        Invariants.check(node.configurations.currentIndex() <= log.committed(), "a configuration entry appended "
                + "while the one at " + node.configurations.currentIndex() + " is uncommitted (commit "
                + log.committed() + ")");
        long index = log.lastIndex() + 1;
        node.commitment.appendAsLeader(List.of(ConfigurationChanges.entry(node.term, index, next)));
        return index;
    }

    /** The leader replicates to exactly the members of the configuration in force, itself excepted. */
    void trackMembers() {
        ClusterConfiguration configuration = node.configuration;
        node.followers.keySet().removeIf(member -> !configuration.isMember(member));
        for (NodeId member : configuration.members()) {
            if (!member.equals(node.id) && !node.followers.containsKey(member)) {
                Progress progress = new Progress(log.lastIndex() + 1, node.options.maxInflightMessages(),
                        node.options.maxInflightBytes());
                progress.markActive(); // a newcomer gets one election timeout before CheckQuorum counts it out
                node.followers.put(member, progress);
            }
        }
        if (transfer != null && !configuration.voters().contains(transfer.target())) {
            transfer = null;
        }
    }

    /**
     * The commit index advanced on this leader. Once the configuration in force is committed: a joint one is
     * followed by C_new (§6); a C_new that leaves this leader out makes it step down, having managed the cluster
     * until then without counting itself in C_new's majorities (§6, thesis §4.2.2).
     */
    void configurationCommitted() {
        if (node.role != Role.LEADER || node.configurations.currentIndex() > log.committed()) {
            return;
        }
        if (node.configuration.isJoint()) {
            appendConfiguration(ConfigurationChanges.leaveJoint(node.configuration));
        } else if (!node.configuration.isVoter(node.id)) {
            node.becomeFollower(node.term, null);
        }
    }

    // ---------------------------------------------------------------- leadership transfer (thesis §3.10)

    /** See {@link RaftNode#transferLeadership}. */
    ProposeResult transferLeadership(NodeId target) {
        if (node.role != Role.LEADER) {
            return new ProposeResult.Rejected(ProposeResult.Reason.NOT_LEADER, node.leader);
        }
        if (target.equals(node.id)) {
            return new ProposeResult.Accepted(node.term, log.lastIndex()); // already leading: nothing to hand over
        }
        if (!node.configuration.voters().contains(target)) {
            // Only a voter of the configuration being moved to can win an election and keep leading.
            return new ProposeResult.Rejected(ProposeResult.Reason.UNKNOWN_MEMBER, node.id);
        }
        if (transfer != null) {
            return transfer.target().equals(target) ? new ProposeResult.Accepted(node.term, log.lastIndex())
                    : new ProposeResult.Rejected(ProposeResult.Reason.TRANSFERRING_LEADERSHIP, node.id);
        }
        transfer = new LeadershipTransfer(target);
        Progress progress = node.followers.get(target);
        if (LeadershipTransfer.caughtUp(progress, log.lastIndex())) {
            maybeSendTimeoutNow();
        } else {
            node.replication.sendAppendIfUnpaused(target, progress);
        }
        return new ProposeResult.Accepted(node.term, log.lastIndex());
    }

    /** True while a hand-over is under way: the leader then refuses proposals and changes. */
    boolean transferring() {
        return transfer != null;
    }

    /** Counts a leader's tick: the target did not take over within an election timeout, the transfer ends. */
    void tickTransfer() {
        if (transfer != null && transfer.tickExpired(node.options.electionTimeoutTicks())) {
            transfer = null;
        }
    }

    /** A follower acknowledged entries: if it is the target, it may now be caught up. */
    void followerAcknowledged(NodeId follower) {
        if (transfer != null && transfer.target().equals(follower)) {
            maybeSendTimeoutNow();
        }
    }

    void maybeSendTimeoutNow() {
        Progress progress = transfer == null ? null : node.followers.get(transfer.target());
        if (progress != null && LeadershipTransfer.caughtUp(progress, log.lastIndex())) {
            node.send(new TimeoutNow(node.id, transfer.target(), node.term));
        }
    }

    /** Thesis §3.10: the leader says our log is up to date; campaign now, without Pre-Vote, past stickiness. */
    void handleTimeoutNow(TimeoutNow timeoutNow) {
        if (node.role != Role.LEADER && node.configuration.isVoter(node.id)) {
            node.election.becomeCandidate(true);
        }
    }

    /** Leadership is lost: a hand-over under way ends with it. */
    void leadershipLost() {
        transfer = null;
    }
}
