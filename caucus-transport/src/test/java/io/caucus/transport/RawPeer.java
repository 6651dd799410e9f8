package io.caucus.transport;

import io.caucus.core.message.RaftMessage;
import io.caucus.transport.proto.Wire;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/** A hand-driven peer on a plain socket, for feeding a transport frames a well-behaved peer never sends. */
final class RawPeer implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    RawPeer(InetSocketAddress address, int readTimeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(address, readTimeoutMillis);
        socket.setSoTimeout(readTimeoutMillis);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    static Wire.Frame hello(int version, String cluster, String from, String to) {
        return Wire.Frame.newBuilder().setHello(Wire.Hello.newBuilder()
                .setProtocolVersion(version).setClusterName(cluster).setFrom(from).setTo(to)).build();
    }

    void write(Wire.Frame frame) throws IOException {
        writeRaw(frame.getSerializedSize(), frame.toByteArray());
    }

    void write(RaftMessage message) throws IOException {
        write(WireCodec.toFrame(message));
    }

    void writeRaw(int lengthPrefix, byte[] body) throws IOException {
        out.writeInt(lengthPrefix);
        out.write(body);
        out.flush();
    }

    /** Performs the handshake and returns the reply; the socket's read timeout is the deadline. */
    Wire.HelloReply handshake(Wire.Frame hello) throws IOException {
        write(hello);
        return readFrame().getHelloReply();
    }

    Wire.Frame readFrame() throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return Wire.Frame.parseFrom(body);
    }

    /** True if the other side closed the connection before the read timeout. */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() == -1;
        } catch (EOFException | SocketException e) {
            return true; // connection reset also means closed
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
