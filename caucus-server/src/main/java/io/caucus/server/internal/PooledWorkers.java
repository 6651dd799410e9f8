package io.caucus.server.internal;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Worker}s on a fixed pool of threads shared by a host's groups: each worker still runs its tasks one at a
 * time in the order queued (an actor on the pool), but a host of many groups needs a few threads for their
 * appliers, completions and snapshot streams, not six threads per group. Apart from the thread, a worker behaves
 * as {@link Worker#thread}'s: a bounded queue, and a task that does not fit, or comes after shutdown, runs on its
 * caller.
 */
final class PooledWorkers implements Worker.Factory {

    private static final Logger LOG = LoggerFactory.getLogger(PooledWorkers.class);
    private static final int QUEUE_CAPACITY = 4096;
    /** Tasks one worker runs before letting the pool's other workers have the thread. */
    private static final int TASKS_PER_RUN = 64;
    private static final ThreadLocal<SerialWorker> RUNNING = new ThreadLocal<>();

    private final ExecutorService pool;

    PooledWorkers(int threads, String name) {
        AtomicInteger count = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads,
                runnable -> Thread.ofPlatform().daemon().name(name + "-" + count.getAndIncrement())
                        .unstarted(runnable));
    }

    @Override
    public Worker start(String name) {
        return new SerialWorker(name, null);
    }

    /** Workers of {@code group}: their tasks run with the group in the logging context, as its turns do. */
    Worker.Factory forGroup(long group) {
        String tag = Long.toString(group);
        return name -> new SerialWorker(name, tag);
    }

    /** Stops the pool's threads; every worker must have been shut down and drained first. */
    void shutdown() {
        pool.shutdownNow();
    }

    private final class SerialWorker implements Worker {
        private final String name;
        private final String group;
        private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private volatile boolean shutdown;

        SerialWorker(String name, String group) {
            this.name = name;
            this.group = group;
        }

        @Override
        public void execute(Runnable task) {
            if (shutdown || queued.get() >= QUEUE_CAPACITY) {
                task.run();
                return;
            }
            queued.incrementAndGet();
            queue.add(task);
            schedule();
        }

        private void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                pool.execute(this::drain);
            }
        }

        private void drain() {
            RUNNING.set(this);
            PooledExecutors.putOrRemove(group);
            try {
                for (int run = 0; run < TASKS_PER_RUN; run++) {
                    Runnable task = queue.poll();
                    if (task == null) {
                        break;
                    }
                    queued.decrementAndGet();
                    try {
                        task.run();
                    } catch (RuntimeException | Error e) {
                        LOG.atError().setCause(e).log("worker {}: a task failed: {}", name, e.toString());
                    }
                }
            } finally {
                RUNNING.remove();
                PooledExecutors.putOrRemove(null);
                scheduled.set(false);
                synchronized (this) {
                    notifyAll();
                }
            }
            if (!queue.isEmpty()) {
                schedule();
            }
        }

        @Override
        public boolean inWorker() {
            return RUNNING.get() == this;
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public synchronized boolean awaitTermination(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!queue.isEmpty() || scheduled.get()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }
}
