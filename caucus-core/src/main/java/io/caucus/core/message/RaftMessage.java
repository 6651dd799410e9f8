package io.caucus.core.message;

import io.caucus.core.NodeId;

/**
 * Every message Raft servers exchange. Sealed, so a switch over it is exhaustive: adding a message type
 * breaks compilation wherever it must be handled (the core, the wire codec, the simulator).
 */
public sealed interface RaftMessage
        permits RequestVote, RequestVoteResponse, AppendEntries, AppendEntriesResponse, Heartbeat, HeartbeatResponse,
                TimeoutNow, InstallSnapshot, InstallSnapshotResponse, ReadIndexRequest, ReadIndexResponse {

    NodeId from();

    NodeId to();

    /** The sender's current term (for a pre-vote request: the term it would campaign in). */
    long term();
}
