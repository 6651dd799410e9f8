package io.caucus.server;

import io.caucus.core.NodeId;

/**
 * The change names a node that is not a member in the way it requires (promoting or removing a node that is
 * not in the configuration, transferring leadership to a non-voter), or one whose address is unknown.
 * Nothing was changed.
 */
public final class UnknownMemberException extends MembershipException {

    private static final long serialVersionUID = 1L;
    private final transient NodeId node;

    public UnknownMemberException(NodeId node, String message) {
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
