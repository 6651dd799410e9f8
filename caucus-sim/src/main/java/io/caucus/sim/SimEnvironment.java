package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.server.internal.NodeEnvironment;
import io.caucus.server.internal.NodeExecutor;
import io.caucus.server.internal.NodeSettings;
import io.caucus.server.internal.PeerNetwork;
import io.caucus.server.internal.Worker;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;

/**
 * The world a simulated {@link io.caucus.server.internal.NodeRuntime} runs in: the simulation's virtual clock,
 * its turns, timers and workers as events of the simulation's one queue (so nothing runs unless the simulation
 * runs it, and a seed reproduces a run), the {@link SimNetwork} as its peer network, and a random drawn from the
 * simulation's seed. Each environment belongs to one incarnation of a node: once the node crashes, its events
 * are dropped and its executor rejects tasks, as a closed event loop does.
 */
final class SimEnvironment {

    /** How the simulation runs a node's events: at a virtual time, and only while that incarnation is alive. */
    interface Events {
        long nowMicros();

        /** Runs {@code task} as an event of {@code node}'s {@code incarnation}, {@code delayMicros} from now. */
        void schedule(SimNode node, int incarnation, long delayMicros, Runnable task);

        /** The node whose event is running, or null. */
        SimNode running();

        /** Hands a message the node sends to the simulated network. */
        void send(SimNode from, RaftMessage message);

        /** Hands a snapshot frame the node streams to the simulated network; false if there is no link to its peer. */
        boolean sendSnapshotFrame(SimNode from, SnapshotFrame frame);
    }

    private SimEnvironment() {
    }

    /** The environment of {@code node}'s next incarnation. */
    static NodeEnvironment of(SimNode node, Events events, Random random) {
        int incarnation = node.nextIncarnation();
        return new NodeEnvironment(() -> events.nowMicros() * 1000,
                (settings, inbound) -> new Network(node, incarnation, events, settings, inbound),
                name -> new EventWorker(node, incarnation, events), new Random(random.nextLong()));
    }

    /** The turns and timers of {@code node}'s {@code incarnation}, for a host that hands each group its executor. */
    static NodeExecutor executor(SimNode node, int incarnation, Events events) {
        return new EventExecutor(node, incarnation, events);
    }

    /** A worker of {@code node}'s {@code incarnation}. */
    static Worker worker(SimNode node, int incarnation, Events events) {
        return new EventWorker(node, incarnation, events);
    }

    /** The network of {@code node}'s {@code incarnation}: its messages go to {@code events}' simulated network. */
    static PeerNetwork network(SimNode node, int incarnation, Events events, NodeSettings settings,
                               InboundHandler inbound) {
        return new Network(node, incarnation, events, settings, inbound);
    }

    private static long microsOf(long nanos) {
        // Round up: a timer never fires before its delay has passed.
        return (nanos + 999) / 1000;
    }

    /** The node's network: its executor, and its messages handed to the simulated network. */
    private static final class Network implements PeerNetwork {
        private final SimNode node;
        private final int incarnation;
        private final Events events;
        private final NodeExecutor executor;
        private long sent;

        Network(SimNode node, int incarnation, Events events, NodeSettings settings, InboundHandler inbound) {
            this.node = node;
            this.incarnation = incarnation;
            this.events = events;
            this.executor = new EventExecutor(node, incarnation, events);
            node.connect(inbound, settings.peers().keySet());
        }

        private boolean alive() {
            return node.incarnation() == incarnation && node.isUp();
        }

        @Override
        public void start() {
            node.listen(true);
        }

        @Override
        public NodeExecutor executor() {
            return executor;
        }

        /** As the transport does, only peers of the configuration in force (or the known leader) are sent to. */
        @Override
        public void send(RaftMessage message) {
            if (alive() && node.inbound() != null && node.peers().contains(message.to())) {
                sent++;
                events.send(node, message);
            }
        }

        /** As on a connection to the peer: frames arrive in order, or are lost with what follows them. */
        @Override
        public boolean sendSnapshotFrame(SnapshotFrame frame) {
            return alive() && node.inbound() != null && node.peers().contains(frame.to())
                    && events.sendSnapshotFrame(node, frame);
        }

        @Override
        public void addPeer(NodeId peer, InetSocketAddress address) {
            if (alive()) {
                node.peers().add(peer);
            }
        }

        @Override
        public void removePeer(NodeId peer) {
            if (alive()) {
                node.peers().remove(peer);
            }
        }

        @Override
        public Set<NodeId> peers() {
            return alive() ? Set.copyOf(node.peers()) : Set.of();
        }

        @Override
        public void disconnect() {
            if (alive()) {
                node.listen(false);
                node.peers().clear();
            }
        }

        @Override
        public TransportMetrics metrics() {
            return TransportMetrics.ofMessages(sent, 0);
        }

        @Override
        public void close() {
            disconnect();
        }
    }

    /** The node's turns and timers as events of its incarnation. */
    private static final class EventExecutor implements NodeExecutor {
        private final SimNode node;
        private final int incarnation;
        private final Events events;

        EventExecutor(SimNode node, int incarnation, Events events) {
            this.node = node;
            this.incarnation = incarnation;
            this.events = events;
        }

        @Override
        public void execute(Runnable task) {
            schedule(task, 0);
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            if (node.incarnation() > incarnation) {
                throw new RejectedExecutionException(node + " has crashed");
            }
            boolean[] cancelled = new boolean[1];
            events.schedule(node, incarnation, microsOf(delayNanos), () -> {
                if (!cancelled[0]) {
                    task.run();
                }
            });
            return () -> cancelled[0] = true;
        }

        @Override
        public boolean inExecutor() {
            return events.running() == node;
        }
    }

    /** A worker (the applier, the completions) whose tasks are events of the node, run at the instant queued. */
    private static final class EventWorker implements Worker {
        private final SimNode node;
        private final int incarnation;
        private final Events events;

        EventWorker(SimNode node, int incarnation, Events events) {
            this.node = node;
            this.incarnation = incarnation;
            this.events = events;
        }

        @Override
        public void execute(Runnable task) {
            if (node.incarnation() <= incarnation) {
                events.schedule(node, incarnation, 0, task);
            }
        }

        @Override
        public boolean inWorker() {
            return events.running() == node;
        }

        @Override
        public void shutdown() {
        }

        @Override
        public boolean awaitTermination(Duration timeout) {
            return true;
        }
    }
}
