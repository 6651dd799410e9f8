package io.caucus.sim.linearizability;

/** The answer of {@link LinearizabilityChecker}. */
public enum Verdict {
    /** Some order of the operations respects real time and the sequential key-value model. */
    LINEARIZABLE,
    /** No such order exists; {@link CheckResult#witness()} shows where the search got stuck. */
    NOT_LINEARIZABLE,
    /** The step budget ran out before the search could decide. */
    UNDECIDED
}
