package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.server.internal.NodeProbe;
import io.caucus.server.internal.NodeRuntime;
import io.caucus.sim.kv.KvReplica;
import io.caucus.transport.InboundHandler;
import java.util.Set;
import java.util.TreeSet;

/**
 * One server slot of the simulated cluster: its disk lives across crashes; the running node and its state
 * machine exist only while it is up. Each start is a new incarnation; events addressed to an earlier
 * incarnation (turns, timers, applies, persist completions, messages in flight) are dropped.
 *
 * <p>The running node is a production {@link NodeRuntime}; {@link #core()} reads its core's state.
 */
public final class SimNode {

    private final NodeId id;
    private final SimDisk disk;
    /**
     * The configuration passed to every start: the initial cluster's, or for a joining node one without it; for a
     * group's replica on a process, the one its store recorded at its first start there.
     */
    private ClusterConfiguration bootstrap;
    /** Removed from the simulation for good: down, never restarted, no longer among the node ids. */
    private boolean retired;
    private NodeRuntime runtime;
    private NodeProbe core;
    private KvReplica stateMachine;
    private int incarnation;
    // The runtime's network: where its messages arrive, the peers it talks to, and whether it takes part.
    private InboundHandler inbound;
    private final Set<NodeId> peers = new TreeSet<>();
    private boolean listening;
    /** How traces and failures name it: its id, and in a multi-group run its group too ("n2/g7"). */
    private String name;

    SimNode(NodeId id, SimDisk disk, ClusterConfiguration bootstrap) {
        this.id = id;
        this.disk = disk;
        this.bootstrap = bootstrap;
    }

    public ClusterConfiguration bootstrap() {
        return bootstrap;
    }

    /** A hosted replica starts from the configuration its store recorded, which the host chose at its first start. */
    void startsFrom(ClusterConfiguration recorded) {
        bootstrap = recorded;
    }

    public boolean isRetired() {
        return retired;
    }

    void retire() {
        retired = true;
    }

    public NodeId id() {
        return id;
    }

    public SimDisk disk() {
        return disk;
    }

    public boolean isUp() {
        return core != null;
    }

    /** The running node runtime; fails if the node is down. */
    public NodeRuntime runtime() {
        if (runtime == null) {
            throw new IllegalStateException(id + " is down");
        }
        return runtime;
    }

    /** A read-only view of the running core; fails if the node is down. */
    public NodeProbe core() {
        if (core == null) {
            throw new IllegalStateException(id + " is down");
        }
        return core;
    }

    public KvReplica stateMachine() {
        if (stateMachine == null) {
            throw new IllegalStateException(id + " is down");
        }
        return stateMachine;
    }

    public NodeStatus status() {
        return core().coreStatus();
    }

    public int incarnation() {
        return incarnation;
    }

    /** The next incarnation's number, for the environment of a runtime about to start. */
    int nextIncarnation() {
        return incarnation + 1;
    }

    /** A new incarnation running {@code started}, which applies to {@code replica}'s state machine. */
    void started(NodeRuntime started, KvReplica replica) {
        incarnation++;
        runtime = started;
        stateMachine = replica;
        core = started.probe();
    }

    void crashed(boolean lyingDisk) {
        incarnation++;
        runtime = null;
        core = null;
        stateMachine = null;
        inbound = null;
        listening = false;
        peers.clear();
        if (lyingDisk) {
            disk.crashLosingAcknowledgedWrites();
        } else {
            disk.crash();
        }
    }

    // ---------------------------------------------------------------- the runtime's network endpoint

    void connect(InboundHandler handler, Set<NodeId> initialPeers) {
        inbound = handler;
        peers.clear();
        peers.addAll(initialPeers);
        peers.remove(id);
    }

    void listen(boolean on) {
        listening = on;
    }

    /** Where messages to this node go, or null while it does not take part (down, not started, or failed). */
    InboundHandler inbound() {
        return listening ? inbound : null;
    }

    Set<NodeId> peers() {
        return peers;
    }

    /** Names this node as one group's replica on the process {@link #id()}. */
    void nameAsReplicaOf(long group) {
        name = id + "/g" + group;
    }

    @Override
    public String toString() {
        return name != null ? name : id.toString();
    }
}
