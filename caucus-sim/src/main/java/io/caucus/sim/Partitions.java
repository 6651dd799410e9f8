package io.caucus.sim;

import io.caucus.core.NodeId;
import java.util.Collection;
import java.util.List;

/**
 * The partition shapes a scenario or the nemesis imposes on the network, each traced with the resulting
 * {@link Connectivity}. A partition also cuts messages already in flight when they arrive ({@link SimNetwork}).
 */
public final class Partitions {

    private final Connectivity connectivity;
    private final Trace trace;
    private final EventQueue events;

    Partitions(Connectivity connectivity, Trace trace, EventQueue events) {
        this.connectivity = connectivity;
        this.trace = trace;
        this.events = events;
    }

    public void isolate(NodeId node) {
        connectivity.isolate(node);
        traced("isolate " + node);
    }

    @SafeVarargs
    public final void partition(Collection<NodeId>... groups) {
        connectivity.partition(List.of(groups));
        traced("partition " + List.of(groups));
    }

    public void blockOneWay(NodeId from, NodeId to) {
        connectivity.blockOneWay(from, to);
        traced("block " + from + "->" + to);
    }

    /** Each node reaches only its neighbours in {@code order} (a ring of overlapping majorities). */
    public void ring(List<NodeId> order) {
        connectivity.ring(order);
        traced("ring " + order);
    }

    /** Two halves joined only through {@code bridge}. */
    public void bridge(Collection<NodeId> left, NodeId bridge, Collection<NodeId> right) {
        connectivity.bridge(left, bridge, right);
        traced("bridge " + left + " <" + bridge + "> " + right);
    }

    /** Restores every link. */
    public void heal() {
        connectivity.heal();
        traced("heal");
    }

    private void traced(String what) {
        trace.record(events.now(), "-", "partition", what + " => " + connectivity);
    }
}
