package io.caucus.sim;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import java.util.Collection;
import java.util.function.BooleanSupplier;

/**
 * Liveness waits: run the simulation until a leader is elected or an index is applied everywhere, and fail the
 * run (with the seed, the nodes' states and the trace) if that does not happen within a bound.
 */
final class Awaits {

    private final Simulation sim;

    Awaits(Simulation sim) {
        this.sim = sim;
    }

    NodeId leader(long maxTicks) {
        if (!sim.runUntil(() -> sim.leader().isPresent(), maxTicks)) {
            sim.fail("Liveness: leader election", "no leader within " + maxTicks + " ticks; up: " + sim.upNodes()
                    + ", network " + sim.connectivity + describeUpNodes());
        }
        return sim.leader().orElseThrow();
    }

    /** Each live node's role, term, the leader it knows, its log and its configuration, one line each. */
    private String describeUpNodes() {
        StringBuilder out = new StringBuilder();
        for (NodeId id : sim.upNodes()) {
            NodeStatus status = sim.status(id);
            out.append("\n  ").append(id).append(' ').append(status.role()).append("/t").append(status.term())
                    .append(" leader=").append(status.leader()).append(" commit=").append(status.commitIndex())
                    .append(" last=").append(status.lastIndex()).append(" configuration=")
                    .append(status.configuration());
        }
        return out.toString();
    }

    NodeId leaderAmong(Collection<NodeId> candidates, long maxTicks) {
        BooleanSupplier found = () -> sim.leader().filter(candidates::contains).isPresent();
        if (!sim.runUntil(found, maxTicks)) {
            sim.fail("Liveness: leader election", "no leader among " + candidates + " within " + maxTicks
                    + " ticks; leaders " + sim.leaders() + ", network " + sim.connectivity);
        }
        return sim.leader().orElseThrow();
    }

    private boolean allUpNodesApplied(long index) {
        for (SimNode node : sim.nodes.values()) {
            if (node.isUp() && node.status().appliedIndex() < index) {
                return false;
            }
        }
        return true;
    }

    void allApplied(long index, long maxTicks) {
        if (!sim.runUntil(() -> allUpNodesApplied(index), maxTicks)) {
            StringBuilder lag = new StringBuilder();
            for (NodeId id : sim.upNodes()) {
                lag.append(' ').append(id).append(" applied=").append(sim.status(id).appliedIndex());
            }
            sim.fail("Liveness: replication", "index " + index + " not applied everywhere within " + maxTicks
                    + " ticks:" + lag);
        }
    }
}
