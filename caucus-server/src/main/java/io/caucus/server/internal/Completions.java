package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.server.CaucusException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The completion thread: completes the futures of requests that failed (rejected, timed out, leadership lost)
 * so that client callbacks never run on the node thread, and never wait behind a slow state machine on the
 * apply thread either (a timeout must fire even while the state machine is stuck).
 */
final class Completions implements AutoCloseable {

    private static final int QUEUE_CAPACITY = 4096;

    private final ThreadPoolExecutor executor;
    private volatile Thread thread;

    Completions(NodeId self) {
        // When the queue is full, or after close, the caller completes the futures itself: never lost or blocked.
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE_CAPACITY), runnable -> thread = Thread.ofPlatform().daemon().name("caucus-complete-" + self).unstarted(runnable),
                (task, pool) -> task.run());
    }

    /** Completes each future exceptionally with a fresh exception from {@code error}, on the completion thread. */
    void fail(List<CompletableFuture<byte[]>> futures, Supplier<CaucusException> error) {
        if (futures.isEmpty()) {
            return;
        }
        Runnable task = () -> futures.forEach(future -> future.completeExceptionally(error.get()));
        executor.execute(task);
    }

    /** Runs {@code task} (which completes futures) on the completion thread. */
    void run(Runnable task) {
        executor.execute(task);
    }

    /** Completes what is queued, waiting a bounded time. */
    @Override
    public void close() {
        executor.shutdown();
        if (Thread.currentThread() == thread) {
            return; // close() called from a client callback on this thread: the queue drains once it returns
        }
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
