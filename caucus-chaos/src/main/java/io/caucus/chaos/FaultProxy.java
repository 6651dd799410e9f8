package io.caucus.chaos;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;

/**
 * A TCP proxy for one directed link (one node dialling another), which can be cut and healed.
 *
 * <p>Cutting closes every connection through the proxy and refuses new ones (accepted, then closed at once):
 * to the dialler this looks like a peer that vanished, as a real partition eventually does once TCP gives up.
 * Bytes are never dropped from the middle of a live connection, which would only corrupt framing and test the
 * decoder rather than Raft. Caucus peers write only on the connections they dial (docs/transport.md), so
 * cutting the proxy of link A to B silences A to B alone: one-way partitions come for free.
 */
final class FaultProxy implements AutoCloseable {

    private final String name;
    private final InetSocketAddress target;
    private final EventLoopGroup loop;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel listener;
    private volatile boolean open = true;

    /** Listens on an ephemeral loopback port and forwards to {@code target} while open. */
    FaultProxy(String name, InetSocketAddress target, EventLoopGroup loop) {
        this.name = name;
        this.target = target;
        this.loop = loop;
        try {
            this.listener = new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel inbound) {
                            inbound.pipeline().addLast(new Frontend());
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting proxy " + name, e);
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    String name() {
        return name;
    }

    boolean isOpen() {
        return open;
    }

    /** Cut (false) or heal (true) the link; cutting closes the connections it carries. */
    void setOpen(boolean open) {
        this.open = open;
        if (!open) {
            connections.close();
        }
    }

    @Override
    public void close() {
        open = false;
        connections.close().awaitUninterruptibly();
        listener.close().awaitUninterruptibly();
    }

    /** The dialler's side: connects to the target, then relays in both directions. */
    private final class Frontend extends ChannelInboundHandlerAdapter {
        private Channel backend;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel inbound = ctx.channel();
            if (!open) {
                inbound.close();
                return;
            }
            connections.add(inbound);
            var connect = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new Relay(inbound))
                    .connect(target);
            backend = connect.channel();
            connections.add(backend);
            connect.addListener((ChannelFutureListener) done -> {
                if (done.isSuccess() && open) {
                    inbound.read();
                } else {
                    closeOnFlush(inbound);
                    done.channel().close();
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            relay(message, ctx.channel(), backend);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (backend != null) {
                closeOnFlush(backend);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }

    /** The target's side: relays back to the dialler. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel inbound;

        Relay(Channel inbound) {
            this.inbound = inbound;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            relay(message, ctx.channel(), inbound);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(inbound);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }

    /** Writes {@code message} read from {@code from} to {@code to}; reads more once it is written (back-pressure). */
    private void relay(Object message, Channel from, Channel to) {
        if (!open || to == null || !to.isActive()) {
            io.netty.util.ReferenceCountUtil.release(message);
            from.close();
            return;
        }
        to.writeAndFlush(message).addListener((ChannelFutureListener) written -> {
            if (written.isSuccess()) {
                from.read();
            } else {
                written.channel().close();
                from.close();
            }
        });
    }

    private static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
