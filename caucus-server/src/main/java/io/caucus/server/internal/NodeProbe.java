package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.NodeStatus;
import io.caucus.core.SnapshotMetadata;

/**
 * A read-only view into a running node for a simulator's invariant checks: the core's own state (its term, role,
 * commit and applied indexes, its log and the configuration at an index), every entry the applier applies and
 * every snapshot it restores.
 * Not part of the embedding API, and not thread-safe: read it from the node's executor, or between events of a
 * single-threaded simulation, where no turn or apply runs meanwhile.
 */
public interface NodeProbe {

    /** Told of every entry the applier has applied, in log order, commands and others alike. */
    @FunctionalInterface
    interface AppliedListener {
        /**
         * @param result the state machine's result for a command (the very array that completes its proposal's
         *               future), an empty array for a no-op or configuration entry
         */
        void applied(LogEntry entry, byte[] result);
    }

    /** Told of every snapshot the applier loads into the state machine at the core's request (§7). */
    @FunctionalInterface
    interface RestoredListener {
        void restored(SnapshotMetadata snapshot);
    }

    /** The core's status as of now (not the status published after the last turn). */
    NodeStatus coreStatus();

    /** The core's log: read only. */
    LogView log();

    /** The configuration in force at {@code index} of the core's log (Raft paper §6). */
    ClusterConfiguration configurationAt(long index);

    /** The highest index the applier has applied (the core learns it at its next turn). */
    long appliedIndex();

    /** Replaces the listener told of each applied entry; set it before the node's first turn runs. */
    void onApplied(AppliedListener listener);

    /** Replaces the listener told of each snapshot restored; set it before the node's first turn runs. */
    void onRestored(RestoredListener listener);
}
