package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.server.Membership;
import java.util.ArrayList;
import java.util.List;

/** Builds the {@link Membership} a node reports from its published status and its address directory. */
final class Memberships {

    private Memberships() {
    }

    static Membership of(NodeStatus status, PeerDirectory directory) {
        return of(status, status.configuration(), directory);
    }

    /** The membership with {@code configuration} (say, the one just committed) as the configuration reported. */
    static Membership of(NodeStatus status, ClusterConfiguration configuration, PeerDirectory directory) {
        boolean leading = status.role() == Role.LEADER;
        List<Membership.Member> members = new ArrayList<>();
        for (NodeId voter : configuration.voters()) {
            members.add(member(status, voter, Membership.Part.VOTER, leading, directory));
        }
        for (NodeId outgoing : configuration.outgoingVoters()) {
            if (!configuration.voters().contains(outgoing)) {
                members.add(member(status, outgoing, Membership.Part.OUTGOING_VOTER, leading, directory));
            }
        }
        for (NodeId learner : configuration.learners()) {
            members.add(member(status, learner, Membership.Part.LEARNER, leading, directory));
        }
        return new Membership(status.id(), status.leader(), status.term(), configuration, members);
    }

    private static Membership.Member member(NodeStatus status, NodeId id, Membership.Part part, boolean leading,
                                            PeerDirectory directory) {
        long match = -1;
        boolean active = false;
        if (leading && id.equals(status.id())) {
            match = status.lastIndex();
            active = true;
        } else if (leading && status.followers().containsKey(id)) {
            NodeStatus.FollowerStatus follower = status.followers().get(id);
            match = follower.matchIndex();
            active = follower.recentlyActive();
        }
        return new Membership.Member(id, part, match, active, directory.knownAddress(id),
                directory.clientAddress(id), directory.adminAddress(id));
    }
}
