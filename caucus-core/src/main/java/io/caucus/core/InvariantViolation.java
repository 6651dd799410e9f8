package io.caucus.core;

/** Thrown when the core detects that one of its invariants no longer holds: a bug, never a user error. */
public final class InvariantViolation extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    InvariantViolation(String message) {
        super("Raft invariant violated: " + message);
    }
}
