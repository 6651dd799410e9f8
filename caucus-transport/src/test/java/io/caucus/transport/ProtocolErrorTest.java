package io.caucus.transport;

import static io.caucus.transport.TransportFixture.FAST;
import static io.caucus.transport.TransportFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.caucus.core.NodeId;
import io.caucus.transport.TransportFixture.Node;
import io.caucus.transport.proto.Wire;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Misbehaving or misconfigured peers: refused or cut off with a clear reason, and counted. */
class ProtocolErrorTest {

    private static final int READ_TIMEOUT_MILLIS = 10_000;
    private static final NodeId RAW = NodeId.of("raw");

    private final TransportFixture fixture = new TransportFixture();

    @AfterEach
    void closeAll() {
        fixture.close();
    }

    private RawPeer connectedRawPeer(Node target) throws Exception {
        RawPeer raw = new RawPeer(target.address(), READ_TIMEOUT_MILLIS);
        Wire.HelloReply reply = raw.handshake(RawPeer.hello(WireProtocol.PROTOCOL_VERSION, "caucus", "raw",
                target.id().value()));
        assertThat(reply.getAccepted()).as(reply.getReason()).isTrue();
        assertThat(reply.getNodeId()).isEqualTo(target.id().value());
        return raw;
    }

    @Test
    void wrongProtocolVersionIsRefusedWithAReasonAndClosed() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = new RawPeer(b.address(), READ_TIMEOUT_MILLIS)) {
            Wire.HelloReply reply = raw.handshake(RawPeer.hello(99, "caucus", "raw", "b"));
            assertThat(reply.getAccepted()).isFalse();
            assertThat(reply.getProtocolVersion()).isEqualTo(WireProtocol.PROTOCOL_VERSION);
            assertThat(reply.getMinProtocolVersion()).isEqualTo(WireProtocol.MIN_PROTOCOL_VERSION);
            assertThat(reply.getReason()).contains("no common wire protocol version: raw speaks 99, this node (b)"
                    + " speaks " + WireProtocol.MIN_PROTOCOL_VERSION + ".." + WireProtocol.PROTOCOL_VERSION);
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertThat(b.transport().metrics().handshakesRefused()).isEqualTo(1);
    }

    @Test
    void helloToTheWrongNodeIsRefused() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = new RawPeer(b.address(), READ_TIMEOUT_MILLIS)) {
            Wire.HelloReply reply = raw.handshake(RawPeer.hello(WireProtocol.PROTOCOL_VERSION, "caucus", "raw", "c"));
            assertThat(reply.getAccepted()).isFalse();
            assertThat(reply.getReason()).contains("belongs to node b, not to 'c'");
            assertThat(raw.closedByPeer()).isTrue();
        }
    }

    @Test
    void messageBeforeTheHelloIsRefused() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = new RawPeer(b.address(), READ_TIMEOUT_MILLIS)) {
            raw.write(Messages.heartbeat(RAW, b.id(), 1));
            Wire.HelloReply reply = raw.readFrame().getHelloReply();
            assertThat(reply.getAccepted()).isFalse();
            assertThat(reply.getReason()).contains("first frame must be a Hello");
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertThat(b.received()).isEmpty();
    }

    @Test
    void transportsOfDifferentClustersRefuseEachOther() {
        Node a = fixture.start("a", FAST.withClusterName("east"));
        Node b = fixture.start("b", FAST.withClusterName("west"));
        TransportFixture.connectAll(a, b);
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));
        await("b refuses a", () -> a.transport().metrics().handshakesRefusedByPeer() >= 1
                && b.transport().metrics().handshakesRefused() >= 1, a.transport()::metrics);
        assertThat(b.received()).isEmpty();
        assertThat(a.transport().metrics().connectionsEstablished()).isZero();
    }

    /**
     * A peer that refuses this node at every retry is logged once, not once per attempt, on both sides: an
     * operator's log shows the reason, and a misconfigured cluster does not fill the disk (the metrics still count
     * every refusal).
     */
    @Test
    void aPeerThatKeepsRefusingIsLoggedOncePerOutage() {
        ListAppender<ILoggingEvent> log = capture(PeerLink.class);
        ListAppender<ILoggingEvent> acceptorLog = capture(AcceptorHandler.class);
        try {
            Node a = fixture.start("a", FAST.withClusterName("east").withReconnectBackoff(10, 20));
            Node b = fixture.start("b", FAST.withClusterName("west"));
            TransportFixture.connectAll(a, b);
            a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));
            await("b refuses a five times", () -> a.transport().metrics().handshakesRefusedByPeer() >= 5,
                    a.transport()::metrics);
            assertThat(errors(log, "b at ")).singleElement().asString().contains("refused the connection")
                    .contains("cluster name 'east' does not match");
            assertThat(errors(acceptorLog, "refusing connection from")).hasSize(2) // b refuses a, a refuses b
                    .allMatch(line -> line.contains("cluster name"));
        } finally {
            ((Logger) LoggerFactory.getLogger(PeerLink.class)).detachAppender(log);
            ((Logger) LoggerFactory.getLogger(AcceptorHandler.class)).detachAppender(acceptorLog);
        }
    }

    private static ListAppender<ILoggingEvent> capture(Class<?> source) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(source)).addAppender(appender);
        return appender;
    }

    private static List<String> errors(ListAppender<ILoggingEvent> log, String containing) {
        return log.list.stream()
                .filter(event -> event.getLevel() == Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains(containing))
                .toList();
    }

    /**
     * A prefix claiming 1 GiB closes the connection before anything is allocated for the frame: while the second such
     * peer connects and is refused (the first loads the classes involved), every thread of this JVM together
     * allocates less than {@link #REFUSAL_ALLOCATION_BOUND_BYTES}.
     */
    @Test
    void oversizeFrameClosesTheConnectionWithACount() throws Exception {
        Node b = fixture.start("b", FAST.withMaxFrameBytes(4096));
        long allocated = 0;
        for (int refused = 1; refused <= 2; refused++) {
            long allocatedBefore = allocatedByEveryThread();
            try (RawPeer raw = connectedRawPeer(b)) {
                raw.writeRaw(1 << 30, new byte[16]);
                assertThat(raw.closedByPeer()).isTrue();
            }
            long expected = refused;
            await("oversize frame counted", () -> b.transport().metrics().oversizeFramesRejected() == expected,
                    b.transport()::metrics);
            allocated = allocatedByEveryThread() - allocatedBefore;
        }
        assertThat(allocated).isLessThan(REFUSAL_ALLOCATION_BOUND_BYTES);
    }

    /** A few copies of what was sent, with the handshake and the JVM's housekeeping: far below the 1 GiB claimed. */
    private static final long REFUSAL_ALLOCATION_BOUND_BYTES = 1 << 20;

    private static long allocatedByEveryThread() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getTotalThreadAllocatedBytes();
    }

    @Test
    void oversizeFrameFromAPeerIsRejectedAndTheSenderReconnects() {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST.withMaxFrameBytes(4096));
        TransportFixture.connectAll(a, b);
        a.transport().send(Messages.appendWithPayload(a.id(), b.id(), 10_000));
        await("b rejects the frame", () -> b.transport().metrics().oversizeFramesRejected() == 1,
                b.transport()::metrics);
        long[] round = {0};
        await("a small message gets through on a new connection", () -> {
            a.transport().send(Messages.heartbeat(a.id(), b.id(), ++round[0]));
            return !b.received().isEmpty();
        }, a.transport()::metrics);
        assertThat(a.transport().metrics().connectionsEstablished()).isGreaterThanOrEqualTo(2);
        assertThat(b.received()).noneMatch(m -> m instanceof io.caucus.core.message.AppendEntries);
    }

    @Test
    void messageAddressedToAnotherNodeIsDroppedAndCounted() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = connectedRawPeer(b)) {
            raw.write(Messages.heartbeat(RAW, NodeId.of("c"), 1));
            raw.write(Messages.heartbeat(RAW, b.id(), 2));
            await("the message for b arrives", () -> b.received().size() == 1, b.transport()::metrics);
        }
        assertThat(b.received()).containsExactly(Messages.heartbeat(RAW, b.id(), 2));
        assertThat(b.transport().metrics().droppedWrongRecipient()).isEqualTo(1);
    }

    @Test
    void messageClaimingAnotherSenderIsDroppedAndCounted() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = connectedRawPeer(b)) {
            raw.write(Messages.heartbeat(NodeId.of("impostor"), b.id(), 1));
            raw.write(Messages.heartbeat(RAW, b.id(), 2));
            await("the genuine message arrives", () -> b.received().size() == 1, b.transport()::metrics);
        }
        assertThat(b.transport().metrics().droppedWrongSender()).isEqualTo(1);
    }

    @Test
    void unknownMessageTypeFromANewerPeerIsDroppedAndTheConnectionKept() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = connectedRawPeer(b)) {
            byte[] unknown = WireCodecTest.unknownCaseFrameBytes();
            raw.writeRaw(unknown.length, unknown);
            raw.write(Messages.heartbeat(RAW, b.id(), 2));
            await("the known message arrives", () -> b.received().size() == 1, b.transport()::metrics);
        }
        assertThat(b.transport().metrics().droppedUnknownType()).isEqualTo(1);
    }

    @Test
    void undecodableFrameClosesTheConnection() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = connectedRawPeer(b)) {
            raw.writeRaw(3, new byte[] {(byte) 0xff, (byte) 0xff, 0x7f});
            assertThat(raw.closedByPeer()).isTrue();
        }
        await("decode error counted", () -> b.transport().metrics().decodeErrors() == 1, b.transport()::metrics);
    }

    @Test
    void invalidNodeIdInAMessageClosesTheConnection() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = connectedRawPeer(b)) {
            raw.write(Wire.Frame.newBuilder().setHeartbeat(Wire.Heartbeat.newBuilder()
                    .setFrom("raw").setTo("b c").setTerm(1)).build());
            assertThat(raw.closedByPeer()).isTrue();
        }
        assertThat(b.received()).isEmpty();
        await("decode error counted", () -> b.transport().metrics().decodeErrors() == 1, b.transport()::metrics);
    }

    @Test
    void silentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
        Node b = fixture.start("b", FAST.withHandshakeTimeoutMillis(200));
        try (RawPeer raw = new RawPeer(b.address(), READ_TIMEOUT_MILLIS)) {
            assertThat(raw.closedByPeer()).isTrue();
        }
    }
}
