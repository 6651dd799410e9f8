package io.caucus.server;

/** The node is shutting down or has stopped (possibly after a storage failure); the request was not accepted. */
public final class ShutdownException extends CaucusException {

    private static final long serialVersionUID = 1L;

    public ShutdownException(String message) {
        super(message);
    }

    public ShutdownException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}
