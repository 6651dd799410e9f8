package io.caucus.sim;

import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.RaftMessage;
import io.caucus.sim.kv.KvSnapshot;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;

/**
 * The receiving side of {@link SimNetwork}: a runtime takes each message and snapshot frame as its transport's
 * inbound handler would; a bare core steps the message, and an InstallSnapshot's data goes to its store first.
 */
final class Arrivals implements SimNetwork.Receiver {

    private final Simulation sim;

    Arrivals(Simulation sim) {
        this.sim = sim;
    }

    @Override
    public void deliver(SimNode target, RaftMessage message) {
        if (!target.runsRuntime()) {
            sim.bareCores.drive(target, raft -> raft.step(message));
        } else if (target.inbound() != null) {
            target.inbound().onMessage(message);
        }
    }

    /**
     * The receiving runtime commits the snapshot's data to its store before stepping the message, unless the
     * node's commit index already covers it: then it adds nothing, and the core answers with its commit index.
     */
    @Override
    public void deliverSnapshot(SimNode target, InstallSnapshot message, KvSnapshot state) {
        boolean needed = message.snapshot().lastIncludedIndex() > target.raft().status().commitIndex();
        if (needed) {
            target.disk().commitSnapshot(message.snapshot(), state);
        }
        sim.trace.record(sim.events.now(), target, "deliver", message
                + (needed ? " (data committed to the store)" : ""));
        sim.bareCores.drive(target, raft -> raft.step(message));
    }

    /** The receiving runtime's snapshot streams take the frame, as its transport's inbound handler would. */
    @Override
    public void deliverFrame(SimNode target, SnapshotFrame frame) {
        InboundHandler inbound = target.inbound();
        if (inbound != null) {
            sim.runtimeTurns.run(target, target.incarnation(), () -> inbound.onSnapshotFrame(frame));
        }
    }

    /**
     * Most lost transfers are noticed by the sender's runtime (a broken stream, a transfer timeout) and
     * reported to its core; the rest are left to the core's own stall timeout.
     */
    @Override
    public void snapshotTransferLost(SimNode from, int incarnation, InstallSnapshot message) {
        if (sim.random.nextInt(4) == 0) {
            return;
        }
        sim.events.at(sim.events.now() + 2 * sim.config.tickMicros(), () -> {
            if (from.incarnation() == incarnation && from.isUp()) {
                sim.snapshotFailuresReported++;
                sim.trace.record(sim.events.now(), from, "snapshot-failed", "transfer to " + message.to() + " lost");
                sim.bareCores.drive(from, raft -> raft.reportSnapshotFailed(message.to()));
            }
        });
    }
}
