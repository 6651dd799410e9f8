package io.caucus.sim.linearizability;

/** What the client learned about an operation it issued. */
public enum Outcome {
    /** Acknowledged: the operation took effect exactly once, between its invocation and its completion. */
    OK,
    /** Certainly not applied (e.g. rejected before it was proposed); the checker drops it. */
    FAILED,
    /**
     * The client does not know (timeout, lost connection, crash). The operation may take effect at any point
     * after its invocation, or never. Reporting unknown as failed would hide real bugs, so the recorder must
     * not guess.
     */
    UNKNOWN
}
