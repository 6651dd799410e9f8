package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * A {@link NodeEnvironment} for many nodes on one thread, in virtual time: every node's turns, timers, applier
 * and completions are events of one queue, ordered by virtual time and then by the order they were queued;
 * messages between nodes arrive after a delay drawn from one seeded {@link Random}. Nothing runs unless
 * {@link #runUntil} runs it, so a seed reproduces a run event for event. {@link #crash} drops a node's pending
 * events and its messages in flight, as a crash does; the node may then be started again on its store.
 *
 * <p>Not thread-safe: the test and the nodes all run on the caller's thread.
 */
final class VirtualWorld {

    private record Event(long atNanos, long sequence, Host host, int incarnation, Runnable task)
            implements Comparable<Event> {
        @Override
        public int compareTo(Event other) {
            int byTime = Long.compare(atNanos, other.atNanos);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    /** One node's slot: each start is a new incarnation; events of earlier ones are dropped. */
    private final class Host {
        final NodeId id;
        int incarnation;
        InboundHandler inbound;
        final Set<NodeId> peers = new TreeSet<>();
        boolean listening;

        Host(NodeId id) {
            this.id = id;
        }
    }

    private final Random random;
    private final long minDelayNanos;
    private final long maxDelayNanos;
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final Map<NodeId, Host> hosts = new HashMap<>();
    private final List<String> trace = new ArrayList<>();
    /** While partitioned: the nodes on one side; messages between the sides are lost. Empty: no partition. */
    private Set<NodeId> side = Set.of();
    private double lossRate;
    private long nowNanos;
    private long sequence;
    private long eventsRun;
    /** The host whose event is running, or null between events. */
    private Host running;

    VirtualWorld(long seed, Duration minDelay, Duration maxDelay) {
        this.random = new Random(seed);
        this.minDelayNanos = minDelay.toNanos();
        this.maxDelayNanos = maxDelay.toNanos();
    }

    /** The environment of node {@code id}'s next start; its random is drawn from the world's. */
    NodeEnvironment environment(NodeId id) {
        Host host = hosts.computeIfAbsent(id, Host::new);
        host.incarnation++;
        int incarnation = host.incarnation;
        return new NodeEnvironment(this::now, (settings, inbound) -> new Network(host, incarnation, settings,
                inbound), name -> new VirtualWorker(host, incarnation), new Random(random.nextLong()));
    }

    /** Drops every pending event of {@code id} and every message in flight to it; its store stays as written. */
    void crash(NodeId id) {
        Host host = hosts.get(id);
        host.incarnation++;
        host.listening = false;
        host.inbound = null;
        trace.add(nowNanos + " " + id + " crash");
    }

    /** Cuts {@code side} off from every other node until {@link #heal()}; messages in flight across are lost too. */
    void partition(Set<NodeId> side) {
        this.side = Set.copyOf(side);
        trace.add(nowNanos + " partition " + new TreeSet<>(side));
    }

    void heal() {
        side = Set.of();
        trace.add(nowNanos + " heal");
    }

    /** From now on each message is lost with probability {@code rate}. */
    void setLossRate(double rate) {
        lossRate = rate;
        trace.add(nowNanos + " loss " + rate);
    }

    private boolean connected(NodeId from, NodeId to) {
        return side.contains(from) == side.contains(to);
    }

    long now() {
        return nowNanos;
    }

    long eventsRun() {
        return eventsRun;
    }

    /** Every message delivered and every crash, with its virtual time: equal for equal seeds. */
    List<String> trace() {
        return List.copyOf(trace);
    }

    /** Runs events until {@code condition} holds or {@code limit} of virtual time passes; whether it holds. */
    boolean runUntil(BooleanSupplier condition, Duration limit) {
        long until = nowNanos + limit.toNanos();
        while (!condition.getAsBoolean()) {
            Event next = events.peek();
            if (next == null || next.atNanos > until) {
                nowNanos = Math.max(nowNanos, until);
                return condition.getAsBoolean();
            }
            events.poll();
            nowNanos = next.atNanos;
            if (next.incarnation == next.host.incarnation) {
                eventsRun++;
                running = next.host;
                try {
                    next.task.run();
                } finally {
                    running = null;
                }
            }
        }
        return true;
    }

    private Event queue(Host host, int incarnation, long delayNanos, Runnable task) {
        Event event = new Event(nowNanos + delayNanos, sequence++, host, incarnation, task);
        events.add(event);
        return event;
    }

    private boolean alive(Host host, int incarnation) {
        return host.incarnation == incarnation;
    }

    /** A node's network: its executor, and messages delivered after a random delay. */
    private final class Network implements PeerNetwork {
        private final Host host;
        private final int incarnation;
        private final NodeExecutor executor;
        private long sent;

        Network(Host host, int incarnation, NodeSettings settings, InboundHandler inbound) {
            this.host = host;
            this.incarnation = incarnation;
            this.executor = new VirtualExecutor(host, incarnation);
            host.inbound = inbound;
            host.peers.clear();
            host.peers.addAll(settings.peers().keySet());
            host.peers.remove(host.id);
        }

        @Override
        public void start() {
            host.listening = true;
        }

        @Override
        public NodeExecutor executor() {
            return executor;
        }

        @Override
        public void send(RaftMessage message) {
            if (!alive(host, incarnation) || !host.peers.contains(message.to())) {
                return;
            }
            sent++;
            Host target = hosts.get(message.to());
            if (target == null || random.nextDouble() < lossRate) {
                return;
            }
            long delay = minDelayNanos + (long) (random.nextDouble() * (maxDelayNanos - minDelayNanos));
            int targetIncarnation = target.incarnation;
            queue(target, targetIncarnation, delay, () -> {
                if (target.listening && target.inbound != null && connected(message.from(), message.to())) {
                    trace.add(nowNanos + " " + message);
                    target.inbound.onMessage(message);
                }
            });
        }

        @Override
        public boolean sendSnapshotFrame(SnapshotFrame frame) {
            return false; // the stores of this world keep no snapshots
        }

        @Override
        public void addPeer(NodeId peer, InetSocketAddress address) {
            host.peers.add(peer);
        }

        @Override
        public void removePeer(NodeId peer) {
            host.peers.remove(peer);
        }

        @Override
        public Set<NodeId> peers() {
            return Set.copyOf(host.peers);
        }

        @Override
        public void disconnect() {
            host.listening = false;
            host.peers.clear();
        }

        @Override
        public TransportMetrics metrics() {
            return new TransportMetrics(sent, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public void close() {
            disconnect();
        }
    }

    /** A node's turns and timers as events; rejects tasks once its incarnation has ended, as a closed loop does. */
    private final class VirtualExecutor implements NodeExecutor {
        private final Host host;
        private final int incarnation;

        VirtualExecutor(Host host, int incarnation) {
            this.host = host;
            this.incarnation = incarnation;
        }

        @Override
        public void execute(Runnable task) {
            schedule(task, 0);
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            if (!alive(host, incarnation)) {
                throw new RejectedExecutionException(host.id + " has crashed");
            }
            boolean[] cancelled = new boolean[1];
            queue(host, incarnation, delayNanos, () -> {
                if (!cancelled[0]) {
                    task.run();
                }
            });
            return () -> cancelled[0] = true;
        }

        @Override
        public Timer scheduleWithFixedDelay(Runnable task, long initialDelayNanos, long delayNanos) {
            boolean[] cancelled = new boolean[1];
            Runnable[] repeat = new Runnable[1];
            repeat[0] = () -> {
                if (!cancelled[0]) {
                    task.run();
                    schedule(repeat[0], delayNanos);
                }
            };
            schedule(repeat[0], initialDelayNanos);
            return () -> cancelled[0] = true;
        }

        @Override
        public boolean inExecutor() {
            return running == host;
        }
    }

    /** A worker whose tasks are events of its node, run at the virtual instant they were queued. */
    private final class VirtualWorker implements Worker {
        private final Host host;
        private final int incarnation;

        VirtualWorker(Host host, int incarnation) {
            this.host = host;
            this.incarnation = incarnation;
        }

        @Override
        public void execute(Runnable task) {
            if (alive(host, incarnation)) {
                queue(host, incarnation, 0, task);
            }
        }

        @Override
        public boolean inWorker() {
            return running == host;
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
