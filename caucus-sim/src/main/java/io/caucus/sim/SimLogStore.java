package io.caucus.sim;

import io.caucus.core.HardState;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.server.internal.DurableLogStore;
import io.caucus.server.internal.LogStore;
import io.caucus.server.internal.Worker;
import io.caucus.storage.SnapshotStore;
import java.util.ArrayList;
import java.util.List;

/**
 * A node runtime's store on its slot's {@link SimDisk}; the disk outlives the runtime, a crash keeps what the
 * disk model keeps. Every write the runtime syncs is reported to the simulation, which checks it
 * ({@link InvariantChecker#onPersisted}).
 *
 * <p>On the storage backing it is the production {@link DurableLogStore} on the simulated disk, snapshot store
 * included: writes are durable only once synced, a crash keeps a random, possibly torn, part of the rest, and
 * the runtime takes, streams and installs snapshots and compacts its log as a server does. On the in-memory
 * backing each write is durable at once and no snapshot is kept, so that runtime never compacts.
 */
final class SimLogStore implements LogStore {

    /** Told of every persist made durable, with the term before its first entry (what Log Matching pairs it with). */
    interface Durable {
        void persisted(SimNode node, Persist persist, long termBeforeFirst);
    }

    private record Written(Persist persist, long termBeforeFirst) {
    }

    private final SimNode node;
    private final HardState recovered;
    private final Durable durable;
    /** The production store, on the storage backing; null on the in-memory backing. */
    private final DurableLogStore store;
    /** Written to the production store and not yet synced, in order. */
    private final List<Written> unsynced = new ArrayList<>();
    private long written;

    private SimLogStore(SimNode node, Durable durable, DurableLogStore store) {
        this.node = node;
        this.store = store;
        this.recovered = store != null ? store.recoveredHardState() : node.disk().hardState();
        this.durable = durable;
    }

    /** The store of {@code node}'s next start; the production store's cleanup runs on a worker of {@code workers}. */
    static SimLogStore open(SimNode node, Durable durable, Worker.Factory workers) {
        SimDisk disk = node.disk();
        return new SimLogStore(node, durable, disk.onStorage() ? disk.openRuntimeStore(workers) : null);
    }

    @Override
    public HardState recoveredHardState() {
        return recovered;
    }

    @Override
    public LogView log() {
        return store != null ? store.log() : node.disk().log();
    }

    @Override
    public long write(Persist persist) {
        if (store == null) {
            long termBeforeFirst = node.disk().writeDurably(persist);
            durable.persisted(node, persist, termBeforeFirst);
            return ++written;
        }
        long ticket = store.write(persist);
        // Log Matching pairs the first entry with the term before it as the log stands now (see SimDisk.Completed).
        long termBeforeFirst = persist.entries().isEmpty() ? -1 : store.log().term(persist.firstIndex() - 1);
        unsynced.add(new Written(persist, termBeforeFirst));
        return ticket;
    }

    @Override
    public long sync() {
        if (store == null) {
            return written;
        }
        long synced = store.sync();
        for (Written write : unsynced) {
            node.disk().synced(write.persist());
            durable.persisted(node, write.persist(), write.termBeforeFirst());
        }
        unsynced.clear();
        return synced;
    }

    @Override
    public SnapshotStore snapshotStore() {
        return store != null ? store.snapshotStore() : null;
    }

    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
    }
}
