package io.caucus.sim;

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

/** Message classes the simulator counts separately (pre-votes apart from votes, rejections apart from acks). */
public enum MessageKind {
    PRE_VOTE,
    PRE_VOTE_RESPONSE,
    REQUEST_VOTE,
    REQUEST_VOTE_RESPONSE,
    APPEND_ENTRIES,
    APPEND_ENTRIES_ACK,
    APPEND_ENTRIES_REJECT,
    HEARTBEAT,
    HEARTBEAT_RESPONSE,
    TIMEOUT_NOW,
    INSTALL_SNAPSHOT,
    INSTALL_SNAPSHOT_RESPONSE,
    READ_INDEX_REQUEST,
    READ_INDEX_RESPONSE;

    public static MessageKind of(RaftMessage message) {
        return switch (message) {
            case RequestVote m -> m.preVote() ? PRE_VOTE : REQUEST_VOTE;
            case RequestVoteResponse m -> m.preVote() ? PRE_VOTE_RESPONSE : REQUEST_VOTE_RESPONSE;
            case AppendEntries m -> APPEND_ENTRIES;
            case AppendEntriesResponse m -> m.success() ? APPEND_ENTRIES_ACK : APPEND_ENTRIES_REJECT;
            case Heartbeat m -> HEARTBEAT;
            case HeartbeatResponse m -> HEARTBEAT_RESPONSE;
            case TimeoutNow m -> TIMEOUT_NOW;
            case InstallSnapshot m -> INSTALL_SNAPSHOT;
            case InstallSnapshotResponse m -> INSTALL_SNAPSHOT_RESPONSE;
            case ReadIndexRequest m -> READ_INDEX_REQUEST;
            case ReadIndexResponse m -> READ_INDEX_RESPONSE;
        };
    }
}
