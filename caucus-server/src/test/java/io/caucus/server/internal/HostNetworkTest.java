package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.RaftMessage;
import io.caucus.server.LocalCluster;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A host's groups share one transport: each group's view tags what it sends and gets only what is tagged with its
 * id; a group that fails or closes stops only its own traffic; a link to a process stays while the host's peer list
 * or any group's configuration names it.
 */
class HostNetworkTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final NodeId A = NodeId.of("a");
    private static final NodeId B = NodeId.of("b");
    private static final NodeId C = NodeId.of("c");

    private final List<HostNetwork> networks = new ArrayList<>();

    @AfterEach
    void close() {
        networks.forEach(HostNetwork::close);
    }

    private HostNetwork start(NodeId self, Map<NodeId, InetSocketAddress> processes, InetSocketAddress listen) {
        HostNetwork network = HostNetwork.create(self, listen, processes,
                TransportOptions.defaults().withReconnectBackoff(10, 200), Duration.ofMillis(20));
        networks.add(network);
        network.start();
        return network;
    }

    private static PeerNetwork open(HostNetwork network, long group, Queue<RaftMessage> received) {
        return network.open(group, null, (InboundHandler) received::add, new DirectExecutor());
    }

    private static Heartbeat heartbeat(NodeId from, NodeId to, long term) {
        return new Heartbeat(from, to, term, 0, 0);
    }

    @Test
    void eachGroupGetsOnlyItsOwnMessagesAndAFailedGroupStopsOnlyItsOwn() {
        InetSocketAddress aAddress = LocalCluster.freeLoopbackAddress();
        InetSocketAddress bAddress = LocalCluster.freeLoopbackAddress();
        Map<NodeId, InetSocketAddress> processes = Map.of(A, aAddress, B, bAddress);
        HostNetwork a = start(A, processes, aAddress);
        HostNetwork b = start(B, processes, bAddress);
        Queue<RaftMessage> b1 = new ConcurrentLinkedQueue<>();
        Queue<RaftMessage> b2 = new ConcurrentLinkedQueue<>();
        PeerNetwork a1View = open(a, 1, new ConcurrentLinkedQueue<>());
        PeerNetwork a2View = open(a, 2, new ConcurrentLinkedQueue<>());
        PeerNetwork b1View = open(b, 1, b1);
        open(b, 2, b2);

        a1View.send(heartbeat(A, B, 1));
        a2View.send(heartbeat(A, B, 2));
        await().atMost(WAIT).until(() -> b1.size() == 1 && b2.size() == 1);
        assertThat(b1).containsExactly(heartbeat(A, B, 1));
        assertThat(b2).containsExactly(heartbeat(A, B, 2));

        b1View.disconnect(); // group 1 failed on b: its messages are dropped there, group 2's still arrive
        a1View.send(heartbeat(A, B, 3));
        a2View.send(heartbeat(A, B, 4));
        await().atMost(WAIT).until(() -> b2.size() == 2);
        await().atMost(WAIT).until(() -> b.metrics().droppedUnknownGroup() == 1);
        assertThat(b1).hasSize(1);
        assertThat(a.metrics().connectionsEstablished()).as("one connection for both groups").isEqualTo(1);
    }

    @Test
    void aLinkStaysWhileAnyGroupNamesTheProcess() {
        InetSocketAddress aAddress = LocalCluster.freeLoopbackAddress();
        InetSocketAddress cAddress = LocalCluster.freeLoopbackAddress();
        HostNetwork a = start(A, Map.of(A, aAddress), aAddress); // c is no process a was given
        HostNetwork c = start(C, Map.of(C, cAddress), cAddress);
        Queue<RaftMessage> c1 = new ConcurrentLinkedQueue<>();
        open(c, 1, c1);
        open(c, 2, new ConcurrentLinkedQueue<>());
        PeerNetwork group1 = open(a, 1, new ConcurrentLinkedQueue<>());
        PeerNetwork group2 = open(a, 2, new ConcurrentLinkedQueue<>());

        group1.addPeer(C, cAddress);
        group2.addPeer(C, cAddress);
        group2.removePeer(C); // group 1 still names c
        group1.send(heartbeat(A, C, 1));
        await().atMost(WAIT).until(() -> c1.size() == 1);
        assertThat(group1.peers()).containsExactly(C);
        assertThat(group2.peers()).isEmpty();

        group1.close(); // the last group naming c: the link goes
        await().atMost(WAIT).until(() -> !a.isConnected(C));
    }

    @Test
    void aGroupHasOneNetworkOnAHost() {
        InetSocketAddress aAddress = LocalCluster.freeLoopbackAddress();
        HostNetwork a = start(A, Map.of(A, aAddress), aAddress);
        open(a, 1, new ConcurrentLinkedQueue<>());
        assertThatThrownBy(() -> open(a, 1, new ConcurrentLinkedQueue<>()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("group 1");
    }

    /** Runs tasks on the caller: the views never schedule on their executor here. */
    private static final class DirectExecutor implements NodeExecutor {
        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Timer scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long delayNanos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean inExecutor() {
            return true;
        }
    }
}
