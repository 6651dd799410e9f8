package io.caucus.transport;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messaging between Raft servers over TCP. This node listens for connections from its peers and keeps one
 * long-lived connection to each peer, on which it only writes; a message's reply comes back on the replier's
 * own connection to this node.
 *
 * <p>{@link #send} never blocks: it puts the message on the peer's bounded queue, or drops and counts it
 * when the queue is full, the peer is unknown or the transport is closed. Raft tolerates lost, delayed and
 * reordered-across-reconnect messages (paper §5.1, §5.3), so loss is preferred to unbounded memory or a stalled
 * node thread. Inbound messages addressed to this node go to the inbound handler on a Netty event loop
 * thread; the handler must not block.
 *
 * <p>Threads: only the transport's Netty event loops ({@link TransportOptions#ioThreads()}); no locks (the
 * lifecycle is a compare-and-set state, the peer table a concurrent map). A caller may run its own work on
 * {@link #eventLoop()}: what it sends from there is written at once, and what arrives reaches its handler on
 * the same thread, so with one I/O thread (the default) neither direction costs a thread hand-off.
 */
public final class PeerTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PeerTransport.class);

    private final NodeId self;
    private final InetSocketAddress listenAddress;
    private final TransportOptions options;
    private final HostResolver resolver;
    private final InboundHandler inbound;
    private final Counters counters = new Counters();
    private final RepeatFilter refusals = new RepeatFilter(RepeatFilter.DEFAULT_INTERVAL_NANOS);
    private final EventLoopGroup group;
    private final Map<NodeId, PeerLink> links = new ConcurrentHashMap<>();
    /** When each peer process was last heard from (System.nanoTime()): any frame on a connection it opened. */
    private final Map<NodeId, AtomicLong> lastHeard = new ConcurrentHashMap<>();
    private final long pingIntervalNanos;
    private volatile long startedNanos = System.nanoTime();
    /**
     * Connections peers opened to this node, for disconnect(): each leaves the group when it closes, and once the
     * group is closed, one accepted after all (a race with closing the listener) is closed as it joins.
     */
    private final ChannelGroup accepted;

    /** DISCONNECTED: no connections and no sends; the event loops still run until close(). */
    private enum State { NEW, STARTED, DISCONNECTED, CLOSED }

    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private volatile Channel serverChannel;

    private PeerTransport(Builder builder) {
        this.self = builder.self;
        this.listenAddress = Objects.requireNonNull(builder.listenAddress, "listenAddress is required");
        this.options = builder.options;
        this.resolver = builder.resolver;
        this.inbound = Objects.requireNonNull(builder.inbound, "inboundHandler is required");
        this.pingIntervalNanos = builder.pingIntervalNanos;
        this.group = NettyIo.newGroup(options.ioThreads(), new DefaultThreadFactory(builder.threadName, true));
        this.accepted = new DefaultChannelGroup(eventLoop(), true);
        builder.peers.forEach((peer, address) -> links.put(peer, newLink(peer, address)));
    }

    public static Builder builder(NodeId self) {
        return new Builder(self);
    }

    /**
     * Listens on the listen address and starts dialling every peer.
     *
     * @throws IllegalStateException if already started or closed, or if the address cannot be bound
     */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.STARTED)) {
            throw new IllegalStateException("transport of " + self + " is " + state.get() + ", cannot start");
        }
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(NettyIo.serverChannel(group))
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.add(ch);
                        PeerIdentity.addTls(ch, options, false);
                        ch.pipeline().addLast(
                                FrameParser.lengthDecoder(options.maxFrameBytes()),
                                FrameParser.INSTANCE,
                                FrameEncoder.INSTANCE,
                                new AcceptorHandler(self, options, counters, inbound, PeerTransport.this::memberAddress,
                                        refusals, PeerTransport.this::heardFrom));
                    }
                })
                .bind(listenAddress)
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            close();
            throw new IllegalStateException(self + " cannot listen on " + listenAddress + ": " + bind.cause(),
                    bind.cause());
        }
        serverChannel = bind.channel();
        startedNanos = System.nanoTime();
        links.values().forEach(PeerLink::start);
        LOG.atInfo().addKeyValue("node", self).log("listening on {}, peers {}", localAddress(), peers());
    }

    /** The address this transport listens on (with the real port when 0 was asked for); after start(). */
    public InetSocketAddress localAddress() {
        Channel channel = serverChannel;
        if (channel == null) {
            throw new IllegalStateException("transport of " + self + " is not listening");
        }
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * Queues a message for its recipient without blocking; see the class comment for when it is dropped.
     *
     * @return true if queued, false if dropped (and counted in {@link #metrics()})
     * @throws IllegalArgumentException if the message is not from this node, or is addressed to this node
     */
    public boolean send(RaftMessage message) {
        return send(WireProtocol.SINGLE_GROUP, message);
    }

    /**
     * Queues a message of Raft group {@code group} (a host of many groups, protocol version 4) like
     * {@link #send(RaftMessage)}; messages of every group share the one connection to their peer, in order. A peer
     * whose version predates groups gets none but group 0's (the others are dropped and counted).
     */
    public boolean send(long group, RaftMessage message) {
        if (!message.from().equals(self)) {
            throw new IllegalArgumentException("transport of " + self + " cannot send a message from "
                    + message.from() + ": " + message);
        }
        if (message.to().equals(self)) {
            throw new IllegalArgumentException("transport of " + self + " cannot send a message to itself: "
                    + message);
        }
        if (isDisconnected()) {
            counters.droppedClosed.increment();
            return false;
        }
        PeerLink link = links.get(message.to());
        if (link == null) {
            counters.droppedUnknownPeer.increment();
            return false;
        }
        return link.offer(group, message);
    }

    /**
     * Queues a snapshot data frame for its recipient without blocking, after any Raft messages queued for it;
     * dropped (and counted) like {@link #send} when the peer is unknown, its queue full or the transport closed.
     * Frames to one peer are written in order on one connection; a lost connection may lose some, which the
     * runtime's transfer protocol detects (offsets) and answers by starting over.
     *
     * @return true if queued
     */
    public boolean sendSnapshotFrame(SnapshotFrame frame) {
        return sendSnapshotFrame(WireProtocol.SINGLE_GROUP, frame);
    }

    /** Like {@link #sendSnapshotFrame(SnapshotFrame)}, for a frame of Raft group {@code group}. */
    public boolean sendSnapshotFrame(long group, SnapshotFrame frame) {
        if (!frame.from().equals(self) || frame.to().equals(self)) {
            throw new IllegalArgumentException("transport of " + self + " cannot send a snapshot frame from "
                    + frame.from() + " to " + frame.to());
        }
        if (isDisconnected()) {
            counters.droppedClosed.increment();
            return false;
        }
        PeerLink link = links.get(frame.to());
        if (link == null) {
            counters.droppedUnknownPeer.increment();
            return false;
        }
        return link.offer(group, frame);
    }

    /**
     * Adds a peer (a membership change, Raft paper §6), or moves it to a new address. Messages still queued
     * for its old address are dropped.
     */
    public void addPeer(NodeId peer, InetSocketAddress address) {
        if (peer.equals(self)) {
            throw new IllegalArgumentException("a node is not its own peer: " + peer);
        }
        Objects.requireNonNull(address, "address of peer " + peer);
        if (isDisconnected()) {
            throw new IllegalStateException("transport of " + self + " is " + state.get());
        }
        PeerLink link = links.compute(peer, (id, existing) -> {
            if (existing != null && existing.address().equals(address)) {
                return existing;
            }
            if (existing != null) {
                existing.close();
                existing.discardQueued();
            }
            return newLink(peer, address);
        });
        if (state.get() == State.STARTED) {
            link.start(); // idempotent, so a race with start() dials once
        }
        if (isDisconnected()) {
            link.close(); // a disconnect() that raced with this call saw the old table
            link.discardQueued();
        }
    }

    /** Stops talking to a peer; messages still queued for it are dropped and counted. */
    public void removePeer(NodeId peer) {
        PeerLink link = links.remove(peer);
        if (link != null) {
            link.close();
            link.discardQueued();
        }
    }

    /** The current peers. */
    public Set<NodeId> peers() {
        return Set.copyOf(links.keySet());
    }

    /** Messages queued for a peer and not yet written to its connection (0 for an unknown peer). */
    public int queuedMessages(NodeId peer) {
        PeerLink link = links.get(peer);
        return link == null ? 0 : link.queuedMessages();
    }

    /** True while the outbound connection to the peer is established (handshake accepted). */
    public boolean isConnected(NodeId peer) {
        PeerLink link = links.get(peer);
        return link != null && link.connected();
    }

    /**
     * When {@code peer}'s process was last heard from ({@link System#nanoTime()}): the last read of any frame (a
     * Raft message of any group, a snapshot frame, a process ping) on a connection it opened to this node; the
     * time this transport started if never. A host of many groups uses it to tell a dead process from quiet groups
     * (docs/multiraft.md, "Quiescence"), which is why peers of such a host send pings ({@link Builder#processPings}).
     */
    public long lastHeardNanos(NodeId peer) {
        AtomicLong heard = lastHeard.get(peer);
        return heard == null ? startedNanos : heard.get();
    }

    private void heardFrom(NodeId peer) {
        lastHeard.computeIfAbsent(peer, id -> new AtomicLong()).set(System.nanoTime());
    }

    /**
     * False if {@code peer} is known to speak a wire version without followers' reads (an older release, during a
     * rolling upgrade); true while that is not known (not connected yet).
     */
    public boolean carriesFollowerReads(NodeId peer) {
        return protocolVersion(peer).orElse(WireProtocol.PROTOCOL_VERSION) >= WireProtocol.FOLLOWER_READS_VERSION;
    }

    /** The wire protocol version of the connection to {@code peer}, while it is connected. */
    public java.util.OptionalInt protocolVersion(NodeId peer) {
        PeerLink link = links.get(peer);
        return link != null && link.connected() ? java.util.OptionalInt.of(link.protocolVersion())
                : java.util.OptionalInt.empty();
    }

    public NodeId self() {
        return self;
    }

    public TransportMetrics metrics() {
        return counters.snapshot();
    }

    /**
     * Leaves the cluster for good: closes the listener and every connection, to peers and from them, and drops
     * (and counts) what is queued; later sends are dropped too. The event loops keep running, with whatever else
     * the caller registered on them, until {@link #close()}. Idempotent; never waits.
     */
    public void disconnect() {
        State before = state.getAndUpdate(current -> current == State.CLOSED ? current : State.DISCONNECTED);
        if (before == State.DISCONNECTED || before == State.CLOSED) {
            return;
        }
        closeConnections();
        links.values().forEach(PeerLink::discardQueued);
        LOG.atInfo().addKeyValue("node", self).log("transport disconnected");
    }

    /**
     * Closes every connection and stops the event loops, waiting at most
     * {@link TransportOptions#shutdownTimeoutMillis()}. Messages still queued are dropped and counted.
     * Idempotent. Called from the inbound handler (an event loop thread) it starts the shutdown without
     * waiting, since a loop cannot wait for its own end.
     */
    @Override
    public void close() {
        State before = state.getAndSet(State.CLOSED);
        if (before == State.CLOSED) {
            return;
        }
        if (before != State.DISCONNECTED) {
            closeConnections();
        }
        shutdownGroup();
        links.values().forEach(PeerLink::discardQueued);
        LOG.atInfo().addKeyValue("node", self).log("transport closed");
    }

    private boolean isDisconnected() {
        State current = state.get();
        return current == State.DISCONNECTED || current == State.CLOSED;
    }

    private void closeConnections() {
        links.values().forEach(PeerLink::close);
        Channel channel = serverChannel;
        if (channel != null) {
            channel.close();
        }
        accepted.close();
    }

    private void shutdownGroup() {
        for (EventExecutor loop : group) {
            if (loop.inEventLoop()) {
                group.shutdownGracefully(0, options.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS);
                return;
            }
        }
        boolean stopped = group.shutdownGracefully(0, options.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(options.shutdownTimeoutMillis());
        if (!stopped) {
            LOG.atWarn().addKeyValue("node", self)
                    .log("event loops did not stop within {} ms", options.shutdownTimeoutMillis());
        }
    }

    /**
     * The first of the transport's event loops. With {@link TransportOptions#ioThreads()} at 1 every connection
     * (outbound links and accepted ones) is served by it; with more, some are served elsewhere and hand their
     * messages over. Tasks run on it must be short, or accept that peer I/O waits for them.
     */
    public EventLoop eventLoop() {
        return (EventLoop) group.iterator().next();
    }

    /** The address of a current peer, or null if {@code peer} is not one. */
    private InetSocketAddress memberAddress(NodeId peer) {
        PeerLink link = links.get(peer);
        return link == null ? null : link.address();
    }

    private PeerLink newLink(NodeId peer, InetSocketAddress address) {
        return new PeerLink(self, peer, address, options, counters, group.next(), resolver, pingIntervalNanos);
    }

    /** Builds a {@link PeerTransport}; listenAddress and inboundHandler are required. */
    public static final class Builder {
        private final NodeId self;
        private InetSocketAddress listenAddress;
        private final Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        private TransportOptions options = TransportOptions.defaults();
        private InboundHandler inbound;
        private String threadName;
        private HostResolver resolver = HostResolver.SYSTEM;
        private long pingIntervalNanos;

        private Builder(NodeId self) {
            this.self = Objects.requireNonNull(self, "self");
            this.threadName = "caucus-transport-" + self;
        }

        /** Names the event loop threads (a suffix numbers them); "caucus-transport-ID" by default. */
        public Builder threadName(String name) {
            this.threadName = Objects.requireNonNull(name, "threadName");
            return this;
        }

        /** Where to listen; port 0 picks a free port (see {@link #localAddress()}). */
        public Builder listenAddress(InetSocketAddress address) {
            this.listenAddress = address;
            return this;
        }

        public Builder peer(NodeId peer, InetSocketAddress address) {
            if (peer.equals(self)) {
                throw new IllegalArgumentException("a node is not its own peer: " + peer);
            }
            peers.put(peer, Objects.requireNonNull(address, "address of peer " + peer));
            return this;
        }

        /** Adds every entry of the map except this node itself, so a whole-cluster map can be passed. */
        public Builder peers(Map<NodeId, InetSocketAddress> addresses) {
            addresses.forEach((peer, address) -> {
                if (!peer.equals(self)) {
                    peer(peer, address);
                }
            });
            return this;
        }

        public Builder options(TransportOptions value) {
            this.options = Objects.requireNonNull(value, "options");
            return this;
        }

        /** Looks up peers given by host name, before every dial; {@link HostResolver#SYSTEM} by default. */
        public Builder hostResolver(HostResolver value) {
            this.resolver = Objects.requireNonNull(value, "hostResolver");
            return this;
        }

        /**
         * Writes a process ping on each outbound connection on which nothing was written for {@code interval}, so
         * that peers' {@link #lastHeardNanos} stays fresh while every group is quiet (a host of many groups; a
         * one-group node's heartbeats do that already). Off (zero) by default; only on protocol version 4 and later.
         */
        public Builder processPings(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("the ping interval must not be negative: " + interval);
            }
            this.pingIntervalNanos = interval.toNanos();
            return this;
        }

        /** Receives every valid inbound message addressed to this node, on an event loop; must not block. */
        public Builder inboundHandler(InboundHandler handler) {
            this.inbound = handler;
            return this;
        }

        public PeerTransport build() {
            return new PeerTransport(this);
        }
    }
}
