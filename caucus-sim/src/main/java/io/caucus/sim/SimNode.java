package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.RaftNode;
import io.caucus.sim.kv.KvSnapshot;
import io.caucus.sim.kv.KvReplica;

/**
 * One server slot of the simulated cluster: its disk lives across crashes; the running node and its state
 * machine exist only while it is up. Each start is a new incarnation; events addressed to an earlier
 * incarnation (ticks, persist completions, messages in flight) are dropped.
 */
public final class SimNode {

    private final NodeId id;
    private final SimDisk disk;
    /** The configuration passed to every start: the initial cluster's, or for a joining node one without it. */
    private final ClusterConfiguration bootstrap;
    /** Removed from the simulation for good: down, never restarted, no longer among the node ids. */
    private boolean retired;
    private RaftNode raft;
    private KvReplica stateMachine;
    private int incarnation;

    SimNode(NodeId id, SimDisk disk, ClusterConfiguration bootstrap) {
        this.id = id;
        this.disk = disk;
        this.bootstrap = bootstrap;
    }

    public ClusterConfiguration bootstrap() {
        return bootstrap;
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
        return raft != null;
    }

    /** The running core; fails if the node is down. */
    public RaftNode raft() {
        if (raft == null) {
            throw new IllegalStateException(id + " is down");
        }
        return raft;
    }

    public KvReplica stateMachine() {
        if (stateMachine == null) {
            throw new IllegalStateException(id + " is down");
        }
        return stateMachine;
    }

    public NodeStatus status() {
        return raft().status();
    }

    public int incarnation() {
        return incarnation;
    }

    /** A new incarnation, its state machine loaded from {@code snapshot} ({@code null}: empty). */
    void started(RaftNode node, KvSnapshot snapshot) {
        incarnation++;
        raft = node;
        stateMachine = new KvReplica();
        if (snapshot != null) {
            stateMachine.restore(snapshot);
        }
    }

    /** The core asked to load a snapshot (Ready.restore): the state machine's whole state is replaced. */
    void restoreStateMachine(KvSnapshot snapshot) {
        stateMachine().restore(snapshot);
    }

    void crashed(boolean lyingDisk) {
        incarnation++;
        raft = null;
        stateMachine = null;
        if (lyingDisk) {
            disk.crashLosingAcknowledgedWrites();
        } else {
            disk.crash();
        }
    }

    @Override
    public String toString() {
        return id.toString();
    }
}
