package io.caucus.server;

/**
 * The command was proposed but its fate is not known (leadership was lost, or the wait timed out): it may
 * still commit and apply. Retrying may apply it twice unless the command is idempotent or carries a session.
 */
public final class OutcomeUnknownException extends CaucusException {

    private static final long serialVersionUID = 1L;

    public OutcomeUnknownException(String message) {
        super(message);
    }

    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean outcomeKnown() {
        return false;
    }
}
