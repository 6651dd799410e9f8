package io.caucus.kv;

import java.time.Duration;
import java.util.function.Supplier;

/** Waiting for a condition in tests of real processes: poll it until it holds, fail at a deadline. */
final class Poll {

    private Poll() {
    }

    /**
     * Polls {@code condition} every {@code interval} until it answers a non-null value, and returns that value;
     * fails naming {@code what} once {@code deadline} has passed.
     */
    static <T> T until(Duration deadline, Duration interval, Supplier<T> condition, String what) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            T value = condition.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + deadline + " waiting for " + what);
            }
            try {
                Thread.sleep(interval.toMillis()); // the poll interval, bounded by the deadline above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
