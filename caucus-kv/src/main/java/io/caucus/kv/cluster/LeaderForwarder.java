package io.caucus.kv.cluster;

import io.caucus.core.NodeId;
import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.config.ClientAuth;
import io.caucus.kv.protocol.Replies;
import io.caucus.kv.protocol.RequestParser;
import io.caucus.kv.protocol.RespCodec;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.transport.NettyIo;
import io.caucus.transport.tls.TlsSource;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Forwards a follower's commands to the leader's client port (we forward in the KV layer, not the runtime):
 * the already-encoded command, session id and sequence included, travels as {@code CAUCUS.SUBMIT <bytes>}
 * (or {@code CAUCUS.READ <bytes>}), so a retry through another leader is still deduplicated (thesis §6.3).
 *
 * <p>One pipelined connection per leader address, shared by every client connection of this node: one
 * connection keeps a client's writes in submission order at the leader. Replies come back in request order
 * (RESP), matched against a bounded FIFO of waiting futures.
 *
 * <p>When the cluster has users, each connection first authenticates as {@link ClientAuth#NODE_USER} with the
 * cluster's node password; the leader answers a command sent without it NOAUTH, which fails the command here as
 * not applied.
 *
 * <p>When the Redis ports speak TLS, so does each connection: it trusts the client port's ca and presents the
 * node's own client-port certificate, so a leader that requires client certificates accepts its followers.
 */
public final class LeaderForwarder implements AutoCloseable {

    static final int MAX_WAITING_PER_CONNECTION = 16_384;

    private final EventLoopGroup group;
    /** The node password sent with AUTH on each new connection, or null if the cluster has no users. */
    private final byte[] nodePassword;
    /** The client port's TLS, or null when the Redis ports are plaintext. */
    private final TlsSource tls;
    private final ConcurrentHashMap<InetSocketAddress, Connection> connections = new ConcurrentHashMap<>();

    public LeaderForwarder(EventLoopGroup group) {
        this(group, null, null);
    }

    public LeaderForwarder(EventLoopGroup group, byte[] nodePassword, TlsSource tls) {
        this.group = group;
        this.nodePassword = nodePassword;
        this.tls = tls;
    }

    /**
     * Sends {@code payload} to {@code leader}'s client port for {@code group} (0: a one-group cluster's; a sharded
     * cluster's group travels as a third argument, so one connection serves every group led there).
     */
    CompletableFuture<byte[]> forward(NodeId leader, InetSocketAddress address, long group, boolean write,
                                      byte[] payload) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        Connection connection = connections.computeIfAbsent(address, a -> new Connection(leader, a));
        connection.send(new Waiting(write, answer), group, payload);
        return answer;
    }

    @Override
    public void close() {
        connections.values().forEach(connection -> connection.channelFuture.channel().close());
        connections.clear();
    }

    private record Waiting(boolean write, CompletableFuture<byte[]> answer) {
    }

    private final class Connection {
        private final NodeId leader;
        private final InetSocketAddress address;
        private final ChannelFuture channelFuture;
        /** Touched on the channel's event loop only. */
        private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

        Connection(NodeId leader, InetSocketAddress address) {
            this.leader = leader;
            this.address = address;
            this.channelFuture = new Bootstrap().group(group).channel(NettyIo.socketChannel(group))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            if (tls != null) {
                                channel.pipeline().addLast(tls.clientContext().newHandler(channel.alloc(),
                                        address.getHostString(), address.getPort()));
                            }
                            RespCodec.addClientTo(channel.pipeline());
                            channel.pipeline().addLast(new ReplyHandler(Connection.this));
                        }
                    })
                    .connect(address);
            channelFuture.channel().closeFuture().addListener(f -> connections.remove(address, this));
            if (nodePassword != null) {
                // Registered before any send's listener, so AUTH is the connection's first command.
                channelFuture.addListener(connected -> {
                    if (connected.isSuccess()) {
                        Channel channel = channelFuture.channel();
                        channel.eventLoop().execute(() -> authenticate(channel));
                    }
                });
            }
        }

        /** AUTH as the node user; its reply is awaited in order like any other, and a refusal shows in the next. */
        private void authenticate(Channel channel) {
            waiting.add(new Waiting(false, new CompletableFuture<>()));
            channel.writeAndFlush(new ArrayRedisMessage(List.of(
                    Replies.bulk("AUTH".getBytes(StandardCharsets.US_ASCII)),
                    Replies.bulk(ClientAuth.NODE_USER.getBytes(StandardCharsets.US_ASCII)),
                    Replies.bulk(nodePassword))));
        }

        void send(Waiting request, long group, byte[] payload) {
            channelFuture.addListener(connected -> {
                if (!connected.isSuccess()) {
                    // Nothing was sent: certainly not applied.
                    request.answer().completeExceptionally(new NoLeaderException(
                            "leader " + leader + " at " + address + " is unreachable"));
                    return;
                }
                Channel channel = channelFuture.channel();
                channel.eventLoop().execute(() -> enqueue(channel, request, group, payload));
            });
        }

        private void enqueue(Channel channel, Waiting request, long group, byte[] payload) {
            if (!channel.isActive()) {
                request.answer().completeExceptionally(new NoLeaderException(
                        "connection to leader " + leader + " at " + address + " closed before sending"));
                return;
            }
            if (waiting.size() >= MAX_WAITING_PER_CONNECTION) {
                request.answer().completeExceptionally(new OverloadedException(
                        "too many commands waiting for leader " + leader));
                return;
            }
            waiting.add(request);
            String name = request.write() ? RequestParser.FORWARD_WRITE : RequestParser.FORWARD_READ;
            List<RedisMessage> command = group == 0
                    ? List.of(Replies.bulk(name.getBytes(StandardCharsets.US_ASCII)), Replies.bulk(payload))
                    : List.of(Replies.bulk(name.getBytes(StandardCharsets.US_ASCII)), Replies.bulk(payload),
                            Replies.bulk(Long.toString(group).getBytes(StandardCharsets.US_ASCII)));
            channel.writeAndFlush(new ArrayRedisMessage(command));
        }

        void onReply(RedisMessage reply) {
            Waiting request = waiting.poll();
            if (request == null) {
                return; // a reply nobody asked for: the peer is confused; ignore it
            }
            switch (reply) {
                case FullBulkStringRedisMessage bulk when !bulk.isNull() ->
                        request.answer().complete(ByteBufUtil.getBytes(bulk.content()));
                case ErrorRedisMessage error -> request.answer().completeExceptionally(fromError(error.content()));
                default -> request.answer().completeExceptionally(request.write()
                        ? new OutcomeUnknownException("unexpected reply from leader " + leader)
                        : new NoLeaderException("unexpected reply from leader " + leader));
            }
        }

        void onClosed() {
            Waiting request;
            while ((request = waiting.poll()) != null) {
                // Sent but unanswered: a write may have been applied; a read changes nothing.
                request.answer().completeExceptionally(request.write()
                        ? new OutcomeUnknownException("connection to leader " + leader + " lost after sending")
                        : new NoLeaderException("connection to leader " + leader + " lost"));
            }
        }

        /** Undoes {@link Replies#failure}: the leader's error code becomes the same exception here. */
        private RuntimeException fromError(String text) {
            int space = text.indexOf(' ');
            String code = space < 0 ? text : text.substring(0, space);
            String message = space < 0 ? "" : text.substring(space + 1);
            return switch (code) {
                case ErrorCodes.NOTLEADER -> new NotLeaderException(leaderNamedIn(message));
                case ErrorCodes.NOLEADER, ErrorCodes.SHUTDOWN -> new NoLeaderException(
                        "leader " + leader + ": " + message);
                case ErrorCodes.OVERLOADED -> new OverloadedException("leader " + leader + ": " + message);
                case ErrorCodes.UNKNOWN -> new OutcomeUnknownException("leader " + leader + ": " + message);
                default -> new ForwardingRefusedException("leader " + leader + " refused: " + text);
            };
        }

        private static NodeId leaderNamedIn(String message) {
            String first = message.split(" ", 2)[0];
            try {
                return first.equals("?") ? null : NodeId.of(first);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    private static final class ReplyHandler extends SimpleChannelInboundHandler<RedisMessage> {
        private final Connection connection;

        ReplyHandler(Connection connection) {
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, RedisMessage reply) {
            connection.onReply(reply);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connection.onClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
