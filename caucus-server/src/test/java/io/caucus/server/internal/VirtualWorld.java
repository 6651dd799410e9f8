package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.StorageOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * A {@link NodeEnvironment} for many nodes on one thread, in virtual time: every node's turns, timers and
 * workers (applier, completions, snapshot taking and streaming, log cleanup) are events of one queue, ordered by
 * virtual time and then by the order they were queued; messages between nodes arrive after a delay drawn from
 * one seeded {@link Random}, snapshot frames likewise but in order on each link, as on the TCP connection that
 * carries them. Nothing runs unless {@link #runUntil} runs it, so a seed reproduces a run event for event.
 * {@link #crash} drops a node's pending events and its messages in flight, as a crash does, and crashes its
 * {@link #disk simulated disk} (unsynced writes lost, the last kept one possibly torn); the node may then be
 * started again on what the real storage code recovers from it ({@link #openStore}).
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
    private final Map<NodeId, SimulatedDisk> disks = new HashMap<>();
    /** When the last snapshot frame sent on each link (from, to) arrives: frames keep their order. */
    private final Map<List<NodeId>, Long> frameArrivals = new HashMap<>();
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

    /** Node {@code id}'s simulated disk (one per node, kept across its crashes), created on first use. */
    SimulatedDisk disk(NodeId id) {
        return disks.computeIfAbsent(id, ignored -> new SimulatedDisk());
    }

    /**
     * Opens the production store, {@link DurableLogStore}, on node {@code id}'s simulated disk, recovering what
     * the disk kept; its cleanup runs on a worker of {@code environment} (the node's next start).
     */
    DurableLogStore openStore(NodeId id, NodeEnvironment environment, StorageOptions options,
                              ClusterConfiguration bootstrap) {
        return DurableLogStore.open(disk(id), Path.of("/virtual", id.toString()), options, bootstrap,
                environment.workers());
    }

    /**
     * Drops every pending event of {@code id} and every message in flight to it. A store in memory stays as
     * written; the node's simulated disk, if it has one, keeps only a random part of what was not synced.
     */
    void crash(NodeId id) {
        Host host = hosts.get(id);
        host.incarnation++;
        host.listening = false;
        host.inbound = null;
        SimulatedDisk disk = disks.get(id);
        if (disk != null) {
            disk.crash(random);
        }
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

    /** Runs one event now, out of turn, as its host's (a worker drained while the node closes). */
    private void runNow(Event event) {
        events.remove(event);
        if (event.incarnation == event.host.incarnation) {
            Host outer = running;
            eventsRun++;
            running = event.host;
            try {
                event.task.run();
            } finally {
                running = outer;
            }
        }
    }

    private static String describe(SnapshotFrame frame) {
        return switch (frame) {
            case SnapshotFrame.Chunk chunk -> "Chunk[" + chunk.from() + "->" + chunk.to() + " transfer "
                    + chunk.transferId() + " snapshot " + chunk.snapshot().lastIncludedIndex() + " offset "
                    + chunk.offset() + " bytes " + chunk.data().length + (chunk.last() ? " last" : "") + "]";
            case SnapshotFrame.Ack ack -> "Ack[" + ack.from() + "->" + ack.to() + " transfer " + ack.transferId()
                    + " received " + ack.receivedBytes() + " " + ack.status() + "]";
        };
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
            Host target = hosts.get(frame.to());
            if (!alive(host, incarnation) || !host.peers.contains(frame.to()) || target == null) {
                return false;
            }
            if (random.nextDouble() < lossRate) {
                return true; // lost on the way, as a connection that drops loses what it carried
            }
            long delay = minDelayNanos + (long) (random.nextDouble() * (maxDelayNanos - minDelayNanos));
            List<NodeId> link = List.of(frame.from(), frame.to());
            long arrival = Math.max(nowNanos + delay, frameArrivals.getOrDefault(link, 0L));
            frameArrivals.put(link, arrival);
            queue(target, target.incarnation, arrival - nowNanos, () -> {
                if (target.listening && target.inbound != null && connected(frame.from(), frame.to())) {
                    trace.add(nowNanos + " " + describe(frame));
                    target.inbound.onSnapshotFrame(frame);
                }
            });
            return true;
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
            return TransportMetrics.ofMessages(sent, 0);
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
        public boolean inExecutor() {
            return running == host;
        }
    }

    /**
     * A worker whose tasks are events of its node, run at the virtual instant they were queued. Once shut down it
     * runs a task on its caller, as the production worker does; waiting for its termination runs what it still
     * has queued, there and then (on one thread nothing else would).
     */
    private final class VirtualWorker implements Worker {
        private final Host host;
        private final int incarnation;
        private final ArrayDeque<Event> queued = new ArrayDeque<>();
        private boolean shutdown;

        VirtualWorker(Host host, int incarnation) {
            this.host = host;
            this.incarnation = incarnation;
        }

        @Override
        public void execute(Runnable task) {
            if (shutdown) {
                task.run();
            } else if (alive(host, incarnation)) {
                Event[] event = new Event[1];
                event[0] = queue(host, incarnation, 0, () -> {
                    queued.remove(event[0]);
                    task.run();
                });
                queued.add(event[0]);
            }
        }

        @Override
        public boolean inWorker() {
            return running == host;
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public boolean awaitTermination(Duration timeout) {
            for (Event event; (event = queued.poll()) != null; ) {
                runNow(event);
            }
            return true;
        }
    }
}
