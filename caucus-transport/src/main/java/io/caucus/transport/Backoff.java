package io.caucus.transport;

/**
 * Reconnect delays: exponential in the number of consecutive failures, capped, with "equal jitter" (a
 * delay drawn uniformly from the upper half of the current step) so that the peers of a restarted server
 * do not all dial it in the same instant, while no delay collapses to zero.
 */
final class Backoff {

    private Backoff() {
    }

    /**
     * @param failures     consecutive failed attempts so far, at least 1
     * @param random01     a uniform draw in [0, 1)
     * @return a delay in [step / 2, step] where step = min(maxMillis, initialMillis * 2^(failures - 1))
     */
    static long delayMillis(int failures, long initialMillis, long maxMillis, double random01) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures must be at least 1: " + failures);
        }
        int doublings = Math.min(failures - 1, 30);
        long step = Math.min(maxMillis, initialMillis << doublings);
        if (step < 0) {
            step = maxMillis; // shifted past Long.MAX_VALUE
        }
        long half = step / 2;
        return Math.max(1, half + (long) (random01 * (step - half)));
    }
}
