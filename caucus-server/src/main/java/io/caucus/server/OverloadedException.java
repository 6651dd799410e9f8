package io.caucus.server;

/** Too many requests are waiting (back-pressure); not applied. Retry later. */
public final class OverloadedException extends CaucusException {

    private static final long serialVersionUID = 1L;

    public OverloadedException(String message) {
        super(message);
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}
