package io.caucus.server;

import io.caucus.core.NodeId;

/**
 * A leadership transfer ended without its target becoming leader: another node won the election that
 * followed. Leadership did move, but not where asked; ask again if it still matters.
 */
public final class LeadershipTransferFailedException extends MembershipException {

    private static final long serialVersionUID = 1L;
    private final transient NodeId leader;

    public LeadershipTransferFailedException(NodeId leader, String message) {
        super(message);
        this.leader = leader;
    }

    /** The node that leads instead of the target. */
    public NodeId leader() {
        return leader;
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}
