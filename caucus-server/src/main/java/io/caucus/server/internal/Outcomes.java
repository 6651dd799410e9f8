package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.server.CaucusException;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Function;

/**
 * Builds the exceptions that redirect clients, with the leader's client address when one is known (the log's
 * first, then the one this node was started with: {@link PeerDirectory#clientAddress}).
 */
final class Outcomes {

    private final Function<NodeId, Optional<InetSocketAddress>> clientAddresses;

    Outcomes(Function<NodeId, Optional<InetSocketAddress>> clientAddresses) {
        this.clientAddresses = clientAddresses;
    }

    /** Not applied, and not leader: name the leader if one is known. */
    CaucusException notLeader(NodeId leaderHint, String noLeaderReason) {
        return leaderHint == null
                ? new NoLeaderException(noLeaderReason)
                : new NotLeaderException(leaderHint, clientAddresses.apply(leaderHint).orElse(null));
    }
}
