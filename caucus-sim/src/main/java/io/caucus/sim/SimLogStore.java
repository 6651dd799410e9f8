package io.caucus.sim;

import io.caucus.core.HardState;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.server.internal.LogStore;

/**
 * A node runtime's store on its slot's {@link SimDisk}: the disk outlives the runtime, a crash keeps what the disk
 * model keeps. The runtime syncs at the end of the turn that writes (one sync per turn), so each write is made
 * durable at once and reported to the simulation, which checks it ({@link InvariantChecker#onPersisted}).
 * It keeps no snapshots: the runtime then never compacts its log.
 */
final class SimLogStore implements LogStore {

    /** Told of every persist made durable, with the term before its first entry (see {@link SimDisk}). */
    interface Durable {
        void persisted(SimNode node, Persist persist, long termBeforeFirst);
    }

    private final SimNode node;
    private final HardState recovered;
    private final Durable durable;
    private long written;

    SimLogStore(SimNode node, Durable durable) {
        this.node = node;
        this.recovered = node.disk().hardState();
        this.durable = durable;
    }

    @Override
    public HardState recoveredHardState() {
        return recovered;
    }

    @Override
    public LogView log() {
        return node.disk().log();
    }

    @Override
    public long write(Persist persist) {
        node.disk().enqueue(persist, 0, 0);
        SimDisk.Completed completed = node.disk().completeOldest();
        durable.persisted(node, completed.persist(), completed.termBeforeFirst());
        return ++written;
    }

    @Override
    public long sync() {
        return written;
    }

    @Override
    public void close() {
    }
}
