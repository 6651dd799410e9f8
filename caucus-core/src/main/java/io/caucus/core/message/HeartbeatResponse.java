package io.caucus.core.message;

import io.caucus.core.NodeId;

/** The answer to a {@link Heartbeat}, echoing its read round. */
public record HeartbeatResponse(NodeId from, NodeId to, long term, long readRound) implements RaftMessage {
}
