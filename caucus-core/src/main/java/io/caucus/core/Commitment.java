package io.caucus.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's side of commitment: proposals appended to its log (with back-pressure on what is not yet
 * committed), and the commit index advanced once a quorum holds an entry of the current term (Raft paper §5.3,
 * §5.4.2 and Figure 8), counting this leader only for what it has made durable. A commit may finish a
 * configuration change, which {@link Membership} then follows up (§6).
 */
final class Commitment {

    private final RaftNode node;
    private final RaftLog log;
    /** (index, bytes) of this leader's entries not yet committed, for back-pressure on proposals. */
    private final ArrayDeque<long[]> uncommittedEntries = new ArrayDeque<>();
    private long uncommittedBytes;

    Commitment(RaftNode node) {
        this.node = node;
        this.log = node.log;
    }

    /** See {@link RaftNode#propose(List)}. */
    ProposeResult propose(List<byte[]> commands) {
        if (node.role != Role.LEADER) {
            return new ProposeResult.Rejected(ProposeResult.Reason.NOT_LEADER, node.leader);
        }
        if (node.membership.transferring()) {
            return new ProposeResult.Rejected(ProposeResult.Reason.TRANSFERRING_LEADERSHIP, node.id);
        }
        long bytes = 0;
        for (byte[] command : commands) {
            bytes += command.length + LogEntry.OVERHEAD_BYTES;
        }
        if (uncommittedBytes > 0 && uncommittedBytes + bytes > node.options.maxUncommittedBytes()) {
            return new ProposeResult.Rejected(ProposeResult.Reason.TOO_MANY_UNCOMMITTED, node.id);
        }
        long firstIndex = log.lastIndex() + 1;
        List<LogEntry> entries = new ArrayList<>(commands.size());
        for (byte[] command : commands) {
            entries.add(LogEntry.command(node.term, firstIndex + entries.size(), command));
        }
        appendAsLeader(entries);
        return new ProposeResult.Accepted(node.term, firstIndex);
    }

    /** Appends to the leader's log, sends the new entries to every follower, and commits what it can. */
    void appendAsLeader(List<LogEntry> entries) {
        node.membership.appendToLog(entries);
        for (LogEntry entry : entries) {
            uncommittedEntries.addLast(new long[] {entry.index(), entry.sizeBytes()});
            uncommittedBytes += entry.sizeBytes();
        }
        node.replication.sendAppendToAll();
        maybeCommit();
    }

    /**
     * Advances the commit index to the highest index held by a quorum, counting this leader only for what it
     * has made durable. Only an entry of the current term is committed by counting replicas (§5.4.2, Figure 8);
     * earlier entries commit with it.
     */
    void maybeCommit() {
        long quorumIndex = node.configuration.quorumIndex(
                member -> member.equals(node.id) ? log.durableLastIndex() : matchIndexOf(member));
        if (quorumIndex > log.committed() && log.term(quorumIndex) == node.term && log.commitTo(quorumIndex)) {
            releaseCommittedProposals();
            node.membership.configurationCommitted();
        }
    }

    /** What the leader knows {@code member} holds (0 for a member it does not replicate to). */
    long matchIndexOf(NodeId member) {
        Progress progress = node.followers.get(member);
        return progress == null ? 0 : progress.matchIndex();
    }

    private void releaseCommittedProposals() {
        while (!uncommittedEntries.isEmpty() && uncommittedEntries.peekFirst()[0] <= log.committed()) {
            uncommittedBytes -= uncommittedEntries.pollFirst()[1];
        }
    }

    /** Leadership is lost: nothing of this leader's is waiting to commit any more. */
    void leadershipLost() {
        uncommittedEntries.clear();
        uncommittedBytes = 0;
    }
}
