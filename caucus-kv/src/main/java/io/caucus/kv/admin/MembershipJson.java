package io.caucus.kv.admin;

import io.caucus.core.NodeId;
import io.caucus.kv.config.HostPort;
import io.caucus.server.Membership;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Locale;

/**
 * The JSON the admin endpoints answer with. Node ids hold only [A-Za-z0-9._-] (see NodeId), so they need no
 * escaping; messages do.
 */
public final class MembershipJson {

    private MembershipJson() {
    }

    static String render(Membership membership) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"reportedBy\":").append(quoted(membership.reportedBy()))
                .append(",\"leader\":").append(quoted(membership.leader()))
                .append(",\"term\":").append(membership.term())
                .append(",\"joint\":").append(membership.configuration().isJoint())
                .append(",\"voters\":").append(ids(membership.configuration().voters()))
                .append(",\"outgoingVoters\":").append(ids(membership.configuration().outgoingVoters()))
                .append(",\"learners\":").append(ids(membership.configuration().learners()))
                .append(",\"members\":[");
        String separator = "";
        for (Membership.Member member : membership.members()) {
            json.append(separator).append("{\"id\":").append(quoted(member.id()))
                    .append(",\"part\":\"").append(part(member.part())).append('"')
                    .append(",\"match\":").append(member.matchIndex())
                    .append(",\"recentlyActive\":").append(member.recentlyActive())
                    .append(",\"raft\":").append(member.raftAddress().map(HostPort::format)
                            .map(MembershipJson::quoted).orElse("null"))
                    .append('}');
            separator = ",";
        }
        return json.append("]}\n").toString();
    }

    /** An error: a stable code, a message for people and, when known, the leader to ask instead. */
    static String error(String code, String message, NodeId leader, InetSocketAddress leaderHttp) {
        return "{\"error\":\"" + code + "\",\"message\":" + quoted(message) + ",\"leader\":" + quoted(leader)
                + ",\"leaderHttp\":" + (leaderHttp == null ? "null" : quoted(HostPort.format(leaderHttp))) + "}\n";
    }

    static String part(Membership.Part part) {
        return part.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String ids(Collection<NodeId> ids) {
        StringBuilder json = new StringBuilder("[");
        String separator = "";
        for (NodeId id : ids) {
            json.append(separator).append(quoted(id));
            separator = ",";
        }
        return json.append(']').toString();
    }

    public static String quoted(NodeId id) {
        return id == null ? "null" : "\"" + id.value() + "\"";
    }

    public static String quoted(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
