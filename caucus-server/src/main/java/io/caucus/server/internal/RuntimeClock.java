package io.caucus.server.internal;

/**
 * The runtime's monotonic clock: request deadlines, the linger, the sweep of expired requests, membership and
 * transfer windows read it. Production reads {@link System#nanoTime()}; a simulator supplies virtual time, the
 * same time its {@link NodeExecutor} runs timers on.
 */
@FunctionalInterface
public interface RuntimeClock {

    RuntimeClock SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin; only differences mean anything, as with {@link System#nanoTime()}. */
    long nanoTime();
}
