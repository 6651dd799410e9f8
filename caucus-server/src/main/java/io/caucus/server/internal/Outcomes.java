package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.server.CaucusException;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;

/** How the runtime's situations map to the public exceptions; see docs/runtime.md. */
final class Outcomes {

    private Outcomes() {
    }

    /** Not applied, and not leader: name the leader if one is known. */
    static CaucusException notLeader(NodeId leaderHint, String noLeaderReason) {
        return leaderHint == null ? new NoLeaderException(noLeaderReason) : new NotLeaderException(leaderHint);
    }
}
