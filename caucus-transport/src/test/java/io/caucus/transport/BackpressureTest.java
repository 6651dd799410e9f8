package io.caucus.transport;

import static io.caucus.transport.TransportFixture.FAST;
import static io.caucus.transport.TransportFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.TransportFixture.Node;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bounded queues: send() drops and counts rather than blocking or growing. */
class BackpressureTest {

    private static final NodeId B = NodeId.of("b");

    private final TransportFixture fixture = new TransportFixture();

    @AfterEach
    void closeAll() {
        fixture.close();
    }

    /** A transport whose peer b is at a port nobody listens on, so nothing leaves the queue. */
    private Node withUnreachablePeer(TransportOptions options) {
        Node a = fixture.start("a", options);
        a.transport().addPeer(B, new InetSocketAddress("127.0.0.1", TransportFixture.freePort()));
        return a;
    }

    @Test
    void fullMessageQueueDropsAndCounts() {
        Node a = withUnreachablePeer(FAST.withQueueBounds(100, 64L * 1024 * 1024));
        int accepted = 0;
        for (int i = 0; i < 1_000; i++) {
            if (a.transport().send(Messages.heartbeat(a.id(), B, i))) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(100);
        assertThat(a.transport().queuedMessages(B)).isEqualTo(100);
        assertThat(a.transport().metrics().droppedQueueFull()).isEqualTo(900);
    }

    @Test
    void fullByteQueueDropsAndCounts() {
        TransportOptions options = FAST.withMaxFrameBytes(1024).withQueueBounds(1_000, 4096);
        Node a = withUnreachablePeer(options);
        RaftMessage message = Messages.appendWithPayload(a.id(), B, 500); // counts 64 + 24 + 500 = 588 bytes
        int accepted = 0;
        for (int i = 0; i < 20; i++) {
            if (a.transport().send(message)) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(4096 / 588);
        assertThat(a.transport().metrics().droppedQueueFull()).isEqualTo(20 - accepted);
        // Small messages still fit in the bytes left.
        assertThat(a.transport().send(Messages.heartbeat(a.id(), B, 1))).isTrue();
    }

    @Test
    void queueDrainsAfterDropsOnceThePeerComesUp() {
        int port = TransportFixture.freePort();
        Node a = fixture.start("a", FAST.withQueueBounds(10, 64L * 1024 * 1024));
        a.transport().addPeer(B, new InetSocketAddress("127.0.0.1", port));
        for (int i = 1; i <= 15; i++) {
            a.transport().send(Messages.heartbeat(a.id(), B, i));
        }
        Node b = fixture.start("b", FAST, port);
        await("the ten queued arrive", () -> b.received().size() == 10, b::received);
        assertThat(a.transport().send(Messages.heartbeat(a.id(), B, 16))).isTrue();
        await("a later one arrives too", () -> b.received().size() == 11, b::received);
        assertThat(a.transport().metrics().droppedQueueFull()).isEqualTo(5);
    }

    @Test
    void closeDropsWhatIsQueuedAndLaterSends() {
        Node a = withUnreachablePeer(FAST);
        for (int i = 0; i < 7; i++) {
            a.transport().send(Messages.heartbeat(a.id(), B, i));
        }
        a.transport().close();
        assertThat(a.transport().metrics().droppedClosed()).isEqualTo(7);
        assertThat(a.transport().send(Messages.heartbeat(a.id(), B, 8))).isFalse();
        assertThat(a.transport().metrics().droppedClosed()).isEqualTo(8);
        a.transport().close(); // idempotent
    }

    @Test
    void removedPeerDropsItsQueueAndLaterSends() {
        Node a = withUnreachablePeer(FAST);
        a.transport().send(Messages.heartbeat(a.id(), B, 1));
        a.transport().removePeer(B);
        assertThat(a.transport().peers()).isEmpty();
        assertThat(a.transport().metrics().droppedClosed()).isEqualTo(1);
        assertThat(a.transport().send(Messages.heartbeat(a.id(), B, 2))).isFalse();
        assertThat(a.transport().metrics().droppedUnknownPeer()).isEqualTo(1);
    }

    @Test
    void outboundMessageOverTheFrameLimitIsDroppedAndLaterOnesStillFlow() {
        Node a = fixture.start("a", FAST.withMaxFrameBytes(1024));
        Node b = fixture.start("b", FAST);
        TransportFixture.connectAll(a, b);
        assertThat(a.transport().send(Messages.appendWithPayload(a.id(), b.id(), 2000))).isTrue();
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));
        await("the heartbeat arrives", () -> b.received().size() == 1, a.transport()::metrics);
        assertThat(a.transport().metrics().droppedOversize()).isEqualTo(1);
        assertThat(b.received().peek()).isEqualTo(Messages.heartbeat(a.id(), b.id(), 1));
    }

    @Test
    void sendingSomeoneElsesMessageOrToItselfIsAProgrammingError() {
        Node a = fixture.start("a", FAST);
        assertThatThrownBy(() -> a.transport().send(Messages.heartbeat(NodeId.of("x"), B, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from x");
        assertThatThrownBy(() -> a.transport().send(Messages.heartbeat(a.id(), a.id(), 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("to itself");
    }

    @Test
    void listeningOnABusyPortFailsClearly() {
        Node a = fixture.start("a", FAST);
        PeerTransport clash = PeerTransport.builder(NodeId.of("z"))
                .listenAddress(a.address()).options(FAST).inboundHandler(m -> { }).build();
        assertThatThrownBy(clash::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("z cannot listen on");
        assertThatThrownBy(clash::start).hasMessageContaining("CLOSED");
    }
}
