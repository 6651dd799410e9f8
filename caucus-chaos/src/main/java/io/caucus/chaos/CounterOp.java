package io.caucus.chaos;

import io.caucus.sim.linearizability.Outcome;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One client operation on the counter keys, the pair and the accounts: the operations the simulator's
 * single-key register model ({@link io.caucus.sim.linearizability.Operation}) does not describe, checked by
 * {@link CounterChecks} instead.
 *
 * <p>{@code result} is what the client saw when OK, one element per key, as text: for a read the value of
 * each key (null = absent); for {@code EXEC} the elements of its reply array (an integer, {@code OK}, or
 * {@code (error) ...} for an error inside the array). It is null when not OK. Times and outcomes mean what they
 * mean for {@code Operation}: {@code completedAt} is ignored for UNKNOWN, equal timestamps count as
 * overlapping.
 *
 * @param argument for {@link Kind#WATCHED_INCR} the value it sets (the value read plus one), for
 *                 {@link Kind#TRANSFER} the amount moved; 0 otherwise
 */
record CounterOp(int clientId, Kind kind, List<String> keys, long argument, long invokedAt, long completedAt,
                 Outcome outcome, List<String> result) {

    /** What was sent. */
    enum Kind {
        /** {@code INCR k}: one increment, its reply the value after it. */
        INCR(true),
        /**
         * {@code WATCH k; GET k} (recorded as a {@link #GET}, value g), then {@code MULTI; SET k g+1; EXEC}: an
         * increment by optimistic locking. EXEC answers a null array (recorded FAILED: nothing applied) if k
         * changed since the WATCH; {@code [OK]} means the value after it is g+1.
         */
        WATCHED_INCR(true),
        /** {@code MULTI; INCR k1; INCR k2; EXEC} on the pair: both keys always move together. */
        INCR_BOTH(true),
        /** {@code MULTI; DECRBY from n; INCRBY to n; EXEC} between two accounts: their sum never changes. */
        TRANSFER(true),
        /** {@code GET k} on one key (also the read of a WATCHED_INCR, after its WATCH). */
        GET(false),
        /** {@code MGET k...}: one linearizable read of several keys. */
        MGET(false),
        /** {@code MULTI; GET k1; GET k2...; EXEC}: a read-only transaction (one log entry). */
        MULTI_GET(false);

        private final boolean write;

        Kind(boolean write) {
            this.write = write;
        }

        boolean isWrite() {
            return write;
        }

        boolean isRead() {
            return !write;
        }
    }

    CounterOp {
        require(kind != null && outcome != null && keys != null && !keys.isEmpty(), "kind, outcome, keys");
        keys = List.copyOf(keys);
        if (outcome == Outcome.OK) {
            require(result != null && result.size() == keys.size(),
                    "an OK " + kind + " has one result per key, got " + result);
            require(completedAt >= invokedAt, "completedAt " + completedAt + " is before invokedAt " + invokedAt);
            result = Collections.unmodifiableList(new ArrayList<>(result)); // elements may be null (absent)
        } else {
            require(result == null, "a " + outcome + " operation has no result, got " + result);
        }
        switch (kind) {
            case INCR, GET -> require(keys.size() == 1, kind + " takes one key");
            case WATCHED_INCR -> require(keys.size() == 1 && argument > 0, "WATCHED_INCR sets one key to g+1 > 0");
            case INCR_BOTH -> require(keys.size() == 2, "INCR_BOTH takes two keys");
            case TRANSFER -> require(keys.size() == 2 && argument > 0 && !keys.get(0).equals(keys.get(1)),
                    "TRANSFER moves a positive amount between two keys");
            case MGET, MULTI_GET -> { }
        }
    }

    /**
     * The value this operation made {@code keys().get(i)} hold, or what it read there (absent = 0), when OK and
     * the reply is an integer; null otherwise (not OK, or an element that is not a number).
     */
    Long valueAt(int i) {
        if (outcome != Outcome.OK) {
            return null;
        }
        String element = result.get(i);
        if (kind == Kind.WATCHED_INCR) {
            return "OK".equals(element) ? argument : null;
        }
        if (element == null) {
            return kind.isRead() ? 0L : null;
        }
        try {
            return Long.parseLong(element);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The position of {@code key} among this operation's keys, -1 if it does not touch it. */
    int indexOf(String key) {
        return keys.indexOf(key);
    }

    /** E.g. {@code c3 TRANSFER b0->b2 7 [10..14] OK ["-3", "12"]}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("c").append(clientId).append(' ').append(kind).append(' ');
        switch (kind) {
            case TRANSFER -> out.append(keys.get(0)).append("->").append(keys.get(1)).append(' ').append(argument);
            case WATCHED_INCR -> out.append(keys.get(0)).append(" :=").append(argument);
            default -> out.append(String.join(",", keys));
        }
        out.append(" [").append(invokedAt).append("..")
                .append(outcome == Outcome.UNKNOWN ? "?" : Long.toString(completedAt)).append("] ").append(outcome);
        if (outcome == Outcome.OK) {
            out.append(' ').append(result.stream().map(v -> v == null ? "absent" : '"' + v + '"').toList());
        }
        return out.toString();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid counter operation: " + message);
        }
    }
}
