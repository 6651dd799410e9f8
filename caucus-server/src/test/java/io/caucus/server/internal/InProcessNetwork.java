package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link PeerNetwork.Factory} with no sockets and no Netty: the nodes opened on it hand each other messages
 * in memory, and each node's turns run on a single-thread scheduled executor of its own. A message to a node
 * that is not open, or that the sender does not count among its peers, is dropped, as a real network drops it.
 */
final class InProcessNetwork implements PeerNetwork.Factory {

    private final Map<NodeId, Endpoint> open = new ConcurrentHashMap<>();

    @Override
    public PeerNetwork open(NodeSettings settings, InboundHandler inbound) {
        return new Endpoint(settings.id(), settings.peers().keySet(), inbound);
    }

    /** Messages each node has handed to the network so far (delivered or not). */
    long sentBy(NodeId node) {
        Endpoint endpoint = open.get(node);
        return endpoint == null ? 0 : endpoint.sent.get();
    }

    private final class Endpoint implements PeerNetwork {

        private final NodeId self;
        private final InboundHandler inbound;
        private final Set<NodeId> peers = ConcurrentHashMap.newKeySet();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong received = new AtomicLong();
        private final ScheduledExecutor executor;

        Endpoint(NodeId self, Set<NodeId> peers, InboundHandler inbound) {
            this.self = self;
            this.inbound = inbound;
            this.peers.addAll(peers);
            this.peers.remove(self);
            this.executor = new ScheduledExecutor("in-process-" + self);
        }

        @Override
        public void start() {
            open.put(self, this);
        }

        @Override
        public NodeExecutor executor() {
            return executor;
        }

        @Override
        public void send(RaftMessage message) {
            sent.incrementAndGet();
            Endpoint target = peers.contains(message.to()) ? open.get(message.to()) : null;
            if (target != null) {
                target.received.incrementAndGet();
                target.inbound.onMessage(message);
            }
        }

        @Override
        public boolean sendSnapshotFrame(SnapshotFrame frame) {
            Endpoint target = peers.contains(frame.to()) ? open.get(frame.to()) : null;
            if (target == null) {
                return false;
            }
            target.inbound.onSnapshotFrame(frame);
            return true;
        }

        @Override
        public void addPeer(NodeId peer, InetSocketAddress address) {
            peers.add(peer);
        }

        @Override
        public void removePeer(NodeId peer) {
            peers.remove(peer);
        }

        @Override
        public Set<NodeId> peers() {
            return Set.copyOf(peers);
        }

        @Override
        public void disconnect() {
            open.remove(self, this);
            peers.clear();
        }

        @Override
        public TransportMetrics metrics() {
            return TransportMetrics.ofMessages(sent.get(), received.get());
        }

        @Override
        public void close() {
            disconnect();
            executor.shutdownNow();
        }
    }

    /** One thread; tasks and timers in the order queued; rejects tasks once shut down, as a closed loop does. */
    static final class ScheduledExecutor implements NodeExecutor {

        private final ScheduledThreadPoolExecutor pool;
        private volatile Thread thread;

        ScheduledExecutor(String name) {
            this.pool = new ScheduledThreadPoolExecutor(1,
                    runnable -> thread = Thread.ofPlatform().daemon().name(name).unstarted(runnable));
        }

        @Override
        public void execute(Runnable task) {
            pool.execute(task);
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            var future = pool.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        }

        @Override
        public Timer scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long delayNanos) {
            var future = pool.scheduleWithFixedDelay(task, initialDelayNanos, delayNanos, TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        }

        @Override
        public boolean inExecutor() {
            return Thread.currentThread() == thread;
        }

        void shutdownNow() {
            pool.shutdownNow();
        }
    }
}
