package io.caucus.transport;

import static io.caucus.transport.TransportFixture.FAST;
import static io.caucus.transport.TransportFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.TransportFixture.Node;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Transports talking to each other over loopback TCP. */
class PeerTransportTest {

    private final TransportFixture fixture = new TransportFixture();

    @AfterEach
    void closeAll() {
        fixture.close();
    }

    @Test
    void twoTransportsExchangeEveryMessageTypeInOrder() {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST);
        TransportFixture.connectAll(a, b);

        List<RaftMessage> aToB = Messages.oneOfEach(a.id(), b.id());
        List<RaftMessage> bToA = Messages.oneOfEach(b.id(), a.id());
        aToB.forEach(m -> assertThat(a.transport().send(m)).isTrue());
        bToA.forEach(m -> assertThat(b.transport().send(m)).isTrue());

        await("b receives all of a's messages", () -> b.received().size() == aToB.size(), b::received);
        await("a receives all of b's messages", () -> a.received().size() == bToA.size(), a::received);
        assertThat(new ArrayList<>(b.received())).usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(aToB);
        assertThat(new ArrayList<>(a.received())).containsExactlyElementsOf(bToA);
        assertThat(a.transport().metrics().messagesSent()).isEqualTo(aToB.size());
        assertThat(b.transport().metrics().messagesReceived()).isEqualTo(aToB.size());
        assertThat(a.transport().metrics().droppedOutbound()).isZero();
        assertThat(a.transport().isConnected(b.id())).isTrue();
        assertThat(a.transport().isConnected(NodeId.of("nobody"))).isFalse();
    }

    @Test
    void aSendFromTheEventLoopIsWrittenBeforeItsTaskEnds() throws Exception {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST);
        TransportFixture.connectAll(a, b);
        assertThat(a.transport().send(new Heartbeat(a.id(), b.id(), 1, 0, 0))).isTrue();
        await("the link from a to b is up", () -> b.received().size() == 1, b::received);

        // The task holds a's only event loop until b has the message, so a write deferred to a later task of
        // that loop (as a send from another thread is) could never happen: the node relies on this to have its
        // AppendEntries on the wire before its own fsync starts.
        Future<?> sendAndWait = a.transport().eventLoop().submit(() -> {
            a.transport().send(new Heartbeat(a.id(), b.id(), 1, 1, 0));
            await("b receives the message while a's loop is still in the sending task",
                    () -> b.received().size() == 2, b::received);
        });
        sendAndWait.get(); // fails with await's AssertionError as its cause
    }

    @Test
    void aDisconnectedTransportDropsEveryConnectionButKeepsItsEventLoop() throws Exception {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST);
        TransportFixture.connectAll(a, b);
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));
        b.transport().send(Messages.heartbeat(b.id(), a.id(), 1));
        await("both links are up", () -> a.received().size() == 1 && b.received().size() == 1);

        a.transport().disconnect();

        await("b sees its link to a broken", () -> !b.transport().isConnected(a.id()), b.transport()::metrics);
        assertThat(a.transport().send(Messages.heartbeat(a.id(), b.id(), 2))).isFalse();
        assertThat(a.transport().metrics().droppedClosed()).isEqualTo(1);
        // b redials a's address, which no longer listens.
        await("b has tried to reconnect", () -> b.transport().metrics().connectAttempts() >= 3, b.transport()::metrics);
        assertThat(b.transport().isConnected(a.id())).isFalse();
        assertThat(a.received()).hasSize(1);
        // Channels the caller registered on the loop live on until close().
        assertThat(a.transport().eventLoop().submit(() -> "still running").get()).isEqualTo("still running");
        a.transport().close();
        assertThat(a.transport().eventLoop().isShuttingDown()).isTrue();
    }

    @Test
    void closingFromTheInboundHandlerDoesNotDeadlock() {
        Node a = fixture.start("a", FAST);
        PeerTransport[] self = new PeerTransport[1];
        PeerTransport b = PeerTransport.builder(NodeId.of("b"))
                .listenAddress(new InetSocketAddress("127.0.0.1", 0))
                .peer(a.id(), a.address())
                .options(FAST)
                .inboundHandler(m -> self[0].close())
                .build();
        self[0] = b;
        try {
            b.start();
            a.transport().addPeer(b.self(), b.localAddress());
            a.transport().send(Messages.heartbeat(a.id(), b.self(), 1));
            await("b has closed itself", () -> !b.send(Messages.heartbeat(b.self(), a.id(), 1)), b::metrics);
            assertThat(b.metrics().droppedClosed()).isGreaterThanOrEqualTo(1);
        } finally {
            b.close();
        }
    }

    @Test
    void threeTransportsAllToAll() {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST);
        Node c = fixture.start("c", FAST);
        TransportFixture.connectAll(a, b, c);
        List<Node> nodes = List.of(a, b, c);
        int perPair = 200;

        for (Node from : nodes) {
            for (Node to : nodes) {
                if (from != to) {
                    for (int i = 1; i <= perPair; i++) {
                        from.transport().send(Messages.heartbeat(from.id(), to.id(), i));
                    }
                }
            }
        }
        for (Node node : nodes) {
            await(node.id() + " receives from both others", () -> node.received().size() == 2 * perPair,
                    () -> node.received().size());
            Map<NodeId, List<Long>> roundsBySender = node.received().stream().collect(Collectors.groupingBy(
                    RaftMessage::from, Collectors.mapping(m -> ((Heartbeat) m).readRound(), Collectors.toList())));
            assertThat(roundsBySender).hasSize(2).doesNotContainKey(node.id());
            List<Long> expected = java.util.stream.LongStream.rangeClosed(1, perPair).boxed().toList();
            roundsBySender.values().forEach(rounds -> assertThat(rounds).isEqualTo(expected));
            assertThat(node.received()).allMatch(m -> m.to().equals(node.id()));
        }
    }

    @Test
    void peerThatStartsLateReceivesWhatWasQueuedOnceItIsUp() {
        int port = TransportFixture.freePort();
        Node a = fixture.start("a", FAST);
        a.transport().addPeer(NodeId.of("b"), new InetSocketAddress("127.0.0.1", port));
        for (int i = 1; i <= 10; i++) {
            assertThat(a.transport().send(Messages.heartbeat(a.id(), NodeId.of("b"), i))).isTrue();
        }
        await("a has retried the connection", () -> a.transport().metrics().reconnects() >= 2,
                a.transport()::metrics);
        assertThat(a.transport().queuedMessages(NodeId.of("b"))).isEqualTo(10);

        Node b = fixture.start("b", FAST, port);
        await("b receives the queued messages", () -> b.received().size() == 10, b::received);
        assertThat(b.received()).extracting(m -> ((Heartbeat) m).readRound())
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(a.transport().metrics().connectionsEstablished()).isEqualTo(1);
        assertThat(a.transport().metrics().connectAttempts()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void restartedPeerIsReconnected() {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST);
        TransportFixture.connectAll(a, b);
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));
        await("first b receives", () -> b.received().size() == 1, b::received);

        int port = b.address().getPort();
        b.transport().close();
        Node restarted = fixture.start("b", FAST, port);

        // Messages written just before the old connection broke may be lost (as Raft allows), so keep sending
        // until one arrives over the new connection.
        long[] round = {1};
        await("restarted b receives", () -> {
            a.transport().send(Messages.heartbeat(a.id(), b.id(), ++round[0]));
            return !restarted.received().isEmpty();
        }, a.transport()::metrics);
        assertThat(a.transport().metrics().connectionsEstablished()).isGreaterThanOrEqualTo(2);
        assertThat(restarted.received()).allMatch(m -> m.from().equals(a.id()) && m.to().equals(b.id()));
    }

    @Test
    void hundredThousandSmallMessagesAllArriveInOrder() {
        int count = 100_000;
        TransportOptions roomy = FAST.withQueueBounds(count, 64L * 1024 * 1024);
        Node a = fixture.start("a", roomy);
        Node b = fixture.start("b", roomy);
        PeerTransport receiver = b.transport();
        TransportFixture.connectAll(a, b);
        for (int i = 1; i <= count; i++) {
            assertThat(a.transport().send(Messages.heartbeat(a.id(), b.id(), i))).isTrue();
        }
        await("all messages arrive", () -> receiver.metrics().messagesReceived() == count, receiver::metrics);
        long expectedRound = 1;
        for (RaftMessage m : b.received()) {
            assertThat(((Heartbeat) m).readRound()).as("delivered in send order").isEqualTo(expectedRound++);
        }
        assertThat(a.transport().metrics().messagesSent()).isEqualTo(count);
        assertThat(a.transport().metrics().droppedOutbound()).isZero();
    }

    @Test
    void queuedBurstIsWrittenWithFewFlushesAndReadCompletionsAreSignalled() {
        int count = 20_000;
        TransportOptions roomy = FAST.withQueueBounds(count, 64L * 1024 * 1024);
        int port = TransportFixture.freePort();
        Node a = fixture.start("a", roomy);
        a.transport().addPeer(NodeId.of("b"), new InetSocketAddress("127.0.0.1", port));
        for (int i = 1; i <= count; i++) {
            a.transport().send(Messages.heartbeat(a.id(), NodeId.of("b"), i));
        }
        java.util.concurrent.atomic.AtomicLong messages = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        PeerTransport b = PeerTransport.builder(NodeId.of("b"))
                .listenAddress(new InetSocketAddress("127.0.0.1", port))
                .options(roomy)
                .inboundHandler(new InboundHandler() {
                    @Override
                    public void onMessage(RaftMessage message) {
                        messages.incrementAndGet();
                    }

                    @Override
                    public void onReadComplete() {
                        reads.incrementAndGet();
                    }
                })
                .build();
        try {
            b.start();
            await("all arrive", () -> messages.get() == count, a.transport()::metrics);
            // The whole queue is there when the connection comes up: each drain writes up to 4096 messages
            // (fewer only if the socket buffer fills) and flushes once.
            assertThat(a.transport().metrics().messagesSent()).isEqualTo(count);
            assertThat(a.transport().metrics().flushes()).isPositive().isLessThan(count / 100);
            await("reads signalled", () -> reads.get() >= 1, reads::get);
            assertThat(reads.get()).isLessThanOrEqualTo(count);
        } finally {
            b.close();
        }
    }

    @Test
    void peerMovedToANewAddressIsRedialledThere() {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST);
        a.transport().addPeer(b.id(), new InetSocketAddress("127.0.0.1", TransportFixture.freePort()));
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1)); // queued for the old address
        a.transport().addPeer(b.id(), b.address());
        assertThat(a.transport().metrics().droppedClosed()).isEqualTo(1);
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 2));
        await("b receives at its real address", () -> b.received().size() == 1, a.transport()::metrics);
        assertThat(b.received()).containsExactly(Messages.heartbeat(a.id(), b.id(), 2));
        a.transport().addPeer(b.id(), b.address()); // same address again: keeps the connection
        assertThat(a.transport().isConnected(b.id())).isTrue();
    }

    @Test
    void misconfiguredAddressIsRefusedByTheNodeFoundThere() {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST);
        NodeId c = NodeId.of("c");
        a.transport().addPeer(c, b.address()); // a believes c lives at b's address
        a.transport().send(Messages.heartbeat(a.id(), c, 1));
        await("b refuses a's connection meant for c",
                () -> a.transport().metrics().handshakesRefusedByPeer() >= 1, a.transport()::metrics);
        assertThat(b.received()).isEmpty();
        assertThat(a.transport().queuedMessages(c)).isEqualTo(1);
    }

    @Test
    void inboundHandlerFailureIsCountedAndTheConnectionSurvives() {
        Node a = fixture.start("a", FAST);
        List<RaftMessage> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
        PeerTransport b = PeerTransport.builder(NodeId.of("b"))
                .listenAddress(new InetSocketAddress("127.0.0.1", 0))
                .options(FAST)
                .inboundHandler(m -> {
                    if (((Heartbeat) m).readRound() == 1) {
                        throw new IllegalStateException("handler bug");
                    }
                    delivered.add(m);
                })
                .build();
        try {
            b.start();
            a.transport().addPeer(b.self(), b.localAddress());
            a.transport().send(Messages.heartbeat(a.id(), b.self(), 1));
            a.transport().send(Messages.heartbeat(a.id(), b.self(), 2));
            await("second message delivered", () -> delivered.size() == 1, b::metrics);
            assertThat(b.metrics().handlerFailures()).isEqualTo(1);
            assertThat(b.metrics().messagesReceived()).isEqualTo(1);
        } finally {
            b.close();
        }
    }

    @Test
    void peersGivenAtBuildTimeAreDialledOnStart() {
        Node b = fixture.start("b", FAST);
        java.util.Queue<RaftMessage> received = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Map<NodeId, InetSocketAddress> cluster = Map.of(NodeId.of("a"), new InetSocketAddress("127.0.0.1", 1),
                b.id(), b.address());
        try (PeerTransport a = PeerTransport.builder(NodeId.of("a"))
                .listenAddress(new InetSocketAddress("127.0.0.1", 0))
                .peers(cluster)
                .options(FAST)
                .inboundHandler(received::add)
                .build()) {
            assertThat(a.peers()).containsExactly(b.id());
            a.send(Messages.heartbeat(a.self(), b.id(), 1)); // queued before start
            a.start();
            await("b receives", () -> b.received().size() == 1, a::metrics);
        }
    }
}
