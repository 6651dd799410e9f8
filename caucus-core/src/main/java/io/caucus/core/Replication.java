package io.caucus.core;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.RaftMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Log replication, both sides (Raft paper §5.3): the follower's consistency check, conflict truncation and
 * commit rule; the leader's sends within each follower's {@link Progress} window, its backtracking after a
 * refusal, its heartbeats (with thesis §6.2's CheckQuorum), and what the leader learns from the answers. What
 * is committed by counting replicas is {@link Commitment}'s (§5.4.2).
 */
final class Replication {

    private final RaftNode node;
    private final RaftLog log;

    Replication(RaftNode node) {
        this.node = node;
        this.log = node.log;
    }

    // ---------------------------------------------------------------- follower side

    void handleAppendEntries(AppendEntries append) {
        node.followLeader(append.from());
        if (append.prevLogIndex() < log.committed()) {
            // Everything up to our commit index already agrees with every leader (§5.4): say where we are.
            node.sendWhenDurable(AppendEntriesResponse.accepted(node.id, append.from(), node.term, log.committed()));
            return;
        }
        if (!log.matchesTerm(append.prevLogIndex(), append.prevLogTerm())) {
            node.send(rejection(append));
            return;
        }
        appendNewEntries(append.entries());
        long lastNewIndex = append.lastIndex();
        // §5.3: commit up to the leader's commit index, but no further than what this message proved we hold.
        log.commitTo(Math.min(append.leaderCommit(), lastNewIndex));
        node.sendWhenDurable(AppendEntriesResponse.accepted(node.id, append.from(), node.term, lastNewIndex));
    }

    /** Appends the entries we lack, truncating from the first one that conflicts with ours (§5.3 step 3). */
    private void appendNewEntries(List<LogEntry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            LogEntry entry = entries.get(i);
            if (!log.matchesTerm(entry.index(), entry.term())) {
                node.membership.appendToLog(entries.subList(i, entries.size()));
                return;
            }
        }
    }

    /** A refusal with a hint that lets the leader skip a whole term of entries per round trip (§5.3, end). */
    private AppendEntriesResponse rejection(AppendEntries append) {
        long prevIndex = append.prevLogIndex();
        if (prevIndex > log.lastIndex()) {
            return AppendEntriesResponse.rejected(node.id, append.from(), node.term, prevIndex, 0,
                    log.lastIndex() + 1);
        }
        long conflictTerm = log.term(prevIndex);
        long conflictIndex = log.firstIndexOfTermAt(prevIndex, log.committed() + 1);
        return AppendEntriesResponse.rejected(node.id, append.from(), node.term, prevIndex, conflictTerm,
                conflictIndex);
    }

    void handleHeartbeat(Heartbeat heartbeat) {
        node.followLeader(heartbeat.from());
        // The leader caps the commit index at what it knows we hold, so it is safe to adopt.
        log.commitTo(Math.min(heartbeat.commitIndex(), log.lastIndex()));
        if (heartbeat.quiesce()) {
            if (node.quiescence.followerAgrees(heartbeat)) {
                return; // no answer: an answer would wake the leader
            }
            // A quiesced follower that no longer matches wakes, and its answer wakes the leader.
            node.quiescence.wake();
        }
        node.send(new HeartbeatResponse(node.id, heartbeat.from(), node.term, heartbeat.readRound()));
    }

    // ---------------------------------------------------------------- leader side

    /** The leader's clock: CheckQuorum every election timeout, a heartbeat every interval. */
    void tick() {
        node.membership.tickTransfer();
        if (node.electionElapsedTicks >= node.options.electionTimeoutTicks()) {
            node.electionElapsedTicks = 0;
            if (!hasQuorumOfActiveFollowers()) {
                // CheckQuorum (thesis §6.2): a leader cut off from a majority steps down rather than linger.
                node.becomeFollower(node.term, null);
                return;
            }
        }
        for (Progress progress : node.followers.values()) {
            // A snapshot transfer lost without a failure report is given up after an election timeout (§7).
            progress.snapshotStalled(node.options.electionTimeoutTicks());
        }
        if (++node.heartbeatElapsedTicks >= node.options.heartbeatIntervalTicks()) {
            node.heartbeatElapsedTicks = 0;
            for (Progress progress : node.followers.values()) {
                progress.heartbeatIntervalElapsed(log.lastIndex());
            }
            broadcastHeartbeat();
            node.membership.maybeSendTimeoutNow();
        }
    }

    /** Sends every follower what it lacks, after the leader appended to its log. */
    void sendAppendToAll() {
        for (Map.Entry<NodeId, Progress> follower : node.followers.entrySet()) {
            sendAppend(follower.getKey(), follower.getValue());
        }
    }

    /** Sends the follower what it lacks, as far as its progress state and window allow. */
    private void sendAppend(NodeId to, Progress progress) {
        if (progress.state() == Progress.State.SNAPSHOT) {
            return; // nothing else goes to a follower until its snapshot is answered or given up (§7)
        }
        do {
            if (progress.nextIndex() < log.firstIndex()) {
                node.snapshots.send(to, progress);
                return;
            }
            long prevIndex = progress.nextIndex() - 1;
            List<LogEntry> entries = progress.nextIndex() <= log.lastIndex()
                    ? log.entries(progress.nextIndex(), log.lastIndex() + 1, node.options.maxBatchBytes())
                    : List.of();
            node.send(new AppendEntries(node.id, to, node.term, prevIndex, log.term(prevIndex), entries,
                    log.committed()));
            // §5.3: the follower commits no further than the last entry this message proves it holds.
            progress.sentCommit(Math.min(log.committed(), prevIndex + entries.size()));
            if (entries.isEmpty()) {
                progress.sentProbe();
                return;
            }
            long bytes = 0;
            for (LogEntry entry : entries) {
                bytes += entry.sizeBytes();
            }
            progress.sentEntries(entries.get(entries.size() - 1).index(), bytes);
        } while (!progress.isPaused() && progress.nextIndex() <= log.lastIndex());
    }

    void sendAppendIfUnpaused(NodeId to, Progress progress) {
        if (!progress.isPaused() && progress.nextIndex() <= log.lastIndex()) {
            sendAppend(to, progress);
        }
    }

    /**
     * The progress of the follower that sent an answer to this leader, marked active for CheckQuorum; null if
     * this node no longer leads or the sender is not a member it replicates to.
     */
    Progress answeringFollower(RaftMessage response) {
        Progress progress = node.role == Role.LEADER ? node.followers.get(response.from()) : null;
        if (progress != null) {
            progress.markActive();
        }
        return progress;
    }

    void handleAppendEntriesResponse(AppendEntriesResponse response) {
        Progress progress = answeringFollower(response);
        if (progress == null) {
            return;
        }
        if (response.success()) {
            Invariants.check(response.matchIndex() <= log.lastIndex(),
                    response.from() + " acknowledged " + response.matchIndex() + " beyond our last index");
            if (progress.acknowledge(response.matchIndex())) {
                node.commitment.maybeCommit();
                if (node.role != Role.LEADER) {
                    return; // the commit took effect as a C_new without us: we stepped down (§6)
                }
            }
            node.membership.followerAcknowledged(response.from());
            sendAppendIfUnpaused(response.from(), progress);
        } else if (progress.rejected(response.rejectedIndex(), nextIndexAfterRejection(response))) {
            sendAppend(response.from(), progress);
        }
    }

    /**
     * Where to probe next after a rejection. If we hold entries of the follower's conflicting term, the logs
     * may agree up to our last entry of that term; otherwise the follower's whole run of that term is suspect.
     */
    private long nextIndexAfterRejection(AppendEntriesResponse response) {
        if (response.conflictTerm() == 0) {
            return response.conflictIndex();
        }
        long ourLast = log.lastIndexOfTerm(response.conflictTerm(), response.rejectedIndex());
        return ourLast > 0 ? ourLast + 1 : response.conflictIndex();
    }

    void handleHeartbeatResponse(HeartbeatResponse response) {
        Progress progress = answeringFollower(response);
        if (progress == null) {
            return;
        }
        node.reads.heartbeatAnswered(response);
        // A follower behind us that made no progress for a heartbeat interval may have lost a message: retry.
        if (progress.heardHeartbeatResponse(log.lastIndex())) {
            sendAppend(response.from(), progress);
        }
    }

    /** Heartbeats carry the commit index capped at what each follower holds, and the latest read round. */
    void broadcastHeartbeat() {
        for (Map.Entry<NodeId, Progress> follower : node.followers.entrySet()) {
            long commit = Math.min(follower.getValue().matchIndex(), log.committed());
            node.send(new Heartbeat(node.id, follower.getKey(), node.term, commit, node.reads.latestRound()));
            follower.getValue().sentCommit(commit);
        }
    }

    private boolean hasQuorumOfActiveFollowers() {
        Set<NodeId> active = new HashSet<>();
        active.add(node.id);
        for (Map.Entry<NodeId, Progress> follower : node.followers.entrySet()) {
            if (follower.getValue().recentlyActive()) {
                active.add(follower.getKey());
            }
            follower.getValue().resetActive();
        }
        return node.configuration.hasQuorum(active);
    }
}
