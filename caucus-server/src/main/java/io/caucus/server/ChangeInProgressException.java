package io.caucus.server;

/**
 * Another membership change (or a leadership transfer) is still under way: Caucus makes one change at a time
 * (Raft paper §6). Nothing was changed; retry once the earlier change has committed.
 */
public final class ChangeInProgressException extends MembershipException {

    private static final long serialVersionUID = 1L;

    public ChangeInProgressException(String message) {
        super(message);
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}
