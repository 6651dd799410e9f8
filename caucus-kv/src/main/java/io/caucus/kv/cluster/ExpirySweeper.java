package io.caucus.kv.cluster;

import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.server.CaucusNode;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Redis's active expiry, on a replicated log: while this node leads and a key's time has run out, it proposes
 * a sweep entry (the node stamps its time on it as it proposes it, {@link TimeStamper}); every replica applying
 * it deletes the same keys (the soonest-expiring
 * first, at most {@link #MAX_KEYS_PER_SWEEP}). One sweep is in flight at a time per group. Reads never wait for a
 * sweep: an expired key is invisible as soon as its time has passed.
 *
 * <p>One sweeper serves every group of a node with one timer (a sharded node's data groups), asking each group's
 * state machine for its next expiry before its node for its leader, so that thousands of groups without expiring
 * keys cost one pass of cheap reads per interval.
 */
public final class ExpirySweeper implements AutoCloseable {

    public static final int MAX_KEYS_PER_SWEEP = 1_000;
    public static final long INTERVAL_MILLIS = 100;

    /** A group's replica here and its state machine's earliest key expiry. */
    public record Target(CaucusNode node, LongSupplier nextExpiryMillis) {
    }

    /** Changed as a sharded node starts and drops replicas ({@link #add}, {@link #remove}). */
    private final List<Swept> groups = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final LongSupplier clock;
    private final ScheduledFuture<?> task;

    public ExpirySweeper(CaucusNode node, LongSupplier nextExpiryMillis, LongSupplier clock,
                         ScheduledExecutorService scheduler) {
        this(List.of(new Target(node, nextExpiryMillis)), clock, scheduler);
    }

    public ExpirySweeper(List<Target> targets, LongSupplier clock, ScheduledExecutorService scheduler) {
        targets.forEach(this::add);
        this.clock = clock;
        this.task = scheduler.scheduleWithFixedDelay(this::sweepDue, INTERVAL_MILLIS, INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /** Sweeps {@code target}'s group from now on. */
    public void add(Target target) {
        groups.add(new Swept(target));
    }

    /** Sweeps the group replicated by {@code node} no more. */
    public void remove(CaucusNode node) {
        groups.removeIf(group -> group.target.node() == node);
    }

    private void sweepDue() {
        long now = clock.getAsLong();
        for (Swept group : groups) {
            group.sweepIfDue(now);
        }
    }

    /** One group's sweeps. */
    private static final class Swept {
        private final Target target;
        /** Touched on the scheduler's thread and the completing thread: a sweep in flight blocks the next. */
        private volatile boolean sweeping;

        Swept(Target target) {
            this.target = target;
        }

        void sweepIfDue(long now) {
            CaucusNode node = target.node();
            if (sweeping || target.nextExpiryMillis().getAsLong() > now || !node.id().equals(node.status().leader())) {
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
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
