package io.caucus.sim.linearizability;

/** The key-value operations a client can issue; see {@link Operation} for what each field means per kind. */
public enum OpKind {
    /** Read the key's value (absent is a valid answer). */
    GET,
    /** Set the key to a value. */
    PUT,
    /** Make the key absent. */
    DELETE,
    /** Add a suffix to the key's value; on an absent key this creates the value. */
    APPEND,
    /** Compare-and-set: if the value equals the expected one (null = absent), replace it. */
    CAS,
    /** Drop the key's time to live; reports whether the key was live with a time to live (Redis PERSIST). */
    PERSIST,
    /**
     * A transaction over two keys (MULTI ... EXEC): read both, then set both to one value without a time to live,
     * all at one instant.
     */
    TXN
}
