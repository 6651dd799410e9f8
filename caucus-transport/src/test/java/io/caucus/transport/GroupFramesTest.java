package io.caucus.transport;

import static io.caucus.transport.TransportFixture.FAST;
import static io.caucus.transport.TransportFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.proto.Wire;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Protocol version 4 (multi-Raft): one connection per process pair carries the messages and snapshot frames of
 * every group, each frame tagged with its group; an older peer gets only group 0's; idle connections carry process
 * pings, which keep the receiver's {@link PeerTransport#lastHeardNanos} fresh.
 */
class GroupFramesTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");

    private final List<PeerTransport> transports = new ArrayList<>();

    record Received(long group, Object what) {
    }

    /** Hosts the groups in {@code hosted} and records what arrives for them. */
    private static final class Host implements InboundHandler {
        final Set<Long> hosted;
        final Queue<Received> received = new ConcurrentLinkedQueue<>();

        Host(Set<Long> hosted) {
            this.hosted = hosted;
        }

        @Override
        public void onMessage(RaftMessage message) {
            throw new AssertionError("a host receives every message with its group");
        }

        @Override
        public boolean onMessage(long group, RaftMessage message) {
            return hosted.contains(group) && received.add(new Received(group, message));
        }

        @Override
        public boolean onSnapshotFrame(long group, SnapshotFrame frame) {
            return hosted.contains(group) && received.add(new Received(group, frame));
        }
    }

    @AfterEach
    void closeAll() {
        transports.forEach(PeerTransport::close);
    }

    private PeerTransport start(NodeId id, TransportOptions options, InboundHandler inbound, Duration pings) {
        PeerTransport transport = PeerTransport.builder(id)
                .listenAddress(new InetSocketAddress("127.0.0.1", 0))
                .options(options)
                .inboundHandler(inbound)
                .processPings(pings)
                .build();
        transports.add(transport);
        transport.start();
        return transport;
    }

    private static Heartbeat heartbeat(long term) {
        return new Heartbeat(A, B, term, 0, 0);
    }

    @Test
    void messagesOfEveryGroupShareOneConnectionAndArriveTaggedInOrder() {
        Host b = new Host(Set.of(0L, 7L, 1L << 40));
        PeerTransport bTransport = start(B, FAST, b, Duration.ZERO);
        PeerTransport a = start(A, FAST, new Host(Set.of()), Duration.ZERO);
        a.addPeer(B, bTransport.localAddress());

        List<Received> sent = new ArrayList<>();
        long[] groups = {7, 0, 1L << 40, 7, 0};
        for (int i = 0; i < groups.length; i++) {
            sent.add(new Received(groups[i], heartbeat(i + 1)));
            assertThat(a.send(groups[i], heartbeat(i + 1))).isTrue();
        }
        SnapshotFrame.Ack ack = new SnapshotFrame.Ack(A, B, 5, 100, SnapshotFrame.Status.ACCEPTED, "");
        sent.add(new Received(7, ack));
        assertThat(a.sendSnapshotFrame(7, ack)).isTrue();

        await("every frame arrives", () -> b.received.size() == sent.size(), () -> b.received);
        assertThat(b.received).containsExactlyElementsOf(sent);
        assertThat(a.protocolVersion(B)).hasValue(WireProtocol.GROUPS_VERSION);
        assertThat(a.metrics().connectionsEstablished()).isEqualTo(1);
    }

    @Test
    void aMessageOfAGroupTheReceiverDoesNotHostIsDroppedAndCounted() {
        Host b = new Host(Set.of(7L));
        PeerTransport bTransport = start(B, FAST, b, Duration.ZERO);
        PeerTransport a = start(A, FAST, new Host(Set.of()), Duration.ZERO);
        a.addPeer(B, bTransport.localAddress());

        a.send(8, heartbeat(1));
        a.sendSnapshotFrame(8, new SnapshotFrame.Ack(A, B, 5, 100, SnapshotFrame.Status.ACCEPTED, ""));
        a.send(7, heartbeat(2));

        await("group 7's message arrives", () -> b.received.size() == 1, () -> b.received);
        assertThat(b.received).containsExactly(new Received(7, heartbeat(2)));
        assertThat(bTransport.metrics().droppedUnknownGroup()).isEqualTo(2);
        assertThat(bTransport.metrics().messagesReceived()).isEqualTo(1);
    }

    @Test
    void aOneGroupNodeTakesGroupZeroAndRefusesTheOthers() {
        Queue<RaftMessage> received = new ConcurrentLinkedQueue<>();
        PeerTransport b = start(B, FAST, received::add, Duration.ZERO);
        PeerTransport a = start(A, FAST, new Host(Set.of()), Duration.ZERO);
        a.addPeer(B, b.localAddress());

        a.send(3, heartbeat(1));
        a.send(heartbeat(2));

        await("group 0's message arrives", () -> received.size() == 1, () -> received);
        assertThat(received).containsExactly(heartbeat(2));
        assertThat(b.metrics().droppedUnknownGroup()).isEqualTo(1);
    }

    @Test
    void aPeerOfAnOlderProtocolGetsOnlyGroupZero() {
        Host b = new Host(Set.of(0L, 3L));
        PeerTransport bTransport = start(B, FAST.withProtocolVersions(1, 3), b, Duration.ZERO);
        PeerTransport a = start(A, FAST, new Host(Set.of()), Duration.ofMillis(10));
        a.addPeer(B, bTransport.localAddress());

        a.send(3, heartbeat(1));
        a.sendSnapshotFrame(3, new SnapshotFrame.Ack(A, B, 5, 100, SnapshotFrame.Status.ACCEPTED, ""));
        a.send(0, heartbeat(2));

        await("group 0's message arrives", () -> b.received.size() == 1, () -> b.received);
        assertThat(b.received).containsExactly(new Received(0, heartbeat(2)));
        assertThat(a.protocolVersion(B)).hasValue(3);
        assertThat(a.metrics().droppedUnknownType()).isEqualTo(2);
        assertThat(a.metrics().pingsSent()).as("no pings to a peer that does not know them").isZero();
    }

    @Test
    void groupZeroIsEncodedAsVersionsOneToThreeEncodeIt() {
        Heartbeat message = heartbeat(9);
        Wire.Frame single = WireCodec.toFrame(message, WireProtocol.PROTOCOL_VERSION);
        assertThat(WireCodec.toFrame(0, message, 3).toByteArray()).isEqualTo(single.toByteArray());
        assertThat(single.getGroup()).isZero();
        assertThat(WireCodec.toFrame(12, message, WireProtocol.GROUPS_VERSION).getGroup()).isEqualTo(12);
        SnapshotMetadata snapshot = new SnapshotMetadata(10, 2, ClusterConfiguration.ofVoters(Set.of(A, B)));
        SnapshotFrame chunk = new SnapshotFrame.Chunk(A, B, 2, 1, snapshot, 0, new byte[] {1}, 0, true, 1, 0);
        assertThat(SnapshotFrames.toFrame(0, chunk).toByteArray())
                .isEqualTo(SnapshotFrames.toFrame(chunk).toByteArray());
        assertThat(SnapshotFrames.toFrame(5, chunk).getGroup()).isEqualTo(5);
    }

    @Test
    void pingsOnAnIdleConnectionKeepThePeerHeardFrom() {
        Host b = new Host(Set.of());
        PeerTransport bTransport = start(B, FAST, b, Duration.ZERO);
        PeerTransport a = start(A, FAST, new Host(Set.of()), Duration.ofMillis(20));
        a.addPeer(B, bTransport.localAddress());
        await("connected", () -> a.isConnected(B));

        long before = bTransport.lastHeardNanos(A);
        await("a ping is sent", () -> a.metrics().pingsSent() >= 2, a::metrics);
        await("b hears from a", () -> bTransport.lastHeardNanos(A) > before);
        long heard = bTransport.lastHeardNanos(A);
        await("and keeps hearing while nothing else is sent", () -> bTransport.lastHeardNanos(A) > heard);
        assertThat(a.metrics().messagesSent()).isZero();
        assertThat(bTransport.metrics().messagesReceived()).as("pings are not messages").isZero();
        assertThat(bTransport.metrics().droppedInbound()).isZero();
    }

    @Test
    void aProcessNeverHeardFromCountsFromWhenTheTransportStarted() {
        PeerTransport b = start(B, FAST, new Host(Set.of()), Duration.ZERO);
        long now = System.nanoTime();
        assertThat(b.lastHeardNanos(A)).isLessThanOrEqualTo(now);
        assertThat(now - b.lastHeardNanos(A)).isLessThan(Duration.ofMinutes(1).toNanos());
    }
}
