package io.caucus.sim;

import io.caucus.core.LogEntry;
import io.caucus.core.SnapshotMetadata;
import io.caucus.kv.command.Reply;
import io.caucus.sim.kv.KvSnapshot;

/** What clients of the simulated cluster learn from the nodes: applications, restores and crashes. */
public interface NodeObserver {

    /** {@code node} applied {@code entry}; {@code reply} is the state machine's ({@code null} for no command). */
    default void onApplied(SimNode node, LogEntry entry, Reply reply) {
    }

    /**
     * {@code node}'s state machine was loaded from a snapshot at the core's request: the entries up to its index
     * will not be applied there one by one.
     */
    default void onRestored(SimNode node, SnapshotMetadata snapshot, KvSnapshot state) {
    }

    /** {@code node} crashed: everything pending on it is lost. */
    default void onCrashed(SimNode node) {
    }
}
