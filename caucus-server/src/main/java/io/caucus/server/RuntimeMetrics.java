package io.caucus.server;

import io.caucus.transport.TransportMetrics;

/**
 * Counters of a running node since it started, for monitoring and for seeing how well work is batched: for
 * example commands per log sync, or messages per peer flush. All counts only grow.
 *
 * @param nodeTurns    turns of the node thread (each feeds every input queued since the previous turn to the core)
 * @param proposals    commands this node proposed as leader
 * @param logWrites    persist instructions written to the log (entries and hard state; not yet durable)
 * @param logSyncs     fsyncs of the log, each covering every write before it (group commit)
 * @param applyBatches batches of committed entries handed to the state machine
 * @param transport    the peer transport's counters
 * @param logSyncDurations how long each fsync of the log took (live: it keeps counting after this is read).
 *                     Every write of a turn waits for it, and on the leader so does every commit
 * @param snapshotsTaken     snapshots this node took of its state machine (each then compacts its log)
 * @param snapshotsInstalled snapshots this node installed from a leader (Raft paper §7), replacing its state
 */
public record RuntimeMetrics(long nodeTurns, long proposals, long logWrites, long logSyncs, long applyBatches,
                             TransportMetrics transport, DurationHistogram logSyncDurations, long snapshotsTaken,
                             long snapshotsInstalled) {

    /** Without snapshot counts (a node that has taken and installed none). */
    public RuntimeMetrics(long nodeTurns, long proposals, long logWrites, long logSyncs, long applyBatches,
                          TransportMetrics transport, DurationHistogram logSyncDurations) {
        this(nodeTurns, proposals, logWrites, logSyncs, applyBatches, transport, logSyncDurations, 0, 0);
    }
}
