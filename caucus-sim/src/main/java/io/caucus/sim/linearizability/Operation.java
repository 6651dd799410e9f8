package io.caucus.sim.linearizability;

import java.util.List;

/**
 * One client operation on one key (two for a transaction), as observed by the client.
 *
 * <p>Which fields are used depends on the kind:
 * <ul>
 *   <li>{@code value}: the PUT value, the APPEND suffix, the CAS new value or the value a TXN sets; null for GET,
 *       DELETE and PERSIST.</li>
 *   <li>{@code expected}: the CAS expected value (null = key absent); null for every other kind.</li>
 *   <li>{@code result}: when OK, for GET the value read (null = absent), for CAS {@code "true"} or
 *       {@code "false"} (whether it swapped), for PERSIST {@code "true"} or {@code "false"} (whether the key had a
 *       time to live to drop) and for TXN the value it read of {@code key}; null in every other case.</li>
 *   <li>{@code expiresAt}: for PUT, the time at which the key expires, in milliseconds of the clock the service
 *       stamps on its log (as {@code SET key value PXAT expiresAt}); {@link #NEVER_EXPIRES} otherwise.</li>
 *   <li>{@code secondKey} and {@code secondResult}: for TXN, the other key and the value read of it.</li>
 * </ul>
 * {@code invokedAt} and {@code completedAt} come from one monotonic clock (simulated ticks or
 * {@link System#nanoTime()}); {@code completedAt} is ignored for {@link Outcome#UNKNOWN}, whose effect may land
 * at any time after the invocation. Equal timestamps count as overlapping, so ties never cause a false alarm.
 */
public record Operation(int clientId, OpKind kind, String key, String value, String expected,
                        long invokedAt, long completedAt, Outcome outcome, String result, long expiresAt,
                        String secondKey, String secondResult) {

    public static final String SWAPPED = "true";
    public static final String NOT_SWAPPED = "false";
    /** {@code expiresAt} of an operation that sets no time to live. */
    public static final long NEVER_EXPIRES = 0;

    /** A single-key operation that sets no time to live. */
    public Operation(int clientId, OpKind kind, String key, String value, String expected, long invokedAt,
                     long completedAt, Outcome outcome, String result) {
        this(clientId, kind, key, value, expected, invokedAt, completedAt, outcome, result, NEVER_EXPIRES, null, null);
    }

    public Operation {
        require(kind != null, "kind must not be null");
        require(key != null, "key must not be null");
        require(outcome != null, "outcome must not be null");
        switch (kind) {
            case GET, DELETE, PERSIST -> require(value == null, kind + " takes no value, got \"" + value + "\"");
            case PUT, APPEND, CAS, TXN -> require(value != null, kind + " needs a non-null value");
        }
        require(expiresAt == NEVER_EXPIRES || (kind == OpKind.PUT && expiresAt > 0),
                "only PUT sets a time to live, as a positive time; " + kind + " got " + expiresAt);
        require((kind == OpKind.TXN) == (secondKey != null), kind == OpKind.TXN
                ? "a TXN needs a second key" : "only TXN takes a second key; " + kind + " got " + secondKey);
        require(!key.equals(secondKey), "a TXN's keys must differ, got " + key + " twice");
        require(outcome == Outcome.OK && kind == OpKind.TXN || secondResult == null,
                "only an OK TXN has a second result, got \"" + secondResult + "\"");
        require(kind == OpKind.CAS || expected == null,
                "only CAS takes an expected value; " + kind + " got \"" + expected + "\"");
        if (outcome == Outcome.UNKNOWN) {
            require(result == null, "an UNKNOWN operation has no result, got \"" + result + "\"");
        } else {
            require(completedAt >= invokedAt,
                    "completedAt " + completedAt + " is before invokedAt " + invokedAt);
            checkResult(kind, outcome, result);
        }
    }

    private static void checkResult(OpKind kind, Outcome outcome, String result) {
        if (outcome == Outcome.FAILED) {
            require(result == null, "a FAILED operation has no result, got \"" + result + "\"");
            return;
        }
        switch (kind) {
            case GET, TXN -> { } // any value, null meaning absent
            case CAS, PERSIST -> require(SWAPPED.equals(result) || NOT_SWAPPED.equals(result),
                    "an OK " + kind + " has result \"true\" or \"false\", got " + quote(result));
            case PUT, DELETE, APPEND -> require(result == null, "an OK " + kind + " has no result, got \""
                    + result + "\"");
        }
    }

    /** True if this operation, when it takes effect, may change the key's value. */
    public boolean isWrite() {
        return switch (kind) {
            case GET -> false;
            case PUT, DELETE, APPEND, TXN -> true;
            case CAS, PERSIST -> !NOT_SWAPPED.equals(result);
        };
    }

    /** The keys the operation touches: one, or two for a TXN. */
    public List<String> keys() {
        return secondKey == null ? List.of(key) : List.of(key, secondKey);
    }

    /** E.g. {@code c3 CAS k "a"->"b" [10..14] OK true}; values are quoted, a missing value is shown as {@code absent}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("c").append(clientId).append(' ').append(kind).append(' ')
                .append(key);
        switch (kind) {
            case GET, DELETE, PERSIST -> { }
            case PUT, APPEND -> out.append(' ').append(quote(value));
            case CAS -> out.append(' ').append(quote(expected)).append("->").append(quote(value));
            case TXN -> out.append(',').append(secondKey).append(" := ").append(quote(value));
        }
        if (expiresAt != NEVER_EXPIRES) {
            out.append(" expiring at ").append(expiresAt).append("ms");
        }
        out.append(" [").append(invokedAt).append("..")
                .append(outcome == Outcome.UNKNOWN ? "?" : Long.toString(completedAt)).append("] ")
                .append(outcome);
        if (outcome == Outcome.OK) {
            switch (kind) {
                case GET -> out.append(' ').append(quote(result));
                case CAS, PERSIST -> out.append(' ').append(result);
                case TXN -> out.append(" read ").append(quote(result)).append(',').append(quote(secondResult));
                case PUT, DELETE, APPEND -> { }
            }
        }
        return out.toString();
    }

    static String quote(String value) {
        return value == null ? "absent" : '"' + value + '"';
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid operation: " + message);
        }
    }
}
