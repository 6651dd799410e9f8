package io.caucus.server;

import io.caucus.core.NodeId;

/** This node is not the leader; the command was not applied. Retry at {@link #leader()}. */
public final class NotLeaderException extends CaucusException {

    private static final long serialVersionUID = 1L;
    private final transient NodeId leader;

    public NotLeaderException(NodeId leader) {
        super("not the leader; the leader is " + leader);
        this.leader = leader;
    }

    public NodeId leader() {
        return leader;
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}
