package io.caucus.server.internal;

import org.slf4j.MDC;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A host's node threads: a fixed number of single-thread loops (about one per core), each group's turns and
 * timers pinned to one of them by group id, so that a replica's state stays on one thread and in one cache
 * (docs/multiraft.md, "Runtime"). A group's executor runs its tasks one at a time in order, as a node's own loop
 * does, interleaved with the other groups pinned to the same thread.
 */
final class PooledExecutors implements GroupHost.GroupExecutors {

    private static final ThreadLocal<GroupExecutor> RUNNING = new ThreadLocal<>();
    /** The logging context's key for the group a line is about (caucus-kv's log layouts print it). */
    static final String LOG_KEY = "group";

    private final ScheduledThreadPoolExecutor[] loops;

    PooledExecutors(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("a host needs at least one node thread: " + threads);
        }
        loops = new ScheduledThreadPoolExecutor[threads];
        for (int i = 0; i < threads; i++) {
            String threadName = name + "-" + i;
            loops[i] = new ScheduledThreadPoolExecutor(1,
                    runnable -> Thread.ofPlatform().daemon().name(threadName).unstarted(runnable));
            loops[i].setRemoveOnCancelPolicy(true);
        }
    }

    @Override
    public NodeExecutor open(long group) {
        return new GroupExecutor(loops[(int) Math.floorMod(group, (long) loops.length)], Long.toString(group));
    }

    /** The host's timer shares the first node thread: its check is short and runs once per heartbeat interval. */
    @Override
    public NodeExecutor openHost() {
        return new GroupExecutor(loops[0], null);
    }

    @Override
    public void close(NodeExecutor executor) {
        ((GroupExecutor) executor).closed = true;
    }

    static void putOrRemove(String group) {
        if (group == null) {
            MDC.remove(LOG_KEY);
        } else {
            MDC.put(LOG_KEY, group);
        }
    }

    @Override
    public void shutdown() {
        for (ScheduledThreadPoolExecutor loop : loops) {
            loop.shutdownNow();
        }
    }

    /**
     * One group's view of its loop: rejects tasks once the group is closed, and knows its own tasks. Its tasks run
     * with the group in the logging context ({@link #LOG_KEY}), so a line logged in a turn says which group it is of.
     */
    private static final class GroupExecutor implements NodeExecutor {
        private final ScheduledThreadPoolExecutor loop;
        /** The group's id for log lines; null for the host's own timer. */
        private final String group;
        private volatile boolean closed;

        GroupExecutor(ScheduledThreadPoolExecutor loop, String group) {
            this.loop = loop;
            this.group = group;
        }

        @Override
        public void execute(Runnable task) {
            checkOpen();
            loop.execute(wrap(task));
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            checkOpen();
            var future = loop.schedule(wrap(task), delayNanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        }

        @Override
        public Timer scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long delayNanos) {
            checkOpen();
            var future = loop.scheduleWithFixedDelay(wrap(task), initialDelayNanos, delayNanos,
                    TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        }

        @Override
        public boolean inExecutor() {
            return RUNNING.get() == this;
        }

        private void checkOpen() {
            if (closed) {
                throw new RejectedExecutionException("the group's executor is closed");
            }
        }

        /** Runs the task as this group's (a closed group's tasks are dropped, as a closed loop's are). */
        private Runnable wrap(Runnable task) {
            return () -> {
                if (closed) {
                    return;
                }
                GroupExecutor outer = RUNNING.get();
                RUNNING.set(this);
                String outerGroup = MDC.get(LOG_KEY);
                putOrRemove(group);
                try {
                    task.run();
                } finally {
                    RUNNING.set(outer);
                    putOrRemove(outerGroup);
                }
            };
        }
    }
}
