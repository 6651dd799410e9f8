package io.caucus.sim.client;

import io.caucus.core.NodeId;
import io.caucus.core.Role;
import io.caucus.kv.cluster.ExpirySweeper;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.sim.SimNode;
import io.caucus.sim.Simulation;

/**
 * The service's active expiry ({@link ExpirySweeper}) on simulated nodes: at the same interval, a node that leads and
 * holds a key whose time has run out proposes a sweep entry (its runtime stamps its clock on it), and every replica
 * deletes the same keys when it applies it.
 */
final class ExpirySweeps {

    private final Simulation sim;
    private final long intervalMicros;
    private long proposed;

    ExpirySweeps(Simulation sim) {
        this.sim = sim;
        this.intervalMicros = ExpirySweeper.INTERVAL_MILLIS * ClientWorkload.MICROS_PER_MILLI;
    }

    void start() {
        sim.schedule(intervalMicros, this::sweepRound);
    }

    long proposed() {
        return proposed;
    }

    private void sweepRound() {
        long now = ClientWorkload.clockMillis(sim);
        for (NodeId id : sim.upNodes()) {
            SimNode node = sim.node(id);
            if (node.status().role() == Role.LEADER && node.stateMachine().nextExpiryMillis() <= now) {
                byte[] sweep = EntryCodec.encode(new KvEntry.Sweep(now, ExpirySweeper.MAX_KEYS_PER_SWEEP));
                node.runtime().submit(sweep); // as the service's ExpirySweeper does; a lost sweep is redone
                proposed++;
            }
        }
        sim.schedule(intervalMicros, this::sweepRound);
    }
}
