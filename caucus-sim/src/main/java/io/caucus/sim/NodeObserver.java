package io.caucus.sim;

import io.caucus.core.LogEntry;
import io.caucus.core.ReadResult;

/** What clients of the simulated cluster learn from the nodes: applications, read outcomes and crashes. */
public interface NodeObserver {

    /** {@code node} applied {@code entry}; {@code result} is the state machine's answer (CAS outcome). */
    default void onApplied(SimNode node, LogEntry entry, String result) {
    }

    /** {@code node} answered a {@link io.caucus.core.RaftNode#readIndex(long)} request. */
    default void onRead(SimNode node, ReadResult read) {
    }

    /** {@code node} crashed: everything pending on it is lost. */
    default void onCrashed(SimNode node) {
    }
}
