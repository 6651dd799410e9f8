package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The proxy relays both ways while open; cut, it closes what it carries and refuses new connections. */
class FaultProxyTest {

    private final NioEventLoopGroup loop = new NioEventLoopGroup(1);
    private ServerSocket echo;
    private Thread echoThread;

    @AfterEach
    void stop() throws IOException, InterruptedException {
        if (echo != null) {
            echo.close();
            echoThread.join(10_000);
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    /** An echo server on loopback, one connection at a time. */
    private InetSocketAddress startEcho() throws IOException {
        echo = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        echoThread = Thread.ofPlatform().daemon().name("echo").start(() -> {
            while (!echo.isClosed()) {
                try (Socket socket = echo.accept()) {
                    socket.getInputStream().transferTo(socket.getOutputStream());
                } catch (IOException e) {
                    // closed by the proxy or by the test: take the next connection
                }
            }
        });
        return (InetSocketAddress) echo.getLocalSocketAddress();
    }

    private static Socket dial(FaultProxy proxy) throws IOException {
        Socket socket = new Socket(proxy.address().getAddress(), proxy.address().getPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static String roundTrip(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes());
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] buffer = in.readNBytes(text.length());
        return new String(buffer);
    }

    @Test
    void relaysWhileOpenCutsAndHeals() throws IOException {
        FaultProxy proxy = new FaultProxy("test", startEcho(), loop);
        try {
            try (Socket socket = dial(proxy)) {
                assertThat(roundTrip(socket, "hello")).isEqualTo("hello");
                proxy.setOpen(false);
                // The carried connection is closed: the next read sees end of stream (or a reset).
                assertThat(readEndsWithoutData(socket)).isTrue();
            }
            try (Socket refused = dial(proxy)) {
                assertThat(readEndsWithoutData(refused)).isTrue();
            }
            proxy.setOpen(true);
            try (Socket socket = dial(proxy)) {
                assertThat(roundTrip(socket, "again")).isEqualTo("again");
            }
        } finally {
            proxy.close();
        }
    }

    private static boolean readEndsWithoutData(Socket socket) {
        try {
            socket.getOutputStream().write('x');
            return socket.getInputStream().read() == -1;
        } catch (IOException e) {
            return true; // reset: the connection is gone, as intended
        }
    }
}
