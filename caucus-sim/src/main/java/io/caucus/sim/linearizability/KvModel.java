package io.caucus.sim.linearizability;

import java.util.Objects;

/**
 * The sequential specification of one key: its value is a String or absent (null). Pure functions only.
 */
final class KvModel {

    /** Returned by {@link #apply} when the operation cannot take effect on this value; compared by identity. */
    static final String ILLEGAL = new String("<illegal>");

    private KvModel() {
    }

    /**
     * The value after {@code op} takes effect on {@code value}, or {@link #ILLEGAL} if the operation's observed
     * result is impossible on that value. An UNKNOWN CAS is placed only as a successful swap: the variant where
     * it did not swap changes nothing and is covered by not placing it at all.
     */
    static String apply(Operation op, String value) {
        return switch (op.kind()) {
            case GET -> Objects.equals(value, op.result()) ? value : ILLEGAL;
            case PUT -> op.value();
            case DELETE -> null;
            case APPEND -> value == null ? op.value() : value.concat(op.value());
            case CAS -> applyCas(op, value);
        };
    }

    private static String applyCas(Operation op, String value) {
        boolean matches = Objects.equals(value, op.expected());
        if (Operation.NOT_SWAPPED.equals(op.result())) {
            return matches ? ILLEGAL : value;
        }
        return matches ? op.value() : ILLEGAL;
    }
}
