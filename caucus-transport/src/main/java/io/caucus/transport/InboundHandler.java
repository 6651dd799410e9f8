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
     * Called after the messages of one socket read have been passed to {@link #onMessage}, so a runtime can
     * wake its node thread once per batch instead of once per message. May be called after a read that
     * delivered nothing.
     */
    default void onReadComplete() {
    }
}
