package io.caucus.server.internal;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * One of the runtime's workers besides the node's executor: the applier, the completion of failed requests,
 * snapshot taking, snapshot sending and receiving, and the store's log cleanup each run their tasks on one, one
 * task at a time, in the order queued. A task never waits for another thread: what must follow is queued by
 * whoever brings it about (an answer, an acknowledgement, a timer on the node's executor). Production: a daemon
 * thread each ({@link #thread(String)}), so a task may block on the disk or the state machine without holding
 * up the node; a simulator runs them on its own single thread, interleaved deterministically with the nodes'
 * turns.
 *
 * <p>{@link #execute} never blocks and never loses a task: a task that cannot be queued (the queue is full, or
 * the worker has shut down) runs on the caller.
 */
public interface Worker extends Executor {

    /** Creates a worker; {@code name} names its thread, if it has one. */
    @FunctionalInterface
    interface Factory {
        Worker start(String name);
    }

    /** True when called from a task of this worker. */
    boolean inWorker();

    /** Takes no more tasks (later ones run on their caller); those queued still run. Never waits. */
    void shutdown();

    /** Waits up to {@code timeout} for the queued tasks to finish after {@link #shutdown()}; true if they did. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** A worker on a daemon thread of its own, with a bounded queue. */
    static Worker thread(String name) {
        return new ThreadWorker(name);
    }
}
