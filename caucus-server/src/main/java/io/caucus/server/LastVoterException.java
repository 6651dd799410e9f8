package io.caucus.server;

import io.caucus.core.NodeId;

/** The change would remove the last voter, leaving a cluster that can never decide anything. Nothing changed. */
public final class LastVoterException extends MembershipException {

    private static final long serialVersionUID = 1L;
    private final transient NodeId node;

    public LastVoterException(NodeId node, String message) {
        super(message);
        this.node = node;
    }

    public NodeId node() {
        return node;
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}
