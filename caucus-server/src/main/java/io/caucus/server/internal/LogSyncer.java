package io.caucus.server.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The log-sync thread: group commit (thesis §10.2.1). The node thread writes each persist instruction to the
 * store (visible, not durable) and hands its ticket here; this thread calls {@link LogStore#sync()}, whose one
 * fsync covers everything written so far, however many instructions that is, and then publishes the highest
 * persist sequence now durable for the node thread to report to the core.
 *
 * <p>While one fsync runs, the node thread keeps writing and sending; the next fsync picks up all of it.
 */
final class LogSyncer implements Runnable {

    private static final int QUEUE_CAPACITY = 4096;
    private static final Written STOP = new Written(-1, -1);

    /** The store's ticket for the persist instruction with this sequence number. */
    private record Written(long ticket, long sequence) {
    }

    private final LogStore store;
    private final boolean reportDurable;
    private final Runnable wakeNode;
    private final Consumer<Throwable> onFatal;
    /** Bounded: if fsyncs fall far behind, the node thread waits here (back-pressure from the disk). */
    private final BlockingQueue<Written> written = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicLong durableSequence = new AtomicLong();
    /** Written by the sync thread only. */
    private volatile long syncs;
    private volatile boolean exited;

    /**
     * @param reportDurable false when the node acknowledges writes without waiting for fsync (testing only):
     *                      the syncs still happen, in the background, but nobody waits for them
     */
    LogSyncer(LogStore store, boolean reportDurable, Runnable wakeNode, Consumer<Throwable> onFatal) {
        this.store = store;
        this.reportDurable = reportDurable;
        this.wakeNode = wakeNode;
        this.onFatal = onFatal;
    }

    /** The highest persist sequence known durable (0 before the first sync, or if durability is not reported). */
    long durableSequence() {
        return durableSequence.get();
    }

    /** The fsyncs (store syncs) done so far; any thread. */
    long syncs() {
        return syncs;
    }

    /** Called by the node thread after writing persist instruction {@code sequence}, which got {@code ticket}. */
    void written(long ticket, long sequence) throws InterruptedException {
        enqueue(new Written(ticket, sequence));
    }

    /** Asks the thread to sync what was written so far and stop. */
    void stop() throws InterruptedException {
        enqueue(STOP);
    }

    private void enqueue(Written item) throws InterruptedException {
        while (!written.offer(item, 50, TimeUnit.MILLISECONDS)) {
            if (exited) {
                return;
            }
        }
    }

    @Override
    public void run() {
        ArrayDeque<Written> waiting = new ArrayDeque<>();
        List<Written> batch = new ArrayList<>();
        try {
            boolean stopping = false;
            while (!stopping || !waiting.isEmpty()) {
                if (waiting.isEmpty()) {
                    batch.add(written.take());
                }
                written.drainTo(batch);
                for (Written item : batch) {
                    if (item == STOP) {
                        stopping = true;
                    } else {
                        waiting.addLast(item);
                    }
                }
                batch.clear();
                if (!waiting.isEmpty()) {
                    syncAndPublish(waiting);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            onFatal.accept(e);
        } finally {
            exited = true;
        }
    }

    private void syncAndPublish(ArrayDeque<Written> waiting) {
        long durableTicket = store.sync();
        syncs++;
        long sequence = 0;
        while (!waiting.isEmpty() && waiting.peekFirst().ticket() <= durableTicket) {
            sequence = waiting.pollFirst().sequence();
        }
        if (reportDurable && sequence > durableSequence.get()) {
            durableSequence.set(sequence);
            wakeNode.run();
        }
    }
}
