package io.caucus.transport;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.EntryType;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.core.message.ReadIndexResponse;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import io.caucus.core.message.TimeoutNow;
import java.util.List;
import java.util.Set;

/** One example of every message type, with every field set to a distinct non-default value. */
final class Messages {

    private Messages() {
    }

    static List<RaftMessage> oneOfEach(NodeId from, NodeId to) {
        return List.of(
                new RequestVote(from, to, 7, 41, 6, true, true),
                new RequestVoteResponse(from, to, 7, true, true),
                new AppendEntries(from, to, 7, 40, 5, List.of(
                        LogEntry.command(6, 41, new byte[] {1, 2, 3}),
                        LogEntry.noOp(7, 42),
                        new LogEntry(7, 43, EntryType.CONFIGURATION, new byte[] {9})), 39),
                AppendEntriesResponse.rejected(from, to, 7, 40, 3, 17),
                AppendEntriesResponse.accepted(from, to, 8, 43),
                new Heartbeat(from, to, 7, 39, 12),
                new HeartbeatResponse(from, to, 7, 12),
                new TimeoutNow(from, to, 7),
                new ReadIndexRequest(from, to, 7, 99),
                new ReadIndexResponse(from, to, 7, 99, true, 42),
                new InstallSnapshot(from, to, 7, new SnapshotMetadata(38, 6, new ClusterConfiguration(
                        Set.of(NodeId.of("a"), NodeId.of("b")), Set.of(NodeId.of("c")), Set.of(NodeId.of("d"))))),
                new InstallSnapshotResponse(from, to, 7, 38, true));
    }

    static Heartbeat heartbeat(NodeId from, NodeId to, long readRound) {
        return new Heartbeat(from, to, 1, 0, readRound);
    }

    static AppendEntries appendWithPayload(NodeId from, NodeId to, int payloadBytes) {
        return new AppendEntries(from, to, 1, 0, 0, List.of(LogEntry.command(1, 1, new byte[payloadBytes])), 0);
    }
}
