package io.caucus.server;

import io.caucus.core.NodeId;
import java.net.InetSocketAddress;
import java.util.Optional;

/** This node is not the leader; the command was not applied. Retry at {@link #leader()}. */
public final class NotLeaderException extends CaucusException {

    private static final long serialVersionUID = 1L;
    private final transient NodeId leader;
    private final transient InetSocketAddress leaderClientAddress;

    public NotLeaderException(NodeId leader) {
        this(leader, null);
    }

    /** @param leaderClientAddress where clients reach the leader, if configured (see Builder#clientAddresses) */
    public NotLeaderException(NodeId leader, InetSocketAddress leaderClientAddress) {
        super("not the leader; the leader is " + leader
                + (leaderClientAddress == null ? "" : " at " + leaderClientAddress));
        this.leader = leader;
        this.leaderClientAddress = leaderClientAddress;
    }

    public NodeId leader() {
        return leader;
    }

    /** The leader's client address, if the cluster was configured with client addresses. */
    public Optional<InetSocketAddress> leaderClientAddress() {
        return Optional.ofNullable(leaderClientAddress);
    }

    @Override
    public boolean outcomeKnown() {
        return true;
    }
}
