package io.caucus.transport;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.proto.Wire;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting side of one connection from a peer: checks the Hello, answers it, then reads Raft messages
 * and hands those addressed to this node to the inbound handler. One instance per connection; confined to
 * the connection's event loop.
 */
final class AcceptorHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(AcceptorHandler.class);

    private final NodeId self;
    private final TransportOptions options;
    private final Counters counters;
    private final InboundHandler inbound;
    /** A current peer's address, null for a node that is not one: who a TLS peer may claim to be. */
    private final Function<NodeId, InetSocketAddress> members;
    /** Holds back refusals that repeat (the same host, the same reason) across connections. */
    private final RepeatFilter refusals;
    /** Told the peer once per read: its process is alive (a host's process liveness). */
    private final Consumer<NodeId> heard;

    /** The peer named by an accepted Hello; null until then. */
    private NodeId remote;
    private ScheduledFuture<?> handshakeTimer;

    AcceptorHandler(NodeId self, TransportOptions options, Counters counters, InboundHandler inbound,
                    Function<NodeId, InetSocketAddress> members, RepeatFilter refusals,
                    Consumer<NodeId> heard) {
        this.self = self;
        this.heard = heard;
        this.refusals = refusals;
        this.members = members;
        this.options = options;
        this.counters = counters;
        this.inbound = inbound;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshakeTimer = ctx.executor().schedule(() -> {
            LOG.atWarn().addKeyValue("node", self)
                    .log("{} sent no Hello within {} ms; closing",
                            ctx.channel().remoteAddress(), options.handshakeTimeoutMillis());
            ctx.close();
        }, options.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Wire.Frame frame = (Wire.Frame) msg;
        if (remote == null) {
            onHello(ctx, frame);
        } else {
            onMessage(frame);
        }
    }

    private void onHello(ChannelHandlerContext ctx, Wire.Frame frame) {
        handshakeTimer.cancel(false);
        if (frame.getBodyCase() != Wire.Frame.BodyCase.HELLO) {
            refuse(ctx, "the first frame must be a Hello, got " + frame.getBodyCase());
            return;
        }
        Wire.Hello hello = frame.getHello();
        String problem = helloProblem(ctx, hello);
        if (problem != null) {
            refuse(ctx, problem);
            return;
        }
        remote = NodeId.of(hello.getFrom());
        int version = WireProtocol.newestCommon(hello.getProtocolVersion(), newestOf(hello),
                options.minProtocolVersion(), options.maxProtocolVersion());
        ctx.writeAndFlush(Wire.Frame.newBuilder().setHelloReply(Wire.HelloReply.newBuilder()
                .setAccepted(true)
                .setProtocolVersion(version)
                .setNodeId(self.value())).build(), ctx.voidPromise());
        LOG.atDebug().addKeyValue("node", self).log("accepted connection from {} at {}, protocol version {}",
                remote, ctx.channel().remoteAddress(), version);
    }

    /** The newest version the dialler speaks: a dialler that names none speaks only its protocol_version. */
    private static int newestOf(Wire.Hello hello) {
        return Math.max(hello.getProtocolVersion(), hello.getMaxProtocolVersion());
    }

    /** Why a Hello is refused, or null if it is acceptable. */
    private String helloProblem(ChannelHandlerContext context, Wire.Hello hello) {
        if (WireProtocol.newestCommon(hello.getProtocolVersion(), newestOf(hello), options.minProtocolVersion(),
                options.maxProtocolVersion()) < 0) {
            return "no common wire protocol version: " + hello.getFrom() + " speaks "
                    + WireProtocol.range(hello.getProtocolVersion(), newestOf(hello)) + ", this node (" + self
                    + ") speaks " + WireProtocol.range(options.minProtocolVersion(), options.maxProtocolVersion())
                    + "; upgrade the older node";
        }
        if (!hello.getClusterName().equals(options.clusterName())) {
            return "cluster name '" + hello.getClusterName() + "' does not match this node's cluster '"
                    + options.clusterName() + "'";
        }
        if (!hello.getTo().equals(self.value())) {
            return "this address belongs to node " + self + ", not to '" + hello.getTo() + "'";
        }
        NodeId from;
        try {
            from = NodeId.of(hello.getFrom());
        } catch (IllegalArgumentException e) {
            return "the sender's node id is invalid: " + e.getMessage();
        }
        return PeerIdentity.mismatch(context, from, members.apply(from));
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
        counters.handshakesRefused.increment();
        logRefusal(ctx, reason);
        ctx.writeAndFlush(Wire.Frame.newBuilder().setHelloReply(Wire.HelloReply.newBuilder()
                        .setAccepted(false)
                        .setProtocolVersion(options.maxProtocolVersion())
                        .setMinProtocolVersion(options.minProtocolVersion())
                        .setNodeId(self.value())
                        .setReason(reason)).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void onMessage(Wire.Frame frame) {
        if (frame.getBodyCase() == Wire.Frame.BodyCase.PROCESS_PING) {
            return; // its arrival is the message: channelReadComplete records that the peer is alive
        }
        if (SnapshotFrames.isSnapshotFrame(frame)) {
            onSnapshotFrame(frame.getGroup(), SnapshotFrames.fromFrame(frame));
            return;
        }
        Optional<RaftMessage> decoded = WireCodec.fromFrame(frame);
        if (decoded.isEmpty()) {
            counters.droppedUnknownType.increment();
            LOG.atDebug().addKeyValue("node", self).log("dropping a frame of unknown type from {}", remote);
            return;
        }
        RaftMessage message = decoded.get();
        if (!message.to().equals(self)) {
            counters.droppedWrongRecipient.increment();
            LOG.atWarn().addKeyValue("node", self)
                    .log("dropping {} from {} addressed to {}",
                            message.getClass().getSimpleName(), remote, message.to());
            return;
        }
        if (!message.from().equals(remote)) {
            counters.droppedWrongSender.increment();
            LOG.atWarn().addKeyValue("node", self)
                    .log("dropping {} claiming to be from {} on {}'s connection",
                            message.getClass().getSimpleName(), message.from(), remote);
            return;
        }
        deliver(frame.getGroup(), message);
    }

    private void onSnapshotFrame(long group, SnapshotFrame frame) {
        if (!frame.to().equals(self) || !frame.from().equals(remote)) {
            counters.droppedWrongRecipient.increment();
            LOG.atWarn().addKeyValue("node", self)
                    .log("dropping a snapshot frame from {} to {} on {}'s connection",
                            frame.from(), frame.to(), remote);
            return;
        }
        try {
            if (inbound.onSnapshotFrame(group, frame)) {
                counters.messagesReceived.increment();
            } else {
                droppedUnknownGroup(group, "a snapshot frame");
            }
        } catch (RuntimeException e) {
            counters.handlerFailures.increment();
            LOG.atError().addKeyValue("node", self).setCause(e).log("the inbound handler failed on a snapshot frame");
        }
    }

    private void deliver(long group, RaftMessage message) {
        try {
            if (inbound.onMessage(group, message)) {
                counters.messagesReceived.increment();
            } else {
                droppedUnknownGroup(group, message.getClass().getSimpleName());
            }
        } catch (RuntimeException e) {
            counters.handlerFailures.increment();
            LOG.atError().addKeyValue("node", self).setCause(e).log("the inbound handler failed on {}", message);
        }
    }

    private void droppedUnknownGroup(long group, String what) {
        counters.droppedUnknownGroup.increment();
        LOG.atDebug().addKeyValue("node", self).log("dropping {} from {} of group {}, which is not hosted here", what,
                remote, group);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (remote != null) {
            heard.accept(remote);
            try {
                inbound.onReadComplete();
            } catch (RuntimeException e) {
                counters.handlerFailures.increment();
                LOG.atError().addKeyValue("node", self).setCause(e)
                        .log("the inbound handler failed at the end of a read");
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Failures.isTlsHandshake(cause)) {
            counters.handshakesRefused.increment();
            logRefusal(ctx, "TLS handshake failed (no certificate, or one that does not chain to this cluster's CA): "
                    + Failures.describe(cause, options.maxFrameBytes()));
            ctx.close();
            return;
        }
        if (Failures.isOversizeFrame(cause)) {
            counters.oversizeFramesRejected.increment();
        } else if (Failures.isWireFormat(cause)) {
            counters.decodeErrors.increment();
        }
        LOG.atError().addKeyValue("node", self)
                .log("closing connection from {} ({}): {}",
                        remote == null ? "an unidentified peer" : remote, ctx.channel().remoteAddress(),
                        Failures.describe(cause, options.maxFrameBytes()));
        ctx.close();
    }

    /** One line per host and reason a minute, saying how many more were refused meanwhile. */
    private void logRefusal(ChannelHandlerContext ctx, String reason) {
        SocketAddress from = ctx.channel().remoteAddress();
        String host = from instanceof InetSocketAddress inet ? inet.getHostString() : String.valueOf(from);
        RepeatFilter.Verdict verdict = refusals.occurred(host + " " + reason, System.nanoTime());
        if (verdict.log()) {
            LOG.atError().addKeyValue("node", self).log("refusing connection from {}: {}{}", from, reason,
                    verdict.heldBack() == 0 ? ""
                            : " (and " + verdict.heldBack() + " more from this host for this reason in the last minute)");
        }
    }
}
