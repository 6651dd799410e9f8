package io.caucus.kv;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A bare socket speaking RESP, to send exactly the bytes a test wants and read replies as they come, raw. */
final class RawRespClient implements AutoCloseable {

    static final String CLOSED = "<closed>";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawRespClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A command as a RESP array of bulk strings. */
    static String command(String... words) {
        StringBuilder resp = new StringBuilder("*").append(words.length).append("\r\n");
        for (String word : words) {
            resp.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(word)
                    .append("\r\n");
        }
        return resp.toString();
    }

    void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Sends one command and reads its reply ({@link #CLOSED} if the server closed the connection instead). */
    String call(String... words) throws IOException {
        try {
            send(command(words));
        } catch (IOException e) {
            return CLOSED;
        }
        return reply();
    }

    /** The next whole reply, raw (CRLFs included), or {@link #CLOSED} at the end of the stream. */
    String reply() throws IOException {
        try {
            String line = line();
            if (line == null) {
                return CLOSED;
            }
            StringBuilder reply = new StringBuilder(line);
            switch (line.charAt(0)) {
                case '$' -> {
                    int length = Integer.parseInt(line.substring(1, line.length() - 2));
                    if (length >= 0) {
                        reply.append(new String(in.readNBytes(length + 2), StandardCharsets.ISO_8859_1));
                    }
                }
                case '*' -> {
                    int count = Integer.parseInt(line.substring(1, line.length() - 2));
                    for (int i = 0; i < count; i++) {
                        reply.append(reply());
                    }
                }
                default -> {
                }
            }
            return reply.toString();
        } catch (java.net.SocketException e) {
            return CLOSED; // reset by the peer: closed as well
        }
    }

    /** True once the server has closed the connection, waiting at most {@code deadline}; fails on other data. */
    boolean closedWithin(Duration deadline) throws IOException {
        socket.setSoTimeout((int) deadline.toMillis());
        try {
            int next = in.read();
            if (next >= 0) {
                throw new AssertionError("expected the connection closed, got more data: " + (char) next);
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        } finally {
            socket.setSoTimeout(10_000);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            if (previous == '\r' && b == '\n') {
                return line.toString(StandardCharsets.ISO_8859_1);
            }
            previous = b;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
