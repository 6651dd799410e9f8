package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.server.internal.GroupLogStore;
import io.caucus.server.internal.LogStore;
import io.caucus.storage.SnapshotStore;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * A group replica's production store on its process's shared WAL ({@link GroupLogStore}), watched: every write is
 * reported to the group's checkers once the host's sync makes it durable (its ticket covered), as
 * {@link SimLogStore} does for a single node's store.
 */
final class HostedLogStore implements LogStore {

    private record Written(long ticket, Persist persist, long termBeforeFirst) {
    }

    private final GroupLogStore store;
    private final SimNode node;
    private final SimLogStore.Durable durable;
    /** Written and not yet reported durable, in ticket order. */
    private final Deque<Written> unsynced = new ArrayDeque<>();

    /** A deliberately broken store that reports a write durable before its sync: only to show the checks catch it. */
    private final boolean lying;

    HostedLogStore(GroupLogStore store, SimNode node, SimLogStore.Durable durable, boolean lying) {
        this.store = store;
        this.node = node;
        this.durable = durable;
        this.lying = lying;
    }

    /** The configuration the replica starts from: the one its store recorded at its first start on this host. */
    ClusterConfiguration bootstrap() {
        return store.bootstrap();
    }

    @Override
    public HardState recoveredHardState() {
        return store.recoveredHardState();
    }

    @Override
    public LogView log() {
        return store.log();
    }

    @Override
    public long write(Persist persist) {
        long ticket = store.write(persist);
        // Log Matching pairs the first entry with the term before it as the log stands now (see SimLogStore).
        long termBeforeFirst = persist.entries().isEmpty() ? -1 : store.log().term(persist.firstIndex() - 1);
        unsynced.add(new Written(ticket, persist, termBeforeFirst));
        return ticket;
    }

    @Override
    public long sync() {
        long durableTicket = store.sync();
        reportThrough(durableTicket);
        return durableTicket;
    }

    @Override
    public boolean syncsInBackground() {
        return store.syncsInBackground();
    }

    @Override
    public void syncInBackground(long ticket, Runnable onDurable, Consumer<RuntimeException> onFailure) {
        if (lying) {
            reportThrough(ticket);
            onDurable.run();
            store.syncInBackground(ticket, () -> {
            }, onFailure);
            return;
        }
        store.syncInBackground(ticket, () -> {
            reportThrough(ticket);
            onDurable.run();
        }, onFailure);
    }

    private void reportThrough(long ticket) {
        if (node.isRetired()) {
            unsynced.clear(); // the host removed the group: what its last syncs cover belongs to no replica any more
            return;
        }
        while (!unsynced.isEmpty() && unsynced.peekFirst().ticket() <= ticket) {
            Written written = unsynced.pollFirst();
            node.disk().synced(written.persist());
            durable.persisted(node, written.persist(), written.termBeforeFirst());
        }
    }

    @Override
    public SnapshotStore snapshotStore() {
        return store.snapshotStore();
    }

    @Override
    public void close() {
        store.close();
    }
}
