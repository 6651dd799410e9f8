package io.caucus.server.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Where the node takes its turns (see {@link NodeLoop}): one thread at a time runs its tasks, in the order they
 * were queued, and fires its timers. Any thread may queue a task or a timer (the snapshot streams arm their
 * timeouts from their workers). Production uses the peer transport's Netty event loop; a simulator runs the
 * tasks and timers on its own single thread in virtual time, so a seed reproduces a run.
 */
public interface NodeExecutor extends Executor {

    /** A timer that may be cancelled before it fires. */
    interface Timer {
        void cancel();
    }

    /**
     * Queues {@code task}.
     *
     * @throws RejectedExecutionException once the executor has shut down (the node is stopping)
     */
    @Override
    void execute(Runnable task);

    /** Runs {@code task} once, after {@code delayNanos}. */
    Timer schedule(Runnable task, long delayNanos);

    /**
     * Runs {@code task} every {@code delayNanos}, counted from the end of one run to the start of the next. By
     * default each run schedules the next one-shot timer, as a single-threaded virtual-time executor needs (the
     * cancellation flag is not shared across threads); an executor with a native repeating timer uses it instead.
     */
    default Timer scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long delayNanos) {
        boolean[] cancelled = new boolean[1];
        Runnable[] repeat = new Runnable[1];
        repeat[0] = () -> {
            if (!cancelled[0]) {
                task.run();
                schedule(repeat[0], delayNanos);
            }
        };
        schedule(repeat[0], initialDelayNanos);
        return () -> cancelled[0] = true;
    }

    /** True when called from a task or timer of this executor. */
    boolean inExecutor();

    /**
     * What {@code CaucusNode.executor()} hands to the embedding service: this executor, or the event loop it
     * wraps, so that a Netty-based service can recognise the loop and register its channels on it.
     */
    default Executor forEmbedders() {
        return this;
    }
}
