package io.caucus.core;

/** The outcome of a {@link RaftNode#readIndex(long)} request. */
public sealed interface ReadResult {

    long requestId();

    /**
     * Leadership was confirmed after the request arrived (thesis §6.4): once the state machine has applied
     * {@code readIndex}, a read of it is linearizable.
     */
    record Confirmed(long requestId, long readIndex) implements ReadResult {
    }

    /** Leadership could not be confirmed: the read was not served; retry at {@code leaderHint} if known. */
    record Rejected(long requestId, NodeId leaderHint) implements ReadResult {
    }
}
