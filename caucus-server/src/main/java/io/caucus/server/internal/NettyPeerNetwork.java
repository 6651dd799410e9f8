package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.PeerTransport;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The production {@link PeerNetwork}: the Netty {@link PeerTransport}, with its first event loop as the node's
 * executor, so peer messages reach the core and leave it with no thread hand-off (see {@link NodeLoop}).
 */
final class NettyPeerNetwork implements PeerNetwork {

    private final PeerTransport transport;
    private final LoopExecutor executor;

    NettyPeerNetwork(PeerTransport transport) {
        this.transport = transport;
        this.executor = new LoopExecutor(transport.eventLoop());
    }

    @Override
    public void start() {
        transport.start();
    }

    @Override
    public NodeExecutor executor() {
        return executor;
    }

    @Override
    public void send(RaftMessage message) {
        transport.send(message); // dropped when the peer's queue is full: counted in metrics, Raft retries
    }

    @Override
    public boolean sendSnapshotFrame(SnapshotFrame frame) {
        return transport.sendSnapshotFrame(frame);
    }

    @Override
    public void addPeer(NodeId peer, InetSocketAddress address) {
        transport.addPeer(peer, address);
    }

    @Override
    public void removePeer(NodeId peer) {
        transport.removePeer(peer);
    }

    @Override
    public Set<NodeId> peers() {
        return transport.peers();
    }

    @Override
    public boolean servesFollowerReads(NodeId peer) {
        return transport.carriesFollowerReads(peer);
    }

    @Override
    public void disconnect() {
        transport.disconnect();
    }

    @Override
    public TransportMetrics metrics() {
        return transport.metrics();
    }

    @Override
    public void close() {
        transport.close();
    }

    /** A Netty event loop seen as a {@link NodeExecutor}. */
    private record LoopExecutor(EventLoop loop) implements NodeExecutor {

        @Override
        public void execute(Runnable task) {
            loop.execute(task);
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            var future = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        }

        @Override
        public Timer scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long delayNanos) {
            var future = loop.scheduleWithFixedDelay(task, initialDelayNanos, delayNanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        }

        @Override
        public boolean inExecutor() {
            return loop.inEventLoop();
        }

        /** The loop itself: the Redis service registers its client channels on it (CaucusNode.executor()). */
        @Override
        public Executor forEmbedders() {
            return loop;
        }
    }
}
