package io.caucus.server;

/**
 * A membership change or leadership transfer was refused, or ended otherwise than asked; see each subclass.
 * Data commands never fail with these.
 */
public abstract sealed class MembershipException extends CaucusException
        permits ChangeInProgressException, UnknownMemberException, AlreadyMemberException, LearnerBehindException,
        LeadershipTransferFailedException, LastVoterException {

    private static final long serialVersionUID = 1L;

    protected MembershipException(String message) {
        super(message);
    }
}
