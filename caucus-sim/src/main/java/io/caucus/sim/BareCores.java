package io.caucus.sim;

import io.caucus.core.ConfigurationChange;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Persist;
import io.caucus.core.ProposeResult;
import io.caucus.core.RaftNode;
import io.caucus.core.ReadResult;
import io.caucus.core.Ready;
import io.caucus.core.Role;
import io.caucus.core.SnapshotMetadata;
import io.caucus.kv.command.Reply;
import io.caucus.sim.kv.KvSnapshot;
import java.util.List;
import java.util.function.Consumer;

/**
 * Bare cores ({@link SimConfig.Driver#CORE}): the simulation feeds a {@link RaftNode} one input at a time and
 * carries out its {@link Ready} itself (messages to the network, persists to the disk after a random delay,
 * committed entries to the state machine, snapshots to the store), so that scripted scenarios can look at the
 * core's answer at once.
 */
final class BareCores {

    private final Simulation sim;

    BareCores(Simulation sim) {
        this.sim = sim;
    }

    /** A node the simulation drives itself: scripted inputs exist only with {@link SimConfig.Driver#CORE}. */
    private SimNode scripted(NodeId id) {
        if (sim.config.driver() != SimConfig.Driver.CORE) {
            throw new IllegalStateException("scripted core inputs need SimConfig.Driver.CORE; the runtime's nodes "
                    + "take requests through NodeRuntime (node(id).runtime())");
        }
        return sim.node(id);
    }

    // ---------------------------------------------------------------- scripted inputs

    void setCompaction(long everyEntries) {
        if (everyEntries < 0) {
            throw new IllegalArgumentException("compaction threshold must be >= 0, got " + everyEntries);
        }
        if (sim.runsRuntime()) {
            throw new IllegalStateException("a runtime's snapshot thresholds are fixed when it starts: "
                    + "use SimConfig.withCompaction");
        }
        sim.trace.record(sim.events.now(), "-", "compaction", everyEntries == 0 ? "off"
                : "every " + everyEntries + " entries");
        sim.compactEveryEntries = everyEntries;
    }

    void compact(NodeId id) {
        SimNode node = scripted(id);
        drive(node, raft -> takeSnapshot(node));
    }

    void campaign(NodeId id) {
        drive(scripted(id), RaftNode::campaign);
    }

    ProposeResult propose(NodeId id, List<byte[]> commands) {
        ProposeResult[] result = new ProposeResult[1];
        SimNode node = scripted(id);
        drive(node, raft -> result[0] = raft.propose(commands));
        sim.trace.record(sim.events.now(), id, "propose", commands.size() + " cmd(s) -> " + result[0]);
        return result[0];
    }

    void readIndex(NodeId id, long requestId) {
        sim.trace.record(sim.events.now(), id, "readIndex", "request " + requestId);
        drive(scripted(id), raft -> raft.readIndex(requestId));
    }

    ProposeResult proposeConfigurationChange(NodeId at, ConfigurationChange change) {
        ProposeResult[] result = new ProposeResult[1];
        drive(scripted(at), raft -> result[0] = raft.proposeConfigurationChange(change));
        sim.trace.record(sim.events.now(), at, "reconfigure", change + " -> " + result[0]);
        return result[0];
    }

    ProposeResult transferLeadership(NodeId at, NodeId target) {
        ProposeResult[] result = new ProposeResult[1];
        drive(scripted(at), raft -> result[0] = raft.transferLeadership(target));
        sim.trace.record(sim.events.now(), at, "transfer", "to " + target + " -> " + result[0]);
        return result[0];
    }

    // ---------------------------------------------------------------- a bare core, its Ready carried out here

    /** Starts a node from its disk: the state machine from the log's base snapshot, if any, then the log's tail. */
    void start(SimNode node) {
        LogView log = node.disk().log();
        SnapshotMetadata base = log.snapshot();
        KvSnapshot state = null;
        if (base.lastIncludedIndex() > 0) {
            state = node.disk().snapshotState(base);
            if (state == null) {
                sim.fail("Snapshot store", node + "'s log starts after snapshot " + base
                        + ", which its store does not hold");
            }
        }
        RaftNode raft;
        try {
            raft = RaftNode.start(node.id(), node.bootstrap(), sim.config.options(), node.disk().hardState(),
                    log, base.lastIncludedIndex(), sim.random);
        } catch (RuntimeException e) {
            sim.fail("Core start", node + " failed to start: " + e);
            return;
        }
        node.started(raft, state);
        sim.checker.onStarted(node);
        if (state != null) {
            sim.checker.onRestored(node, base, state);
        }
        sim.trace.record(sim.events.now(), node, "start", "incarnation " + node.incarnation() + " from "
                + node.disk().hardState() + ", log to " + node.disk().log().lastIndex());
        int incarnation = node.incarnation();
        sim.events.at(sim.events.now() + 1 + sim.random.nextLong(sim.config.tickMicros()),
                () -> tick(node, incarnation));
        drive(node, raftNode -> { });
    }

    private void tick(SimNode node, int incarnation) {
        if (node.incarnation() != incarnation) {
            return;
        }
        drive(node, RaftNode::tick);
        sim.events.at(sim.events.now() + sim.config.tickMicros(), () -> tick(node, incarnation));
    }

    /** Feeds one input to a node, carries out everything it asks, then checks the invariants. */
    void drive(SimNode node, Consumer<RaftNode> input) {
        RaftNode raft = node.raft();
        Role before = null;
        long termBefore = 0;
        try {
            NodeStatus status = raft.status();
            before = status.role();
            termBefore = status.term();
            input.accept(raft);
            while (raft.hasReady()) {
                carryOut(node, raft.ready());
            }
        } catch (SimulationFailure failure) {
            throw failure;
        } catch (RuntimeException e) {
            sim.fail("Core threw", node + ": " + e + SimulationFailure.stackTop(e));
        }
        NodeStatus after = raft.status();
        if (after.role() != before || after.term() != termBefore) {
            sim.trace.record(sim.events.now(), node, "role", before + "/t" + termBefore + " -> " + after.role()
                    + "/t" + after.term() + " commit=" + after.commitIndex() + " last=" + after.lastIndex());
        }
        sim.checker.afterEvent(node);
    }

    private void carryOut(SimNode node, Ready ready) {
        for (var message : ready.messages()) {
            sim.network.send(node, message);
        }
        if (ready.persist() != null) {
            persist(node, ready.persist());
        }
        if (ready.restore() != null) {
            restore(node, ready.restore());
        }
        if (!ready.committedEntries().isEmpty()) {
            apply(node, ready.committedEntries());
        }
        for (ReadResult read : ready.reads()) {
            sim.trace.record(sim.events.now(), node, "read", read);
            for (NodeObserver observer : sim.observers) {
                observer.onRead(node, read);
            }
        }
    }

    private void apply(SimNode node, List<LogEntry> entries) {
        for (LogEntry entry : entries) {
            Reply result;
            try {
                result = node.stateMachine().apply(entry);
            } catch (IllegalStateException e) {
                sim.fail("Apply order", node + ": " + e.getMessage());
                return;
            }
            sim.checker.onApplied(node, entry);
            for (NodeObserver observer : sim.observers) {
                observer.onApplied(node, entry, result);
            }
        }
        LogEntry last = entries.get(entries.size() - 1);
        sim.trace.record(sim.events.now(), node, "apply", entries.size() == 1 ? last.toString()
                : entries.get(0) + ".." + last);
        node.raft().applied(last.index());
        if (sim.compactEveryEntries > 0
                && last.index() - node.raft().log().snapshot().lastIncludedIndex() >= sim.compactEveryEntries) {
            takeSnapshot(node);
        }
    }

    /** The runtime's side of compaction: snapshot the state machine, commit it to the store, tell the core. */
    private void takeSnapshot(SimNode node) {
        RaftNode raft = node.raft();
        long applied = node.stateMachine().appliedIndex();
        if (applied <= raft.log().snapshot().lastIncludedIndex()) {
            return;
        }
        SnapshotMetadata metadata = raft.snapshotMetadataAt(applied);
        KvSnapshot state = node.stateMachine().snapshot();
        sim.checker.onSnapshotTaken(node, metadata, state);
        node.disk().commitSnapshot(metadata, state);
        raft.compact(metadata);
        sim.snapshotsTaken++;
        sim.trace.record(sim.events.now(), node, "snapshot", "taken at " + metadata.lastIncludedIndex() + "/t"
                + metadata.lastIncludedTerm() + ", log compacted");
    }

    /** Ready.restore: the state machine loads the snapshot from this node's store, then reports it applied. */
    private void restore(SimNode node, SnapshotMetadata metadata) {
        KvSnapshot state = node.disk().snapshotState(metadata);
        if (state == null) {
            sim.fail("Snapshot restore", node + " was asked to restore " + metadata
                    + ", which its store does not hold");
        }
        node.restoreStateMachine(state);
        sim.snapshotsRestored++;
        sim.checker.onRestored(node, metadata, state);
        sim.trace.record(sim.events.now(), node, "restore", "state machine loaded from snapshot "
                + metadata.lastIncludedIndex() + "/t" + metadata.lastIncludedTerm());
        node.raft().applied(metadata.lastIncludedIndex());
        for (NodeObserver observer : sim.observers) {
            observer.onRestored(node, metadata, state);
        }
    }

    private void persist(SimNode node, Persist persist) {
        long delay = sim.minDiskDelayMicros + sim.random.nextLong(sim.maxDiskDelayMicros - sim.minDiskDelayMicros + 1);
        long at = node.disk().enqueue(persist, sim.events.now(), delay);
        int incarnation = node.incarnation();
        sim.events.at(at, () -> completePersist(node, incarnation));
    }

    private void completePersist(SimNode node, int incarnation) {
        if (node.incarnation() != incarnation) {
            return; // crashed meanwhile: the write never became durable
        }
        SimDisk.Completed completed;
        try {
            completed = node.disk().completeOldest();
        } catch (IllegalArgumentException e) {
            sim.fail("Persist contract", node + ": " + e.getMessage());
            return;
        }
        Persist persist = completed.persist();
        sim.trace.record(sim.events.now(), node, "durable", "seq " + persist.sequence()
                + (persist.snapshot() == null ? "" : " base " + persist.snapshot().lastIncludedIndex())
                + (persist.hardState() == null ? "" : " " + persist.hardState())
                + (persist.entries().isEmpty() ? "" : " entries " + persist.firstIndex() + ".." + persist.lastIndex()));
        sim.checker.onPersisted(node, persist, completed.termBeforeFirst());
        drive(node, raft -> raft.persisted(persist.sequence()));
    }
}
