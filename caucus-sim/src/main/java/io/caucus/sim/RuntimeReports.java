package io.caucus.sim;

import io.caucus.core.LogEntry;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import io.caucus.kv.command.Reply;
import io.caucus.sim.kv.KvSnapshot;

/**
 * What the node runtimes report as they run, checked and traced: entries their appliers apply, snapshots
 * they restore (§7), and writes their stores make durable (with the snapshots those make the log's base).
 * A report from an incarnation that has crashed since is ignored.
 */
final class RuntimeReports {

    private final Simulation sim;

    RuntimeReports(Simulation sim) {
        this.sim = sim;
    }

    /** The runtime's applier applied an entry to the node's state machine. */
    void onApplied(SimNode node, int incarnation, LogEntry entry, byte[] result) {
        if (node.incarnation() != incarnation) {
            return;
        }
        Reply reply;
        try {
            reply = node.stateMachine().applied(entry, result);
        } catch (IllegalStateException e) {
            sim.fail("Apply order", node + ": " + e.getMessage());
            return;
        }
        sim.checker.onApplied(node, entry);
        sim.trace.record(sim.events.now(), node, "apply", entry);
        for (NodeObserver observer : sim.observers) {
            observer.onApplied(node, entry, reply);
        }
    }

    /** The runtime's applier loaded a snapshot into the state machine at the core's request (§7). */
    void onRestored(SimNode node, int incarnation, SnapshotMetadata metadata) {
        if (node.incarnation() != incarnation) {
            return;
        }
        KvSnapshot state = storedSnapshot(node, metadata);
        node.stateMachine().restoredTo(metadata.lastIncludedIndex());
        sim.snapshotsRestored++;
        sim.checker.onRestored(node, metadata, state);
        sim.trace.record(sim.events.now(), node, "restore", "state machine loaded from snapshot "
                + metadata.lastIncludedIndex() + "/t" + metadata.lastIncludedTerm());
        for (NodeObserver observer : sim.observers) {
            observer.onRestored(node, metadata, state);
        }
    }

    /** A runtime's write made durable: the disk checks (Log Matching on durable logs, the durable term). */
    void onDurable(SimNode node, Persist persist, long termBeforeFirst) {
        sim.trace.record(sim.events.now(), node, "durable", "seq " + persist.sequence()
                + (persist.hardState() == null ? "" : " " + persist.hardState())
                + (persist.entries().isEmpty() ? "" : " entries " + persist.firstIndex() + ".." + persist.lastIndex()));
        sim.checker.onPersisted(node, persist, termBeforeFirst);
        if (persist.snapshot() != null) {
            onSnapshotBase(node, persist.snapshot());
        }
    }

    /**
     * A runtime's log now starts after {@code metadata}, a snapshot committed to its store: one it took (its
     * state machine has applied that far) or one a leader sent it. Either way it must hold exactly the state the
     * committed entries up to its index produce.
     */
    private void onSnapshotBase(SimNode node, SnapshotMetadata metadata) {
        KvSnapshot state = storedSnapshot(node, metadata);
        boolean taken = node.isUp() && node.core().appliedIndex() >= metadata.lastIncludedIndex();
        if (taken) {
            sim.snapshotsTaken++;
        }
        sim.checker.onSnapshotTaken(node, metadata, state);
        sim.trace.record(sim.events.now(), node, "snapshot", (taken ? "taken at " : "installed at ")
                + metadata.lastIncludedIndex() + "/t" + metadata.lastIncludedTerm() + ", log compacted");
    }

    /** The state of a snapshot {@code node}'s store holds; fails the run if the store does not hold it. */
    KvSnapshot storedSnapshot(SimNode node, SnapshotMetadata metadata) {
        KvSnapshot state = node.disk().snapshotState(metadata);
        if (state == null) {
            sim.fail("Snapshot store", node + " uses snapshot " + metadata + ", which its store does not hold");
        }
        return state;
    }
}
