package io.caucus.kv.protocol;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import java.util.Locale;
import java.util.stream.Collectors;

/** The text of the INFO command: "# Section" headers and "field:value" lines, CRLF separated, as Redis does. */
final class InfoText {

    private InfoText() {
    }

    static String render(String section, NodeStatus status) {
        StringBuilder out = new StringBuilder(512);
        boolean all = section.equals("all") || section.equals("default") || section.equals("everything");
        if (all || section.equals("server")) {
            out.append("# Server\r\n")
                    .append("redis_version:7.0.0-caucus\r\n")
                    .append("caucus_node_id:").append(status.id()).append("\r\n")
                    .append("process_id:").append(ProcessHandle.current().pid()).append("\r\n")
                    .append("\r\n");
        }
        if (all || section.equals("raft")) {
            out.append("# Raft\r\n")
                    .append("role:").append(status.role().name().toLowerCase(Locale.ROOT)).append("\r\n")
                    .append("term:").append(status.term()).append("\r\n")
                    .append("leader:").append(status.leader() == null ? "" : status.leader()).append("\r\n")
                    .append("commit_index:").append(status.commitIndex()).append("\r\n")
                    .append("applied_index:").append(status.appliedIndex()).append("\r\n")
                    .append("last_index:").append(status.lastIndex()).append("\r\n")
                    .append("members:").append(status.configuration().members().stream().map(NodeId::value)
                            .collect(Collectors.joining(","))).append("\r\n");
            status.followers().forEach((id, follower) -> out.append("follower_").append(id).append(":match_index=")
                    .append(follower.matchIndex()).append(",next_index=").append(follower.nextIndex())
                    .append(",state=").append(follower.state()).append("\r\n"));
        }
        return out.toString();
    }
}
