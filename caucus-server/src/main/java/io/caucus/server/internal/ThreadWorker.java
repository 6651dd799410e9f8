package io.caucus.server.internal;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The production {@link Worker}: one daemon thread, a bounded queue, and the caller runs what does not fit. */
final class ThreadWorker implements Worker {

    private static final int QUEUE_CAPACITY = 4096;

    private final ThreadPoolExecutor executor;
    private volatile Thread thread;

    ThreadWorker(String name) {
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE_CAPACITY),
                runnable -> thread = Thread.ofPlatform().daemon().name(name).unstarted(runnable),
                (task, pool) -> task.run());
    }

    @Override
    public void execute(Runnable task) {
        executor.execute(task);
    }

    @Override
    public boolean inWorker() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void shutdown() {
        executor.shutdown();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
