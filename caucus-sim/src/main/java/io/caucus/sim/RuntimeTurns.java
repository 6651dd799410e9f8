package io.caucus.sim;

import io.caucus.core.NodeStatus;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.SnapshotFrame;

/**
 * The node runtimes' events: each turn, timer and worker task of a runtime runs as one event of the simulation's
 * queue, only while the incarnation that scheduled it lives; after it, a failure it hit is reported with the
 * seed, a role change is traced, and the invariants are checked.
 */
final class RuntimeTurns {

    private final Simulation sim;
    private final SimEnvironment.Events events = new Events();
    /** The node whose runtime event is running, or null. */
    private SimNode running;

    RuntimeTurns(Simulation sim) {
        this.sim = sim;
    }

    /** The simulated world as the node runtimes see it. */
    SimEnvironment.Events events() {
        return events;
    }

    /** Runs one event of a node's runtime (a turn, a timer, an apply), then checks the invariants. */
    void run(SimNode node, int incarnation, Runnable task) {
        if (node.incarnation() != incarnation || !node.isUp()) {
            return; // the incarnation crashed: its pending work died with it
        }
        NodeStatus before = node.status();
        running = node;
        try {
            task.run();
        } catch (SimulationFailure e) {
            throw e;
        } catch (RuntimeException e) {
            sim.fail("Runtime threw", node + ": " + e + SimulationFailure.stackTop(e));
        } finally {
            running = null;
        }
        if (sim.failure != null) {
            throw sim.failure; // found inside the applier or a completion, which caught it
        }
        if (node.runtime().failure().isPresent()) {
            Throwable cause = node.runtime().failure().get();
            sim.fail("Runtime failed", node + " stopped: " + cause + (cause.getCause() == null ? ""
                    : " caused by " + cause.getCause()));
        }
        traceRoleChange(node, before);
        sim.checker.afterEvent(node);
    }

    /** Runs {@code task} as if on {@code node}'s own thread (its executor and workers report being in it). */
    void runAs(SimNode node, Runnable task) {
        SimNode before = running;
        running = node;
        try {
            task.run();
        } finally {
            running = before;
        }
    }

    private void traceRoleChange(SimNode node, NodeStatus before) {
        NodeStatus after = node.status();
        if (after.role() != before.role() || after.term() != before.term()) {
            sim.trace.record(sim.events.now(), node, "role", before.role() + "/t" + before.term() + " -> "
                    + after.role() + "/t" + after.term() + " commit=" + after.commitIndex() + " last="
                    + after.lastIndex());
        }
    }

    private final class Events implements SimEnvironment.Events {
        @Override
        public long nowMicros() {
            return sim.events.now();
        }

        @Override
        public void schedule(SimNode node, int incarnation, long delayMicros, Runnable task) {
            sim.events.at(sim.events.now() + delayMicros, () -> run(node, incarnation, task));
        }

        @Override
        public SimNode running() {
            return running;
        }

        @Override
        public void send(SimNode from, RaftMessage message) {
            sim.network.send(from, message);
        }

        @Override
        public boolean sendSnapshotFrame(SimNode from, SnapshotFrame frame) {
            return sim.network.sendSnapshotFrame(from, frame);
        }
    }
}
