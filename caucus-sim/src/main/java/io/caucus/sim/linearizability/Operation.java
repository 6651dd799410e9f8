package io.caucus.sim.linearizability;

/**
 * One client operation on one key, as observed by the client.
 *
 * <p>Which fields are used depends on the kind:
 * <ul>
 *   <li>{@code value}: the PUT value, the APPEND suffix or the CAS new value; null for GET and DELETE.</li>
 *   <li>{@code expected}: the CAS expected value (null = key absent); null for every other kind.</li>
 *   <li>{@code result}: when OK, for GET the value read (null = absent) and for CAS {@code "true"} or
 *       {@code "false"} (whether it swapped); null in every other case.</li>
 * </ul>
 * {@code invokedAt} and {@code completedAt} come from one monotonic clock (simulated ticks or
 * {@link System#nanoTime()}); {@code completedAt} is ignored for {@link Outcome#UNKNOWN}, whose effect may land
 * at any time after the invocation. Equal timestamps count as overlapping, so ties never cause a false alarm.
 */
public record Operation(int clientId, OpKind kind, String key, String value, String expected,
                        long invokedAt, long completedAt, Outcome outcome, String result) {

    public static final String SWAPPED = "true";
    public static final String NOT_SWAPPED = "false";

    public Operation {
        require(kind != null, "kind must not be null");
        require(key != null, "key must not be null");
        require(outcome != null, "outcome must not be null");
        switch (kind) {
            case GET, DELETE -> require(value == null, kind + " takes no value, got \"" + value + "\"");
            case PUT, APPEND, CAS -> require(value != null, kind + " needs a non-null value");
        }
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
            case GET -> { } // any value, null meaning absent
            case CAS -> require(SWAPPED.equals(result) || NOT_SWAPPED.equals(result),
                    "an OK CAS has result \"true\" or \"false\", got " + quote(result));
            case PUT, DELETE, APPEND -> require(result == null, "an OK " + kind + " has no result, got \""
                    + result + "\"");
        }
    }

    /** True if this operation, when it takes effect, may change the key's value. */
    public boolean isWrite() {
        return switch (kind) {
            case GET -> false;
            case PUT, DELETE, APPEND -> true;
            case CAS -> !NOT_SWAPPED.equals(result);
        };
    }

    /** E.g. {@code c3 CAS k "a"->"b" [10..14] OK true}; values are quoted, a missing value is shown as {@code absent}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("c").append(clientId).append(' ').append(kind).append(' ')
                .append(key);
        switch (kind) {
            case GET, DELETE -> { }
            case PUT, APPEND -> out.append(' ').append(quote(value));
            case CAS -> out.append(' ').append(quote(expected)).append("->").append(quote(value));
        }
        out.append(" [").append(invokedAt).append("..")
                .append(outcome == Outcome.UNKNOWN ? "?" : Long.toString(completedAt)).append("] ")
                .append(outcome);
        if (outcome == Outcome.OK && (kind == OpKind.GET || kind == OpKind.CAS)) {
            out.append(' ').append(kind == OpKind.GET ? quote(result) : result);
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
