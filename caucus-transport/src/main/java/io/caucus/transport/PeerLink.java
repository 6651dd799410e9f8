package io.caucus.transport;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.proto.Wire;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The one long-lived outbound connection from this node to one peer, with its bounded queue.
 *
 * <p>Threading: {@link #offer} runs on any thread and only touches the lock-free queue and its atomic
 * bounds. Everything else (the channel, the handshake state, the reconnect timer) is confined to this link's
 * event loop, so it needs no locks.
 *
 * <p>Batching: offer() schedules at most one drain task at a time; the drain writes every queued message
 * the socket will take and flushes once, so a burst of sends costs one flush (one gathering write syscall).
 */
final class PeerLink {

    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

    /** Messages written per drain before yielding the event loop to other channels. */
    private static final int MAX_WRITES_PER_DRAIN = 4096;

    private static final Wire.Frame PING = Wire.Frame.newBuilder()
            .setProcessPing(Wire.ProcessPing.getDefaultInstance()).build();

    private final NodeId self;
    private final NodeId peer;
    private final InetSocketAddress address;
    private final HostResolver resolver;
    private final TransportOptions options;
    private final Counters counters;
    private final EventLoop loop;
    /** Process pings on idle connections every this many nanoseconds; 0: none (a one-group node). */
    private final long pingIntervalNanos;

    /** A Raft message and the group it belongs to ({@link WireProtocol#SINGLE_GROUP} on a one-group node). */
    private record Outgoing(long group, RaftMessage message) {
    }

    /** A snapshot data frame and the group it belongs to. */
    private record OutgoingFrame(long group, SnapshotFrame frame) {
    }

    private final Queue<Outgoing> queue = new ConcurrentLinkedQueue<>();
    /**
     * Snapshot data frames, written after the Raft messages queued at each drain so that heartbeats never wait
     * behind megabytes of snapshot. Bounded by maxQueuedBytes on its own (the runtime's window keeps it small).
     */
    private final Queue<OutgoingFrame> snapshotQueue = new ConcurrentLinkedQueue<>();
    private final AtomicLong snapshotQueuedBytes = new AtomicLong();
    // Invariant: queuedMessages and queuedBytes cover every message in queue (they may briefly also cover a
    // message being offered that is about to be added or refused).
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    /** Mirrors handshakeDone for readers on other threads (metrics, status). */
    private volatile boolean connected;
    /** The version the current (or last) connection speaks, agreed at its handshake. */
    private volatile int protocolVersion;

    // Confined to loop.
    private Channel channel;
    private boolean handshakeDone;
    private int consecutiveFailures;
    /** What stopped the last attempt to connect, as logged; null once a handshake succeeds. */
    private String lastProblem;
    private ScheduledFuture<?> reconnectTimer;
    /** Whether anything was written since the ping timer last looked (process pings, protocol version 4). */
    private boolean wroteSinceLastPing;

    PeerLink(NodeId self, NodeId peer, InetSocketAddress address, TransportOptions options, Counters counters,
             EventLoop loop, HostResolver resolver, long pingIntervalNanos) {
        this.pingIntervalNanos = pingIntervalNanos;
        this.self = self;
        this.peer = peer;
        this.address = address;
        this.resolver = resolver;
        this.options = options;
        this.counters = counters;
        this.loop = loop;
    }

    NodeId peer() {
        return peer;
    }

    InetSocketAddress address() {
        return address;
    }

    boolean connected() {
        return connected;
    }

    int protocolVersion() {
        return protocolVersion;
    }

    int queuedMessages() {
        return queuedMessages.get();
    }

    /** Starts dialling the peer; later calls do nothing. */
    void start() {
        if (started.compareAndSet(false, true)) {
            try {
                loop.execute(this::connect);
            } catch (RejectedExecutionException e) {
                closed = true; // the transport closed concurrently
            }
        }
    }

    /**
     * Queues a message without blocking. Drops it (and counts the drop) if the queue is at its message or
     * byte bound, or if the link is closed: Raft tolerates lost messages (paper §5.1: RPCs are retried).
     *
     * @return true if queued
     */
    boolean offer(long group, RaftMessage message) {
        if (closed) {
            counters.droppedClosed.increment();
            return false;
        }
        long sizeBytes = WireCodec.estimatedSizeBytes(message);
        if (!reserve(sizeBytes)) {
            counters.droppedQueueFull.increment();
            return false;
        }
        queue.add(new Outgoing(group, message));
        drainSoon();
        return true;
    }

    /** Like {@link #offer(long, RaftMessage)}, for a snapshot frame. */
    boolean offer(long group, SnapshotFrame frame) {
        if (closed) {
            counters.droppedClosed.increment();
            return false;
        }
        long sizeBytes = frame.estimatedSizeBytes();
        if (snapshotQueuedBytes.addAndGet(sizeBytes) > options.maxQueuedBytes()) {
            snapshotQueuedBytes.addAndGet(-sizeBytes);
            counters.droppedQueueFull.increment();
            return false;
        }
        snapshotQueue.add(new OutgoingFrame(group, frame));
        drainSoon();
        return true;
    }

    private OutgoingFrame pollSnapshotFrame() {
        OutgoingFrame outgoing = snapshotQueue.poll();
        if (outgoing != null) {
            snapshotQueuedBytes.addAndGet(-outgoing.frame().estimatedSizeBytes());
        }
        return outgoing;
    }

    private boolean reserve(long sizeBytes) {
        if (queuedMessages.incrementAndGet() > options.maxQueuedMessages()) {
            queuedMessages.decrementAndGet();
            return false;
        }
        if (queuedBytes.addAndGet(sizeBytes) > options.maxQueuedBytes()) {
            queuedBytes.addAndGet(-sizeBytes);
            queuedMessages.decrementAndGet();
            return false;
        }
        return true;
    }

    private Outgoing poll() {
        Outgoing outgoing = queue.poll();
        if (outgoing != null) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-WireCodec.estimatedSizeBytes(outgoing.message()));
        }
        return outgoing;
    }

    /**
     * Drains now when called on this link's event loop: a node whose work runs on its transport's loop (the
     * runtime does, see PeerTransport#eventLoop) gets its messages written before it goes on, with no task and
     * no wake-up in between. From any other thread, schedules a drain.
     */
    private void drainSoon() {
        if (loop.inEventLoop()) {
            drain();
        } else {
            scheduleDrain();
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drainScheduled.set(false); // the transport is shutting down; close() counts what is left
            }
        }
    }

    /** Writes what the connection will take, then flushes once. Runs on loop. */
    private void drain() {
        drainScheduled.set(false);
        Channel ch = channel;
        if (ch == null || !handshakeDone) {
            return; // the handshake's completion drains
        }
        int written = 0;
        while (written < MAX_WRITES_PER_DRAIN && ch.isWritable()) {
            Outgoing outgoing = poll();
            if (outgoing == null) {
                break;
            }
            RaftMessage message = outgoing.message();
            if (!WireCodec.carries(message, protocolVersion)
                    || !WireCodec.carriesGroup(outgoing.group(), protocolVersion)) {
                counters.droppedUnknownType.increment(); // the peer's version does not know it
                continue;
            }
            Wire.Frame frame = WireCodec.toFrame(outgoing.group(), message, protocolVersion);
            if (frame.getSerializedSize() > options.maxFrameBytes()) {
                counters.droppedOversize.increment();
                LOG.atError().addKeyValue("node", self)
                        .log("dropping {} to {}: it encodes to {} bytes, over maxFrameBytes={}",
                                message.getClass().getSimpleName(), peer, frame.getSerializedSize(),
                                options.maxFrameBytes());
                continue;
            }
            ch.write(frame, ch.voidPromise());
            written++;
        }
        while (written < MAX_WRITES_PER_DRAIN && ch.isWritable() && queue.isEmpty()) {
            OutgoingFrame snapshotFrame = pollSnapshotFrame();
            if (snapshotFrame == null) {
                break;
            }
            if (!WireCodec.carriesGroup(snapshotFrame.group(), protocolVersion)) {
                counters.droppedUnknownType.increment();
                continue;
            }
            Wire.Frame frame = SnapshotFrames.toFrame(snapshotFrame.group(), snapshotFrame.frame());
            if (frame.getSerializedSize() > options.maxFrameBytes()) {
                counters.droppedOversize.increment();
                LOG.atError().addKeyValue("node", self)
                        .log("dropping a snapshot frame to {}: it encodes to {} bytes, over maxFrameBytes={}",
                                peer, frame.getSerializedSize(), options.maxFrameBytes());
                continue;
            }
            ch.write(frame, ch.voidPromise());
            written++;
        }
        if (written > 0) {
            wroteSinceLastPing = true;
            ch.flush();
            counters.flushes.increment();
            counters.messagesSent.add(written);
        }
        if (written == MAX_WRITES_PER_DRAIN) {
            scheduleDrain(); // more may be queued: continue on a later loop turn
        }
        // Otherwise the queue is empty or the channel unwritable; channelWritabilityChanged drains again.
    }

    /**
     * Dials the peer: at once when its address is an IP literal; a name is looked up again first, off the event
     * loop (a slow DNS server must not stall the node work that shares the loop), so every reconnect after a
     * failure goes to wherever the name points now.
     */
    private void connect() {
        if (closed) {
            return;
        }
        String host = address.getHostString();
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            dial(address.isUnresolved() ? new InetSocketAddress(host, address.getPort()) : address);
            return;
        }
        try {
            GlobalEventExecutor.INSTANCE.execute(() -> resolveThenDial(host));
        } catch (RejectedExecutionException e) {
            scheduleReconnect();
        }
    }

    /** Runs off the event loop. */
    private void resolveThenDial(String host) {
        InetSocketAddress target;
        try {
            target = new InetSocketAddress(resolver.resolve(host), address.getPort());
        } catch (UnknownHostException | RuntimeException e) {
            runOnLoop(() -> unresolved(e));
            return;
        }
        runOnLoop(() -> dial(target));
    }

    private void runOnLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            closed = true; // the transport closed meanwhile
        }
    }

    private void unresolved(Exception cause) {
        if (closed) {
            return;
        }
        LOG.atLevel(levelFor("unresolved", Level.WARN)).addKeyValue("node", self)
                .log("cannot resolve {}'s host {} ({}); retrying with backoff up to {} ms", peer,
                        address.getHostString(), cause.toString(), options.reconnectMaxMillis());
        consecutiveFailures++;
        scheduleReconnect();
    }

    /**
     * The level to log a problem that stops this link from connecting at: {@code loud} when it is new, DEBUG while
     * the same problem repeats at every retry, so a peer that stays down, or keeps refusing this node, logs one
     * line per outage and not one per attempt (the metrics keep counting every attempt).
     */
    private Level levelFor(String problem, Level loud) {
        if (problem.equals(lastProblem)) {
            return Level.DEBUG;
        }
        lastProblem = problem;
        return loud;
    }

    private void dial(InetSocketAddress target) {
        if (closed) {
            return;
        }
        counters.connectAttempts.increment();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NettyIo.socketChannel(loop))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, options.connectTimeoutMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeBufferLowBytes(), options.writeBufferHighBytes()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        PeerIdentity.addTls(ch, options, true);
                        ch.pipeline().addLast(
                                FrameParser.lengthDecoder(options.maxFrameBytes()),
                                FrameParser.INSTANCE,
                                FrameEncoder.INSTANCE,
                                new DialerHandler());
                    }
                });
        ChannelFuture connecting = bootstrap.connect(target);
        connecting.addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess() && !closed) {
                LOG.atLevel(levelFor("unreachable", Level.WARN)).addKeyValue("node", self)
                        .log("cannot reach {} at {} ({}); retrying with backoff up to {} ms", peer, target,
                                future.cause(), options.reconnectMaxMillis());
            }
        });
        Channel ch = connecting.channel();
        channel = ch;
        handshakeDone = false;
        // The close future is the single path to a reconnect, whether the dial failed or a live connection broke.
        ch.closeFuture().addListener((ChannelFutureListener) future -> onClosed(future.channel()));
    }

    private void onClosed(Channel ch) {
        if (channel != ch) {
            return;
        }
        boolean wasEstablished = handshakeDone;
        channel = null;
        handshakeDone = false;
        connected = false;
        if (closed) {
            return;
        }
        if (wasEstablished) {
            LOG.atWarn().addKeyValue("node", self).log("connection to {} at {} lost; reconnecting", peer, address);
        }
        consecutiveFailures++;
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        long delayMillis = Backoff.delayMillis(consecutiveFailures, options.reconnectInitialMillis(),
                options.reconnectMaxMillis(), ThreadLocalRandom.current().nextDouble());
        counters.reconnects.increment();
        reconnectTimer = loop.schedule(this::connect, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Stops reconnecting and closes the connection; queued messages stay until {@link #discardQueued}. */
    void close() {
        closed = true;
        try {
            loop.execute(() -> {
                if (reconnectTimer != null) {
                    reconnectTimer.cancel(false);
                }
                if (channel != null) {
                    channel.close();
                }
            });
        } catch (RejectedExecutionException e) {
            // The event loop already stopped, taking its channels with it.
        }
    }

    /** Drops and counts whatever is still queued; after close(). */
    void discardQueued() {
        while (poll() != null) {
            counters.droppedClosed.increment();
        }
        while (pollSnapshotFrame() != null) {
            counters.droppedClosed.increment();
        }
    }

    /** The dialling side of one connection: sends Hello, waits for HelloReply, then only writes. */
    private final class DialerHandler extends ChannelInboundHandlerAdapter {

        private ScheduledFuture<?> handshakeTimer;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // protocol_version is the oldest spoken: an acceptor that speaks only version 1 checks it for equality.
            ctx.writeAndFlush(Wire.Frame.newBuilder().setHello(Wire.Hello.newBuilder()
                    .setProtocolVersion(options.minProtocolVersion())
                    .setMaxProtocolVersion(options.maxProtocolVersion())
                    .setClusterName(options.clusterName())
                    .setFrom(self.value())
                    .setTo(peer.value())).build(), ctx.voidPromise());
            handshakeTimer = ctx.executor().schedule(() -> {
                LOG.atLevel(levelFor("handshake timeout", Level.WARN)).addKeyValue("node", self)
                        .log("{} at {} did not answer the handshake within {} ms; closing",
                                peer, address, options.handshakeTimeoutMillis());
                ctx.close();
            }, options.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Wire.Frame frame = (Wire.Frame) msg;
            if (handshakeDone || frame.getBodyCase() != Wire.Frame.BodyCase.HELLO_REPLY) {
                LOG.atError().addKeyValue("node", self)
                        .log("{} at {} sent an unexpected {} frame on an outbound connection; closing",
                                peer, address, frame.getBodyCase());
                ctx.close();
                return;
            }
            handshakeTimer.cancel(false);
            Wire.HelloReply reply = frame.getHelloReply();
            if (!reply.getAccepted()) {
                counters.handshakesRefusedByPeer.increment();
                LOG.atLevel(levelFor("refused: " + reply.getReason(), Level.ERROR)).addKeyValue("node", self)
                        .log("{} at {} refused the connection: {}", peer, address, reply.getReason());
                ctx.close();
                return;
            }
            int version = reply.getProtocolVersion();
            if (version < options.minProtocolVersion() || version > options.maxProtocolVersion()) {
                counters.handshakesRefused.increment();
                LOG.atLevel(levelFor("version " + version, Level.ERROR)).addKeyValue("node", self)
                        .log("refusing {} at {}: it chose wire protocol version {},"
                        + " this node speaks {}; upgrade the older node", peer, address, version,
                        WireProtocol.range(options.minProtocolVersion(), options.maxProtocolVersion()));
                ctx.close();
                return;
            }
            String mismatch = PeerIdentity.mismatch(ctx, peer, address);
            if (mismatch != null) {
                counters.handshakesRefused.increment();
                LOG.atLevel(levelFor(mismatch, Level.ERROR)).addKeyValue("node", self)
                        .log("refusing {} at {}: {}", peer, address, mismatch);
                ctx.close();
                return;
            }
            onHandshakeAccepted(ctx.channel(), version);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                drain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (handshakeTimer != null) {
                handshakeTimer.cancel(false);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String problem = Failures.describe(cause, options.maxFrameBytes());
            LOG.atLevel(levelFor(problem, Level.WARN)).addKeyValue("node", self)
                    .log("connection to {} at {} failed; closing: {}", peer, address, problem);
            ctx.close();
        }
    }

    private void onHandshakeAccepted(Channel ch, int version) {
        if (channel != ch) {
            return;
        }
        protocolVersion = version;
        handshakeDone = true;
        connected = true;
        consecutiveFailures = 0;
        lastProblem = null;
        counters.connectionsEstablished.increment();
        LOG.atInfo().addKeyValue("node", self)
                .log("connected to {} at {} (wire protocol version {})", peer, address, version);
        startPings(ch, version);
        drain();
    }

    /**
     * A host of many groups tells each peer process it is alive even when all their groups are quiet: on a
     * connection it has written nothing on for a ping interval, it writes a {@code ProcessPing} (docs/multiraft.md,
     * "Quiescence"). Only from protocol version 4, which knows pings; the timer ends with the connection.
     */
    private void startPings(Channel ch, int version) {
        if (pingIntervalNanos <= 0 || version < WireProtocol.GROUPS_VERSION) {
            return;
        }
        wroteSinceLastPing = false;
        ScheduledFuture<?> timer = loop.scheduleWithFixedDelay(() -> pingIfIdle(ch), pingIntervalNanos,
                pingIntervalNanos, TimeUnit.NANOSECONDS);
        ch.closeFuture().addListener(future -> timer.cancel(false));
    }

    private void pingIfIdle(Channel ch) {
        if (channel != ch || !handshakeDone) {
            return;
        }
        if (!wroteSinceLastPing && ch.isWritable()) {
            ch.writeAndFlush(PING, ch.voidPromise());
            counters.pingsSent.increment();
        }
        wroteSinceLastPing = false;
    }
}
