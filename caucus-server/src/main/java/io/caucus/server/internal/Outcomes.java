package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.server.CaucusException;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import java.net.InetSocketAddress;
import java.util.Map;

/** Builds the exceptions that redirect clients, with the leader's client address when one is configured. */
final class Outcomes {

    private final Map<NodeId, InetSocketAddress> clientAddresses;

    Outcomes(Map<NodeId, InetSocketAddress> clientAddresses) {
        this.clientAddresses = Map.copyOf(clientAddresses);
    }

    /** Not applied, and not leader: name the leader if one is known. */
    CaucusException notLeader(NodeId leaderHint, String noLeaderReason) {
        return leaderHint == null
                ? new NoLeaderException(noLeaderReason)
                : new NotLeaderException(leaderHint, clientAddresses.get(leaderHint));
    }
}
