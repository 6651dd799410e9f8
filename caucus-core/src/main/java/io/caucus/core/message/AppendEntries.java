package io.caucus.core.message;

import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import java.util.List;

/**
 * The leader replicates entries (Raft paper §5.3). The receiver accepts them only if its log holds an entry
 * at {@code prevLogIndex} with term {@code prevLogTerm}.
 *
 * @param entries      consecutive entries starting at prevLogIndex + 1; may be empty (a probe)
 * @param leaderCommit the leader's commit index
 */
public record AppendEntries(NodeId from, NodeId to, long term, long prevLogIndex, long prevLogTerm,
                            List<LogEntry> entries, long leaderCommit) implements RaftMessage {

    public AppendEntries {
        entries = List.copyOf(entries);
    }

    /** The index of the last entry this message carries, or prevLogIndex if it carries none. */
    public long lastIndex() {
        return prevLogIndex + entries.size();
    }

    @Override
    public String toString() {
        return "AppendEntries[" + from + "->" + to + " t" + term + " prev=" + prevLogIndex + "/t" + prevLogTerm
                + " entries=" + entries + " commit=" + leaderCommit + "]";
    }
}
