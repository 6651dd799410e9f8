package io.caucus.server.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether a node accepts requests, shared by every thread of the node. It only moves forward:
 * RUNNING to CLOSING (close() called) or FAILED (storage or state machine failure); FAILED keeps its cause.
 */
final class Lifecycle {

    enum State { RUNNING, CLOSING, FAILED }

    private record Snapshot(State state, Throwable cause) {
    }

    private final AtomicReference<Snapshot> current = new AtomicReference<>(new Snapshot(State.RUNNING, null));

    State state() {
        return current.get().state();
    }

    boolean isRunning() {
        return state() == State.RUNNING;
    }

    /** The failure that stopped the node, or null. */
    Throwable failure() {
        return current.get().cause();
    }

    /** Records the first failure; returns true if this call moved the node from RUNNING to FAILED. */
    boolean fail(Throwable cause) {
        Snapshot now = current.get();
        return now.state() == State.RUNNING && current.compareAndSet(now, new Snapshot(State.FAILED, cause));
    }

    /** Returns true if this call moved the node from RUNNING to CLOSING. */
    boolean beginClose() {
        Snapshot now = current.get();
        return now.state() == State.RUNNING && current.compareAndSet(now, new Snapshot(State.CLOSING, null));
    }
}
