package io.caucus.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * Event loops and channel types for every TCP port Caucus opens. On Linux (x86_64 and aarch64) Netty's native
 * epoll transport is used: the cluster benchmark spends most of its server CPU in socket I/O and thread
 * wake-ups, and the native transport does both with less work than the JDK selector (edge-triggered epoll,
 * an eventfd wake-up, no selected-key set). Elsewhere, or with {@code -Dcaucus.netty.nio=true}, the portable
 * NIO transport. A channel must be created on a group of its own kind: ask this class for both. A single loop
 * of a group (such as a node's {@code eventLoop()}) counts as its group's kind.
 */
public final class NettyIo {

    /** Set to true to use the JDK's NIO transport even where native epoll is available. */
    public static final String FORCE_NIO_PROPERTY = "caucus.netty.nio";

    private NettyIo() {
    }

    /** True if new groups use native epoll. */
    public static boolean nativeEpoll() {
        return !Boolean.getBoolean(FORCE_NIO_PROPERTY) && Epoll.isAvailable();
    }

    public static EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
        return nativeEpoll() ? new EpollEventLoopGroup(threads, threadFactory)
                : new NioEventLoopGroup(threads, threadFactory);
    }

    /** The client socket channel type for {@code group}, or for a loop of one. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The listening socket channel type for {@code group}, or for a loop of one. */
    public static Class<? extends ServerSocketChannel> serverChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    private static boolean isEpoll(EventLoopGroup group) {
        EventLoopGroup owner = group instanceof EventLoop loop && loop.parent() != null ? loop.parent() : group;
        return owner instanceof EpollEventLoopGroup;
    }
}
