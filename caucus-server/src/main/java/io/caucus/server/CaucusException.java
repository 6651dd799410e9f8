package io.caucus.server;

/**
 * Why a submitted command or a read did not succeed. Each subclass says whether the command certainly did not
 * take effect ({@link #outcomeKnown()} true: safe to retry) or may have ({@link OutcomeUnknownException}).
 */
public abstract sealed class CaucusException extends RuntimeException
        permits NotLeaderException, NoLeaderException, OutcomeUnknownException, ShutdownException,
        OverloadedException, MembershipException {

    private static final long serialVersionUID = 1L;

    protected CaucusException(String message) {
        super(message);
    }

    protected CaucusException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True if the command certainly was not applied, so retrying cannot apply it twice. */
    public abstract boolean outcomeKnown();
}
