package io.caucus.core;

/** Assertions of the algorithm's invariants, always on: a broken invariant stops the node rather than risk wrong data. */
final class Invariants {

    private Invariants() {
    }

    static void check(boolean condition, String violation) {
        if (!condition) {
            throw new InvariantViolation(violation);
        }
    }
}
