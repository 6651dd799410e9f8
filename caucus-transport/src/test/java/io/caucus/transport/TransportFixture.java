package io.caucus.transport;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.testing.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Starts transports on loopback with ephemeral ports and closes them all after a test. */
final class TransportFixture implements AutoCloseable {

    static final Duration DEADLINE = Duration.ofSeconds(60); // generous: the build machine is shared

    static final TransportOptions FAST = TransportOptions.defaults()
            .withReconnectBackoff(10, 200)
            .withHandshakeTimeoutMillis(5_000)
            .withIoThreads(1);

    private final List<PeerTransport> transports = new ArrayList<>();

    /** A started transport and everything it receives. */
    record Node(PeerTransport transport, Queue<RaftMessage> received) {
        NodeId id() {
            return transport.self();
        }

        InetSocketAddress address() {
            return transport.localAddress();
        }
    }

    Node start(String id, TransportOptions options) {
        return start(id, options, 0);
    }

    Node start(String id, TransportOptions options, int port) {
        return start(id, options, port, HostResolver.SYSTEM);
    }

    Node start(String id, TransportOptions options, int port, HostResolver resolver) {
        Queue<RaftMessage> received = new ConcurrentLinkedQueue<>();
        PeerTransport transport = PeerTransport.builder(NodeId.of(id))
                .listenAddress(new InetSocketAddress("127.0.0.1", port))
                .options(options)
                .hostResolver(resolver)
                .inboundHandler(received::add)
                .build();
        transports.add(transport);
        transport.start();
        return new Node(transport, received);
    }

    /** Makes every node a peer of every other. */
    static void connectAll(Node... nodes) {
        for (Node a : nodes) {
            for (Node b : nodes) {
                if (a != b) {
                    a.transport().addPeer(b.id(), b.address());
                }
            }
        }
    }

    /**
     * A loopback port that was free a moment ago, for a peer that will start later: from below the ephemeral range
     * (LoopbackPorts), where the connections the test opens meanwhile cannot take it.
     */
    static int freePort() {
        try {
            return LoopbackPorts.reserve(1).getFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the condition holds; a timeout names it and shows the current state. */
    static void await(String description, BooleanSupplier condition, Supplier<Object> state) {
        try {
            Awaitility.await(description).atMost(DEADLINE).pollInterval(Duration.ofMillis(2))
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + DEADLINE + " waiting for: " + description
                    + "; state: " + state.get(), e);
        }
    }

    static void await(String description, BooleanSupplier condition) {
        await(description, condition, () -> "");
    }

    @Override
    public void close() {
        transports.forEach(PeerTransport::close);
    }
}
