package io.caucus.sim.linearizability;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sequential specification of a few keys that may expire, touched alone or together by transactions, as the
 * key-value service defines them: each operation runs at one instant of the time the leader stamps on the log, and
 * a key is live at time t iff it has no time to live or t is before its expiry.
 *
 * <p>That time is not in the history, so the model bounds it. An operation runs at a time t with
 * {@code invokedAt <= t <= completedAt} (in milliseconds of the history's clock: the stamping clock, as the
 * simulator's nodes share one clock with its clients), and times never decrease along the linearization (the log
 * runs each entry at max(its stamp, the time before)). The state keeps the earliest time the next operation may
 * run at; each operation runs at the earliest time its window and its results allow. Choosing the earliest is
 * never a wrong choice: every constraint is an interval of time, and a later operation can run at any time at
 * or after its predecessor's, so an earlier predecessor leaves it every option a later one would.
 *
 * <p>An APPEND's effect depends on whether its key is live, which it does not report; with expiry in play that
 * is a time the history does not pin down, so histories mixing APPEND with keys that may expire are refused.
 */
final class ExpiringModel implements SequentialModel {

    /** A key's value and the time it expires at ({@link Operation#NEVER_EXPIRES}: never). */
    record Entry(String value, long expiresAt) {
        boolean liveAt(long time) {
            return expiresAt == Operation.NEVER_EXPIRES || time < expiresAt;
        }
    }

    /** The live keys, and the earliest time the next operation may run at. */
    record State(Map<String, Entry> entries, long time) {
        State {
            entries = Collections.unmodifiableMap(new TreeMap<>(entries));
        }
    }

    /** An interval of times, both ends included; empty when {@code from > to}. */
    private record Times(long from, long to) {
        static final Times ALWAYS = new Times(Long.MIN_VALUE, Long.MAX_VALUE);
        static final Times NEVER = new Times(1, 0);

        Times and(Times other) {
            return new Times(Math.max(from, other.from), Math.min(to, other.to));
        }

        boolean isEmpty() {
            return from > to;
        }

        /** The times before an expiry, or at and after it. */
        static Times before(long expiresAt) {
            return new Times(Long.MIN_VALUE, expiresAt - 1);
        }

        static Times from(long expiresAt) {
            return new Times(expiresAt, Long.MAX_VALUE);
        }
    }

    private final long clockUnitsPerMilli;

    /**
     * @param clockUnitsPerMilli how many units of the history's clock ({@link Operation#invokedAt()}) make one
     *                           millisecond of the stamping clock
     */
    ExpiringModel(List<Operation> ops, long clockUnitsPerMilli) {
        if (clockUnitsPerMilli < 1) {
            throw new IllegalArgumentException("clockUnitsPerMilli must be positive, got " + clockUnitsPerMilli);
        }
        for (Operation op : ops) {
            if (op.kind() == OpKind.APPEND) {
                throw new IllegalArgumentException("APPEND on keys that may expire cannot be checked (whether it "
                        + "extended a live value or started a new one depends on a time the history does not "
                        + "record): " + op);
            }
        }
        this.clockUnitsPerMilli = clockUnitsPerMilli;
    }

    @Override
    public Object initialState() {
        return new State(Map.of(), Long.MIN_VALUE);
    }

    @Override
    public Object apply(Operation op, Object before) {
        State state = (State) before;
        long to = op.outcome() == Outcome.UNKNOWN ? Long.MAX_VALUE
                : Math.floorDiv(op.completedAt(), clockUnitsPerMilli);
        Times window = new Times(Math.max(state.time(), Math.floorDiv(op.invokedAt(), clockUnitsPerMilli)), to);
        Times when = window.and(constraint(op, state.entries()));
        if (when.isEmpty()) {
            return ILLEGAL;
        }
        long time = when.from();
        Map<String, Entry> entries = new TreeMap<>();
        state.entries().forEach((key, entry) -> {
            if (entry.liveAt(time)) {
                entries.put(key, entry);
            }
        });
        switch (op.kind()) {
            case GET -> { }
            case PUT -> entries.put(op.key(), new Entry(op.value(), op.expiresAt()));
            case DELETE -> entries.remove(op.key());
            case CAS -> {
                if (!Operation.NOT_SWAPPED.equals(op.result())) {
                    entries.put(op.key(), new Entry(op.value(), Operation.NEVER_EXPIRES));
                }
            }
            case PERSIST -> {
                if (!Operation.NOT_SWAPPED.equals(op.result())) {
                    entries.put(op.key(), new Entry(entries.get(op.key()).value(), Operation.NEVER_EXPIRES));
                }
            }
            case TXN -> {
                entries.put(op.key(), new Entry(op.value(), Operation.NEVER_EXPIRES));
                entries.put(op.secondKey(), new Entry(op.value(), Operation.NEVER_EXPIRES));
            }
            case APPEND -> throw new IllegalStateException("refused at construction: " + op);
        }
        entries.values().removeIf(entry -> !entry.liveAt(time)); // a PUT may set an expiry already past
        return new State(entries, time);
    }

    /** The times at which {@code op}'s observed results hold on {@code entries}. */
    private static Times constraint(Operation op, Map<String, Entry> entries) {
        Entry entry = entries.get(op.key());
        boolean unknown = op.outcome() == Outcome.UNKNOWN;
        return switch (op.kind()) {
            case PUT, DELETE, APPEND -> Times.ALWAYS;
            case GET -> reads(entry, op.result());
            case TXN -> unknown ? Times.ALWAYS
                    : reads(entry, op.result()).and(reads(entries.get(op.secondKey()), op.secondResult()));
            case CAS -> {
                boolean swapped = unknown || Operation.SWAPPED.equals(op.result());
                Times holdsExpected = op.expected() == null ? absent(entry) : holds(entry, op.expected());
                yield swapped ? holdsExpected : complement(holdsExpected);
            }
            case PERSIST -> {
                Times hasTimeToLive = entry == null || entry.expiresAt() == Operation.NEVER_EXPIRES ? Times.NEVER
                        : Times.before(entry.expiresAt());
                boolean dropped = unknown || Operation.SWAPPED.equals(op.result());
                yield dropped ? hasTimeToLive : complement(hasTimeToLive);
            }
        };
    }

    /** When a read of the key returns {@code value} (null: absent). */
    private static Times reads(Entry entry, String value) {
        return value == null ? absent(entry) : holds(entry, value);
    }

    /** When the key is live and holds {@code value}. */
    private static Times holds(Entry entry, String value) {
        if (entry == null || !entry.value().equals(value)) {
            return Times.NEVER;
        }
        return entry.expiresAt() == Operation.NEVER_EXPIRES ? Times.ALWAYS : Times.before(entry.expiresAt());
    }

    /** When the key is not live. */
    private static Times absent(Entry entry) {
        if (entry == null) {
            return Times.ALWAYS;
        }
        return entry.expiresAt() == Operation.NEVER_EXPIRES ? Times.NEVER : Times.from(entry.expiresAt());
    }

    /**
     * The complement of {@code times}, which is always, never, or the times before or from an expiry: the complement
     * of such an interval is one again.
     */
    private static Times complement(Times times) {
        if (times.isEmpty()) {
            return Times.ALWAYS;
        }
        if (times.equals(Times.ALWAYS)) {
            return Times.NEVER;
        }
        return times.from() == Long.MIN_VALUE ? Times.from(times.to() + 1) : Times.before(times.from());
    }

    @Override
    public boolean mayMatter(Object before, Object after) {
        return true;
    }

    @Override
    public boolean isBlindWrite(Operation op) {
        return op.kind() == OpKind.PUT || op.kind() == OpKind.DELETE;
    }

    @Override
    public String describe(Object state) {
        State s = (State) state;
        StringBuilder out = new StringBuilder("{");
        s.entries().forEach((key, entry) -> {
            out.append(out.length() > 1 ? ", " : "").append(key).append('=').append(Operation.quote(entry.value()));
            if (entry.expiresAt() != Operation.NEVER_EXPIRES) {
                out.append(" until ").append(entry.expiresAt()).append("ms");
            }
        });
        out.append('}');
        if (s.time() != Long.MIN_VALUE) {
            out.append(" at ").append(s.time()).append("ms or later");
        }
        return out.toString();
    }
}
