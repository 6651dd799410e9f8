package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * What the runtime needs of the network between nodes: send messages and snapshot frames to peers (never
 * blocking, dropping when a peer cannot take more: Raft retries), follow the peers of the configuration, and the
 * executor the node's turns run on. Production: the Netty {@link io.caucus.transport.PeerTransport}, whose event
 * loop is that executor (see {@link NodeLoop} for why); a simulator delivers messages in virtual time.
 */
public interface PeerNetwork extends AutoCloseable {

    /** Opens a node's network; messages and frames that arrive go to {@code inbound}. Nothing is sent before start. */
    @FunctionalInterface
    interface Factory {
        PeerNetwork open(NodeSettings settings, InboundHandler inbound);
    }

    /** Starts listening and connecting to peers. */
    void start();

    /** The executor the node's turns run on; it runs until {@link #close()}. */
    NodeExecutor executor();

    /** Queues a message for its recipient; a message that cannot be queued is dropped. */
    void send(RaftMessage message);

    /**
     * Queues a snapshot data frame for its recipient; returns false if it was dropped (the recipient's queue is
     * full, or it is no peer): the stream is then abandoned and the core told, and the leader retries.
     */
    boolean sendSnapshotFrame(SnapshotFrame frame);

    void addPeer(NodeId peer, InetSocketAddress address);

    void removePeer(NodeId peer);

    Set<NodeId> peers();

    /** Stops talking to every peer but keeps the executor running (a failed node: see NodeRuntime). */
    void disconnect();

    TransportMetrics metrics();

    /**
     * False if {@code peer} is known to speak a wire version without followers' reads (an older release, during a
     * rolling upgrade): a follower then leaves its reads to the leader instead of asking it for a read index.
     */
    default boolean servesFollowerReads(NodeId peer) {
        return true;
    }

    @Override
    void close();
}
