package io.caucus.kv.protocol;

import io.caucus.kv.config.ClientLimits;
import io.caucus.transport.NettyIo;
import io.caucus.transport.tls.TlsSource;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** The Redis port of a server, one-group or sharded: what each accepted connection's pipeline holds. */
public final class ClientPort {

    private ClientPort() {
    }

    /**
     * Binds the Redis port. Each connection: TLS (if configured), an idle timer (if configured), the decoder with the request limits, the
     * reply encoder, the connection's handler from {@code handlers}; beyond maxClientConnections, a connection is answered Redis's
     * {@code ERR max number of clients reached} and closed.
     */
    public static Channel bind(EventLoopGroup acceptors, EventLoopGroup workers, InetSocketAddress address,
                               KvMetrics metrics, ClientLimits limits, TlsSource tls, Supplier<RespHandler> handlers) {
        AtomicInteger open = metrics.clientConnections();
        try {
            return new ServerBootstrap().group(acceptors, workers).channel(NettyIo.serverChannel(workers))
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            open.incrementAndGet();
                            channel.closeFuture().addListener(closed -> open.decrementAndGet());
                            if (tls != null) {
                                // Each connection takes the current certificate; one already open keeps its own.
                                channel.pipeline().addLast(tls.serverContext().newHandler(channel.alloc()),
                                        new CountFailedHandshakes(metrics));
                            }
                            if (open.get() > limits.maxClientConnections()) {
                                metrics.limitHit("connections");
                                channel.pipeline().addLast(new RedisEncoder(), new RefuseConnection());
                                return;
                            }
                            if (limits.clientIdleTimeoutMillis() > 0) {
                                channel.pipeline().addLast(new IdleStateHandler(0, 0,
                                        limits.clientIdleTimeoutMillis(), TimeUnit.MILLISECONDS));
                            }
                            RespCodec.addServerTo(channel.pipeline(), limits);
                            channel.pipeline().addLast(handlers.get());
                        }
                    })
                    .bind(address).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding " + address, e);
        }
    }

    /** Answers a connection beyond maxClientConnections as redis-server does past maxclients, and closes it. */
    private static final class RefuseConnection extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(new ErrorRedisMessage("ERR max number of clients reached"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Counts TLS handshakes that fail on the Redis port (plaintext clients, unknown CAs, missing certificates). */
    private static final class CountFailedHandshakes extends ChannelInboundHandlerAdapter {
        private final KvMetrics metrics;

        CountFailedHandshakes(KvMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof SslHandshakeCompletionEvent completion) {
                if (!completion.isSuccess()) {
                    metrics.limitHit("tls_handshake");
                }
                ctx.pipeline().remove(this);
            }
            ctx.fireUserEventTriggered(event);
        }
    }

}
