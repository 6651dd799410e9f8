package io.caucus.sim;

import java.util.PriorityQueue;

/**
 * The simulation's agenda: actions ordered by virtual time, ties broken by insertion order, so that a run
 * is a pure function of its seed (no wall clock, no hash order).
 */
final class EventQueue {

    private record Scheduled(long time, long sequence, Runnable action) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled other) {
            int byTime = Long.compare(time, other.time);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private long now;
    private long nextSequence;
    private long executed;
    /** Events run since the clock last moved: a runaway loop of zero-delay events would never let it move. */
    private long atThisInstant;
    private static final long MAX_EVENTS_PER_INSTANT = 1_000_000;

    long now() {
        return now;
    }

    long executed() {
        return executed;
    }

    /** Schedules {@code action} at {@code time}; a time in the past means "as soon as possible". */
    void at(long time, Runnable action) {
        queue.add(new Scheduled(Math.max(time, now), nextSequence++, action));
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Time of the next action, or Long.MAX_VALUE if none. */
    long nextTime() {
        Scheduled head = queue.peek();
        return head == null ? Long.MAX_VALUE : head.time;
    }

    /** Runs the next action; the clock only moves forward. */
    void runNext() {
        Scheduled next = queue.poll();
        if (next == null) {
            throw new IllegalStateException("no event to run");
        }
        atThisInstant = next.time == now ? atThisInstant + 1 : 0;
        if (atThisInstant > MAX_EVENTS_PER_INSTANT) {
            throw new IllegalStateException("virtual time stands still: " + MAX_EVENTS_PER_INSTANT
                    + " events ran at " + now + " us without the clock moving");
        }
        now = next.time;
        executed++;
        next.action.run();
    }

    /** Moves the clock to {@code time} when nothing is scheduled before it. */
    void advanceTo(long time) {
        if (time > now) {
            now = time;
        }
    }
}
