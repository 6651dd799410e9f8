package io.caucus.kv.admin;

import io.caucus.core.NodeId;
import io.caucus.server.HostPort;
import io.caucus.server.Membership;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** The JSON bodies of the membership endpoints, as records written by {@link AdminJson}. */
final class MembershipJson {

    private MembershipJson() {
    }

    /** A membership: the answer of {@code GET /members} and of every change. */
    record MembershipBody(String reportedBy, String leader, long term, boolean joint, List<String> voters,
                          List<String> outgoingVoters, List<String> learners, List<MemberBody> members) {
    }

    /**
     * {@code match} is -1 and {@code recentlyActive} false unless {@code reportedBy} leads; {@code client} and
     * {@code admin} as the log gives them (the client address: else as {@code reportedBy} was started with).
     */
    record MemberBody(String id, String part, long match, boolean recentlyActive, String raft, String client,
                      String admin) {
    }

    /** An error: a stable code, a message for people and, when known, the leader to ask instead. */
    record ErrorBody(String error, String message, String leader, String leaderHttp) {
    }

    static String render(Membership membership) {
        return AdminJson.write(new MembershipBody(id(membership.reportedBy()), id(membership.leader()),
                membership.term(), membership.configuration().isJoint(), ids(membership.configuration().voters()),
                ids(membership.configuration().outgoingVoters()), ids(membership.configuration().learners()),
                membership.members().stream().map(member -> new MemberBody(member.id().value(),
                        part(member.part()), member.matchIndex(), member.recentlyActive(),
                        member.raftAddress().map(HostPort::format).orElse(null),
                        member.clientAddress().map(HostPort::format).orElse(null),
                        member.adminAddress().map(HostPort::format).orElse(null))).toList()));
    }

    static String error(String code, String message, NodeId leader, InetSocketAddress leaderHttp) {
        return AdminJson.write(new ErrorBody(code, message, id(leader),
                leaderHttp == null ? null : HostPort.format(leaderHttp)));
    }

    static String part(Membership.Part part) {
        return part.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static List<String> ids(Collection<NodeId> ids) {
        return ids.stream().map(NodeId::value).toList();
    }

    static String id(NodeId id) {
        return id == null ? null : id.value();
    }
}
