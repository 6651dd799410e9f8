package io.caucus.server;

/** No leader is known (an election is under way, or a majority is unreachable); not applied. */
public final class NoLeaderException extends CaucusException {

    private static final long serialVersionUID = 1L;

    public NoLeaderException(String message) {
        super(message);
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}
