package io.caucus.kv.cluster;

import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.server.CaucusNode;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Redis's active expiry, on a replicated log: while this node leads and a key's time has run out, it proposes
 * a sweep entry (the node stamps its time on it as it proposes it, {@link TimeStamper}); every replica applying
 * it deletes the same keys (the soonest-expiring
 * first, at most {@link #MAX_KEYS_PER_SWEEP}). One sweep is in flight at a time. Reads never wait for a sweep:
 * an expired key is invisible as soon as its time has passed.
 */
public final class ExpirySweeper implements AutoCloseable {

    public static final int MAX_KEYS_PER_SWEEP = 1_000;
    public static final long INTERVAL_MILLIS = 100;

    private final CaucusNode node;
    private final LongSupplier nextExpiryMillis;
    private final LongSupplier clock;
    private final ScheduledFuture<?> task;
    /** Touched on the scheduler's thread and the completing thread: a sweep in flight blocks the next. */
    private volatile boolean sweeping;

    public ExpirySweeper(CaucusNode node, LongSupplier nextExpiryMillis, LongSupplier clock,
                         ScheduledExecutorService scheduler) {
        this.node = node;
        this.nextExpiryMillis = nextExpiryMillis;
        this.clock = clock;
        this.task = scheduler.scheduleWithFixedDelay(this::sweepIfDue, INTERVAL_MILLIS, INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private void sweepIfDue() {
        long now = clock.getAsLong();
        if (sweeping || !node.id().equals(node.status().leader()) || nextExpiryMillis.getAsLong() > now) {
            return;
        }
        sweeping = true;
        try {
            node.submit(EntryCodec.encode(new KvEntry.Sweep(now, MAX_KEYS_PER_SWEEP)))
                    .whenComplete((result, failure) -> sweeping = false); // a failed sweep is retried next round
        } catch (RejectedExecutionException | IllegalStateException e) { // closing
            sweeping = false;
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
