package io.caucus.transport;

import static io.caucus.transport.TransportFixture.FAST;
import static io.caucus.transport.TransportFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.proto.Wire;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Snapshot data frames (wire cases 40+) travel beside Raft messages, in order, on the same connections. */
class SnapshotFrameTransportTest {

    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final SnapshotMetadata SNAPSHOT =
            new SnapshotMetadata(120, 3, ClusterConfiguration.ofVoters(Set.of(A, B)));

    private final List<PeerTransport> transports = new ArrayList<>();

    @AfterEach
    void closeAll() {
        transports.forEach(PeerTransport::close);
    }

    private PeerTransport start(NodeId id, Queue<RaftMessage> messages, Queue<SnapshotFrame> frames) {
        PeerTransport transport = PeerTransport.builder(id)
                .listenAddress(new InetSocketAddress("127.0.0.1", 0))
                .options(FAST)
                .inboundHandler(new InboundHandler() {
                    @Override
                    public void onMessage(RaftMessage message) {
                        messages.add(message);
                    }

                    @Override
                    public void onSnapshotFrame(SnapshotFrame frame) {
                        frames.add(frame);
                    }
                })
                .build();
        transports.add(transport);
        transport.start();
        return transport;
    }

    private static SnapshotFrame.Chunk chunk(long offset, int size, boolean last) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (offset + i);
        }
        return new SnapshotFrame.Chunk(A, B, 4, 7, SNAPSHOT, offset, data, 11, last, last ? offset + size : 0,
                last ? 22 : 0);
    }

    @Test
    void chunksAndAcksArriveInOrderBesideRaftMessages() {
        Queue<RaftMessage> aMessages = new ConcurrentLinkedQueue<>();
        Queue<RaftMessage> bMessages = new ConcurrentLinkedQueue<>();
        Queue<SnapshotFrame> aFrames = new ConcurrentLinkedQueue<>();
        Queue<SnapshotFrame> bFrames = new ConcurrentLinkedQueue<>();
        PeerTransport a = start(A, aMessages, aFrames);
        PeerTransport b = start(B, bMessages, bFrames);
        a.addPeer(B, b.localAddress());
        b.addPeer(A, a.localAddress());

        List<SnapshotFrame> sent = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            SnapshotFrame.Chunk chunk = chunk(i * 256L * 1024, 256 * 1024, i == 7);
            sent.add(chunk);
            assertThat(a.sendSnapshotFrame(chunk)).isTrue();
            assertThat(a.send(new Heartbeat(A, B, 4, i, 0))).isTrue();
        }
        SnapshotFrame.Ack ack = new SnapshotFrame.Ack(B, A, 7, 2L << 20, SnapshotFrame.Status.INSTALLED, "");
        assertThat(b.sendSnapshotFrame(ack)).isTrue();

        await("b receives every chunk", () -> bFrames.size() == sent.size(), bFrames::size);
        await("b receives every heartbeat", () -> bMessages.size() == 8, bMessages::size);
        await("a receives the ack", () -> aFrames.size() == 1, aFrames::size);
        List<SnapshotFrame> received = new ArrayList<>(bFrames);
        for (int i = 0; i < sent.size(); i++) {
            SnapshotFrame.Chunk expected = (SnapshotFrame.Chunk) sent.get(i);
            SnapshotFrame.Chunk actual = (SnapshotFrame.Chunk) received.get(i);
            assertThat(actual.offset()).isEqualTo(expected.offset());
            assertThat(actual.data()).isEqualTo(expected.data());
            assertThat(actual.snapshot()).isEqualTo(expected.snapshot());
            assertThat(actual.last()).isEqualTo(expected.last());
        }
        assertThat(aFrames.peek()).isEqualTo(ack);
    }

    @Test
    void framesForUnknownPeersOrFromAnotherNodeAreRefused() {
        PeerTransport a = start(A, new ConcurrentLinkedQueue<>(), new ConcurrentLinkedQueue<>());
        assertThat(a.sendSnapshotFrame(chunk(0, 10, false))).isFalse(); // b is not a peer
        assertThat(a.metrics().droppedUnknownPeer()).isEqualTo(1);
        SnapshotFrame.Ack notMine = new SnapshotFrame.Ack(B, A, 1, 0, SnapshotFrame.Status.ACCEPTED, "");
        assertThatThrownBy(() -> a.sendSnapshotFrame(notMine)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void codecRoundTripsAndRejectsAnUnknownStatus() {
        SnapshotFrame.Chunk chunk = chunk(1024, 100, true);
        assertThat(SnapshotFrames.fromFrame(SnapshotFrames.toFrame(chunk)))
                .usingRecursiveComparison().isEqualTo(chunk);
        SnapshotFrame.Ack ack = new SnapshotFrame.Ack(B, A, 9, 5, SnapshotFrame.Status.REFUSED, "bad checksum");
        assertThat(SnapshotFrames.fromFrame(SnapshotFrames.toFrame(ack))).isEqualTo(ack);

        Wire.Frame unknownStatus = Wire.Frame.newBuilder().setSnapshotChunkAck(
                SnapshotFrames.toFrame(ack).getSnapshotChunkAck().toBuilder().setStatusValue(99)).build();
        assertThatThrownBy(() -> SnapshotFrames.fromFrame(unknownStatus))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("status");
        assertThatThrownBy(() -> WireCodec.fromFrame(SnapshotFrames.toFrame(ack)))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("not a Raft message");
    }
}
