package io.caucus.server;

import io.caucus.core.NodeId;

/**
 * The learner to promote is not yet close behind the leader ({@code RaftOptions.maxLearnerLagEntries}): making
 * it a voter now could stall commits while it catches up. Nothing was changed; retry once it has caught up.
 */
public final class LearnerBehindException extends MembershipException {

    private static final long serialVersionUID = 1L;
    private final transient NodeId node;

    public LearnerBehindException(NodeId node, String message) {
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
