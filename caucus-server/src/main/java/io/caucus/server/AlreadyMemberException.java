package io.caucus.server;

import io.caucus.core.NodeId;

/** The node to add is already a member (voter or learner), or the learner to promote is already a voter. */
public final class AlreadyMemberException extends MembershipException {

    private static final long serialVersionUID = 1L;
    private final transient NodeId node;

    public AlreadyMemberException(NodeId node, String message) {
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
