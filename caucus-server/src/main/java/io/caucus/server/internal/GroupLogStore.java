package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.multi.GroupLog;
import java.util.List;
import java.util.function.Consumer;

/**
 * A {@link LogStore} over one group's {@link GroupLog} in a host's shared WAL ({@link HostLog}), with the group's
 * own snapshot store ({@code snapshots/<group>/}). Every call reaches the WAL through the host's lock, since other
 * groups' node threads write to the same WAL.
 *
 * <p>Durability: {@link #sync()} is the host's coalescing sync (no fsync if another group's already covered this
 * store's writes). A store opened to sync in the background ({@link #syncsInBackground()}) lets its node hand the
 * wait to the host's sync worker, so that the node thread goes on to other groups' turns and one fsync covers
 * them all.
 *
 * <p>Threading: as {@link LogStore}, the node thread; {@link #snapshotStore()} from any thread.
 */
public final class GroupLogStore implements LogStore {

    private final HostLog host;
    private final GroupLog log;
    private final SnapshotStore snapshots;
    private final boolean background;
    private final HardState recovered;
    private final ClusterConfiguration bootstrap;
    private final LogView view = new LockedView();
    private long lastTicket;
    private boolean closed;

    GroupLogStore(HostLog host, GroupLog log, SnapshotStore snapshots, ClusterConfiguration bootstrap,
                  boolean background) {
        this.host = host;
        this.bootstrap = bootstrap;
        this.log = log;
        this.snapshots = snapshots;
        this.background = background;
        this.recovered = host.locked(log::hardState);
    }

    public long group() {
        return log.group();
    }

    /**
     * The configuration this group's replica starts from (Raft paper §6): the one recorded at its first start on
     * this host, whatever the caller proposes later.
     */
    public ClusterConfiguration bootstrap() {
        return bootstrap;
    }

    @Override
    public HardState recoveredHardState() {
        return recovered;
    }

    @Override
    public LogView log() {
        return view;
    }

    /**
     * Writes the instruction as one batch of the shared WAL: the snapshot base first (the snapshot is already
     * committed to this group's store, §7), then the entries, then the hard state.
     */
    @Override
    public long write(Persist persist) {
        checkOpen();
        lastTicket = host.locked(() -> log.write(persist));
        if (persist.snapshot() != null) {
            snapshots.baseWritten(persist.snapshot(), lastTicket); // kept from when the base is durable (§7)
        }
        return lastTicket;
    }

    @Override
    public long sync() {
        checkOpen();
        long durable = host.sync(lastTicket);
        snapshots.durableThrough(durable);
        return durable;
    }

    @Override
    public boolean syncsInBackground() {
        return background;
    }

    @Override
    public void syncInBackground(long ticket, Runnable onDurable, Consumer<RuntimeException> onFailure) {
        checkOpen();
        host.syncInBackground(log.group(), ticket, () -> {
            snapshots.durableThrough(ticket);
            onDurable.run();
        }, onFailure);
    }

    @Override
    public SnapshotStore snapshotStore() {
        return snapshots;
    }

    /** Takes no more writes; the shared WAL stays open for the other groups (the host closes it). */
    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the store of group " + log.group() + " is closed");
        }
    }

    /** The group's log, read holding the host's lock. */
    private final class LockedView implements LogView {
        @Override
        public long firstIndex() {
            return host.locked(log::firstIndex);
        }

        @Override
        public long lastIndex() {
            return host.locked(log::lastIndex);
        }

        @Override
        public long term(long index) {
            return host.locked(() -> log.term(index));
        }

        @Override
        public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
            return host.locked(() -> log.entries(fromIndex, toIndex, maxBytes));
        }

        @Override
        public SnapshotMetadata snapshot() {
            return host.locked(log::snapshot);
        }
    }
}
