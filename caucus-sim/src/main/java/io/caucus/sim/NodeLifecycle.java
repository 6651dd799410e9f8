package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.kv.cluster.TimeStamper;
import io.caucus.server.CaucusNode;
import io.caucus.server.SnapshotOptions;
import io.caucus.server.internal.NodeEnvironment;
import io.caucus.server.internal.NodeRuntime;
import io.caucus.server.internal.NodeSettings;
import io.caucus.sim.client.ClientWorkload;
import io.caucus.sim.kv.KvReplica;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Starting, crashing, restarting, adding and retiring nodes. A start is a new incarnation of the node on its
 * disk: a production {@link NodeRuntime} in the simulated world with the key-value state machine. A crash
 * abandons the running runtime (it is not closed: closing would flush what the crash loses) and keeps of its
 * disk what the disk model keeps.
 */
final class NodeLifecycle {

    /** A client's timeout is the simulation's business; the runtime's own only bounds what it keeps pending. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final Simulation sim;

    NodeLifecycle(Simulation sim) {
        this.sim = sim;
    }

    /**
     * Starts a node runtime on the node's disk, with the key-value state machine, in the simulated world; the
     * runtime stamps each write and read with the simulation's clock as it takes it, as a server's does
     * ({@link TimeStamper}).
     */
    void start(SimNode node) {
        KvReplica replica = new KvReplica();
        NodeSettings settings = settings(node, replica);
        NodeRuntime runtime;
        try {
            NodeEnvironment environment = SimEnvironment.of(node, sim.runtimeTurns.events(), sim.random);
            runtime = NodeRuntime.start(settings, SimLogStore.open(node, sim.runtimeReports::onDurable,
                    environment.workers()), node.bootstrap(), id -> Optional.of(addressOf(id)), environment);
        } catch (RuntimeException e) {
            sim.fail("Runtime start", node + " failed to start: " + e + SimulationFailure.stackTop(e));
            return;
        }
        adopt(node, runtime, replica);
    }

    /** The settings of a node's runtime: the key-value state machine of {@code replica}, the seed's tunables. */
    NodeSettings settings(SimNode node, KvReplica replica) {
        return new NodeSettings(node.id(), peerAddresses(node), Map.of(), null, replica.machine(),
                Duration.ofNanos(sim.config.tickMicros() * 1000), sim.config.options(), true, REQUEST_TIMEOUT,
                10_000, 1 << 20, 1024, 4096, TransportOptions.defaults(), snapshotOptions(),
                CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER, new TimeStamper(() -> ClientWorkload.clockMillis(sim)));
    }

    /**
     * Makes a runtime just started on the node's disk its next incarnation: its applies and restores reported and
     * checked, its start checked against what its disk held.
     */
    void adopt(SimNode node, NodeRuntime runtime, KvReplica replica) {
        int incarnation = node.nextIncarnation();
        node.started(runtime, replica);
        runtime.probe().onApplied((entry, result) -> sim.runtimeReports.onApplied(node, incarnation, entry, result));
        runtime.probe().onRestored(snapshot -> sim.runtimeReports.onRestored(node, incarnation, snapshot));
        SnapshotMetadata base = node.disk().log().snapshot();
        replica.restoredTo(base.lastIncludedIndex()); // the runtime loaded the store's snapshot as it started
        sim.checker.onStarted(node);
        if (base.lastIncludedIndex() > 0) {
            sim.checker.onRestored(node, base, sim.runtimeReports.storedSnapshot(node, base));
        }
        sim.trace.record(sim.events.now(), node, "start", "incarnation " + node.incarnation() + " (runtime) from "
                + node.disk().hardState() + ", log to " + node.disk().log().lastIndex());
    }

    void crash(SimNode node) {
        if (!node.isUp()) {
            throw new IllegalStateException(node.id() + " is already down");
        }
        node.crashed(sim.config.disk() == SimConfig.DiskModel.LYING);
        sim.trace.record(sim.events.now(), node.id(), "crash", node.disk().hosted()
                ? "with its process; what its shared WAL kept is recovered when the process restarts"
                : "durable: " + node.disk().hardState() + " log to " + node.disk().log().lastIndex());
        for (NodeObserver observer : sim.observers) {
            observer.onCrashed(node);
        }
    }

    void restart(SimNode node) {
        if (node.isUp()) {
            throw new IllegalStateException(node.id() + " is already up");
        }
        if (node.isRetired()) {
            throw new IllegalStateException(node.id() + " is retired");
        }
        start(node);
    }

    /**
     * A new node with an empty disk and {@code bootstrap} as its configuration, in which it is not a voter: it
     * never campaigns and waits for a leader to add it as a learner.
     */
    SimNode add(NodeId id, ClusterConfiguration bootstrap) {
        if (sim.nodes.containsKey(id)) {
            throw new IllegalArgumentException(id + " is already part of the simulation (retired or not)");
        }
        if (bootstrap.isVoter(id)) {
            throw new IllegalArgumentException(id + " is a voter of " + bootstrap + " already");
        }
        SimNode node = new SimNode(id, SimDisk.of(sim.config.disk(), bootstrap, sim.random), bootstrap);
        sim.nodes.put(id, node);
        sim.connectivity.add(id);
        sim.trace.record(sim.events.now(), id, "join", "bootstrap " + bootstrap);
        start(node);
        return node;
    }

    /** A removed server decommissioned: crashed if up, never restarted; messages to it drop as to a down node. */
    void retire(SimNode node) {
        if (node.isUp()) {
            crash(node);
        }
        node.retire();
        sim.trace.record(sim.events.now(), node.id(), "retire", "");
    }

    /**
     * The runtime's snapshot thresholds: every {@link SimConfig#compactEveryEntries} entries (the runtime staggers
     * each node's point by up to a quarter more; 0: only when asked), chunks of the least size so that a transfer
     * takes several, a window of 1 to 4 chunks, a transfer timeout of 20 to 100 ticks, and a log-to-snapshot ratio of
     * 0 (none) in half the seeds, 1 to 4 in the others.
     */
    private SnapshotOptions snapshotOptions() {
        long compactEveryEntries = sim.config.compactEveryEntries();
        SplittableRandom draw = new SplittableRandom(sim.config.seed() ^ 0x63686e6bL);
        return SnapshotOptions.DEFAULTS.withThresholds(compactEveryEntries, 0)
                .withChunking(1024, 1 + draw.nextInt(4))
                .withTransferTimeout(Duration.ofNanos((20 + draw.nextInt(81)) * sim.config.tickMicros() * 1000))
                // Half the seeds snapshot at every threshold, the others only once the log outgrows the last
                // snapshot (thesis §5.1.2), by a ratio from 1 to 4, so that snapshots come at uneven spacings.
                .withLogToSnapshotRatio(draw.nextBoolean() ? 0 : 1 + draw.nextInt(4));
    }

    /**
     * Every node of the bootstrap configuration, and the node itself: what a server's cluster file lists; for a
     * group's replica on a process, every process (the cluster file of a sharded cluster lists every node).
     */
    private Map<NodeId, InetSocketAddress> peerAddresses(SimNode node) {
        Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        Set<NodeId> listed = new TreeSet<>(node.bootstrap().members());
        if (node.disk().hosted()) {
            listed.addAll(sim.nodes.keySet());
        }
        for (NodeId member : listed) {
            peers.put(member, addressOf(member));
        }
        peers.put(node.id(), addressOf(node.id()));
        return peers;
    }

    /** Simulated nodes have no sockets: an address only names the node. */
    static InetSocketAddress addressOf(NodeId id) {
        return InetSocketAddress.createUnresolved(id.toString(), 1);
    }
}
