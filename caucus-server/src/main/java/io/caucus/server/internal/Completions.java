package io.caucus.server.internal;

import io.caucus.server.CaucusException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The completion worker (in production the thread {@code caucus-complete-<id>}): completes the futures of
 * requests that failed (rejected, timed out, leadership lost) so that client callbacks never run on the node
 * thread, and never wait behind a slow state machine on the applier either (a timeout must fire even while the
 * state machine is stuck). When the worker cannot queue a task (full, or after close) the caller completes the
 * futures itself: never lost or blocked.
 */
final class Completions implements AutoCloseable {

    private final Worker worker;

    Completions(Worker worker) {
        this.worker = worker;
    }

    /** Completes each future exceptionally with a fresh exception from {@code error}, on the completion worker. */
    void fail(List<CompletableFuture<byte[]>> futures, Supplier<CaucusException> error) {
        if (futures.isEmpty()) {
            return;
        }
        worker.execute(() -> futures.forEach(future -> future.completeExceptionally(error.get())));
    }

    /** Runs {@code task} (which completes futures) on the completion worker. */
    void run(Runnable task) {
        worker.execute(task);
    }

    /** Completes what is queued, waiting a bounded time. */
    @Override
    public void close() {
        worker.shutdown();
        if (worker.inWorker()) {
            return; // close() called from a client callback on the worker: the queue drains once it returns
        }
        try {
            worker.awaitTermination(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
