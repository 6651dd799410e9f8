package io.caucus.server;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durations counted into fixed buckets from 100 µs to 10 s (the bounds of a Prometheus histogram), safe to
 * observe and read from any thread. Used for the node's fsync times ({@link RuntimeMetrics#logSyncDurations()})
 * and by the key-value service for request latency.
 */
public final class DurationHistogram {

    /** Upper bounds of the buckets, in seconds; a last bucket without bound takes the rest. */
    public static final double[] UPPER_BOUNDS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final LongAdder[] counts = new LongAdder[UPPER_BOUNDS_SECONDS.length + 1];
    private final DoubleAdder sumSeconds = new DoubleAdder();

    public DurationHistogram() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void observeNanos(long nanos) {
        double seconds = nanos / 1e9;
        int bucket = 0;
        while (bucket < UPPER_BOUNDS_SECONDS.length && seconds > UPPER_BOUNDS_SECONDS[bucket]) {
            bucket++;
        }
        counts[bucket].increment();
        sumSeconds.add(seconds);
    }

    /**
     * Observations at most each bound, in the order of {@link #UPPER_BOUNDS_SECONDS}, then all of them (the
     * Prometheus {@code le} series, ending with {@code +Inf}). Concurrent observations may be half counted.
     */
    public long[] cumulativeCounts() {
        long[] cumulative = new long[counts.length];
        long running = 0;
        for (int i = 0; i < counts.length; i++) {
            running += counts[i].sum();
            cumulative[i] = running;
        }
        return cumulative;
    }

    public double sumSeconds() {
        return sumSeconds.sum();
    }
}
