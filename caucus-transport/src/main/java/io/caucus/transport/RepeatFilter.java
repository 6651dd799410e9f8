package io.caucus.transport;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Lets a log line that repeats under one key through at most once per interval, counting the ones it holds back.
 * A peer that keeps retrying with the wrong certificate or cluster name is refused at every attempt; the
 * operator needs the reason and the rate, not one line per attempt (the metrics count every refusal). Shared by
 * the event loops, hence concurrent; bounded, so that many distinct keys cannot make it grow without limit.
 */
final class RepeatFilter {

    /** What to do with one occurrence. */
    record Verdict(boolean log, long heldBack) {
    }

    static final long DEFAULT_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int MAX_KEYS = 1024;

    /** The occurrences of a key since {@code openedAtNanos}, and those held back in the window before. */
    private record Window(long openedAtNanos, long heldBack, long heldBackBefore) {
    }

    private final long intervalNanos;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    RepeatFilter(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /**
     * Whether the occurrence of {@code key} at {@code nowNanos} is logged, and if so how many occurrences were held
     * back since the last logged one.
     */
    Verdict occurred(String key, long nowNanos) {
        if (windows.size() >= MAX_KEYS && !windows.containsKey(key)) {
            windows.clear(); // the cheapest bound: forgetting only makes the next line of each key log again
        }
        Window window = windows.compute(key, (unused, open) -> open == null
                ? new Window(nowNanos, 0, 0)
                : nowNanos - open.openedAtNanos >= intervalNanos
                        ? new Window(nowNanos, 0, open.heldBack)
                        : new Window(open.openedAtNanos, open.heldBack + 1, open.heldBackBefore));
        return window.heldBack == 0 ? new Verdict(true, window.heldBackBefore) : new Verdict(false, window.heldBack);
    }
}
