package io.caucus.sim;

import io.caucus.core.message.RaftMessage;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;

/**
 * The receiving side of {@link SimNetwork}: a node's runtime takes each message and snapshot frame as its
 * transport's inbound handler would, while it listens.
 */
final class Arrivals implements SimNetwork.Receiver {

    private final Simulation sim;

    Arrivals(Simulation sim) {
        this.sim = sim;
    }

    @Override
    public void deliver(SimNode target, RaftMessage message) {
        InboundHandler inbound = target.inbound();
        if (inbound != null) {
            sim.delivered(message);
            inbound.onMessage(message);
        }
    }

    /** The receiving runtime's snapshot streams take the frame, as its transport's inbound handler would. */
    @Override
    public void deliverFrame(SimNode target, SnapshotFrame frame) {
        InboundHandler inbound = target.inbound();
        if (inbound != null) {
            sim.runtimeTurns.run(target, target.incarnation(), () -> inbound.onSnapshotFrame(frame));
        }
    }
}
