package io.caucus.sim.linearizability;

/**
 * The sequential specification a {@link KeyHistorySearch} checks one part of a history against. States are
 * immutable values compared with {@code equals} (the search memoises configurations by state); pure functions
 * only.
 */
interface SequentialModel {

    /** Returned by {@link #apply} when the operation cannot take effect on a state; compared by identity. */
    Object ILLEGAL = new Object() {
        @Override
        public String toString() {
            return "<illegal>";
        }
    };

    /** The state before any operation. */
    Object initialState();

    /**
     * The state after {@code op} takes effect on {@code state}, or {@link #ILLEGAL} if its observed result is
     * impossible there. An UNKNOWN operation is placed only with the effect that can change the state (a CAS as a
     * swap, a PERSIST as dropping a time to live): the variant without effect is covered by not placing it.
     */
    Object apply(Operation op, Object state);

    /**
     * False only if placing the UNKNOWN operation that turns {@code before} into {@code after} cannot matter to any
     * later result, so the search may skip it (not placing it is always allowed).
     */
    boolean mayMatter(Object before, Object after);

    /** True if {@code op} sets its key without looking at it (an UNKNOWN one right before it is then unseen). */
    boolean isBlindWrite(Operation op);

    /** The state for a human reading a violation report. */
    String describe(Object state);
}
