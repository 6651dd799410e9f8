package io.caucus.transport;

import io.caucus.core.message.RaftMessage;

/**
 * Receives the valid inbound messages addressed to this node. Called on a Netty event loop thread: it must
 * not block (hand the message to the node's own thread).
 */
@FunctionalInterface
public interface InboundHandler {

    /** One message, in the order its sender sent it on its connection. */
    void onMessage(RaftMessage message);

    /**
     * One snapshot data frame ({@link SnapshotFrame}), in the order its sender sent it on its connection. The
     * default drops it: a node that does not stream snapshots ignores them.
     */
    default void onSnapshotFrame(SnapshotFrame frame) {
    }

    /**
     * One message of Raft group {@code group} (protocol version 4: a host of many groups). The default serves a node
     * of one group: it takes group {@link WireProtocol#SINGLE_GROUP} to {@link #onMessage(RaftMessage)} and refuses
     * every other.
     *
     * @return false if this node hosts no such group: the transport drops the message and counts it
     *         ({@link TransportMetrics#droppedUnknownGroup()})
     */
    default boolean onMessage(long group, RaftMessage message) {
        if (group != WireProtocol.SINGLE_GROUP) {
            return false;
        }
        onMessage(message);
        return true;
    }

    /** Like {@link #onMessage(long, RaftMessage)}, for a snapshot data frame. */
    default boolean onSnapshotFrame(long group, SnapshotFrame frame) {
        if (group != WireProtocol.SINGLE_GROUP) {
            return false;
        }
        onSnapshotFrame(frame);
        return true;
    }

    /**
     * Called after the messages of one socket read have been passed to {@link #onMessage}, so a runtime can
     * wake its node thread once per batch instead of once per message. May be called after a read that
     * delivered nothing.
     */
    default void onReadComplete() {
    }
}
