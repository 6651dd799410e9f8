package io.caucus.storage.multi;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.Disk;
import io.caucus.storage.DurableLog;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.StorageFailedException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * What a process hosting many Raft groups keeps on disk, under one data directory (docs/multiraft.md):
 *
 * <pre>
 * &lt;data&gt;/LOCK                      exclusive lock while a host has the directory open
 * &lt;data&gt;/wal/                      the {@link SharedWal} of every group
 * &lt;data&gt;/snapshots/&lt;group&gt;/         each group's {@link SnapshotStore}, as a single node's snapshots/ is, and
 *                                    its bootstrap-configuration ({@link GroupBootstrap})
 * &lt;data&gt;/removed-groups            the ids of every group ever removed ({@link RemovedGroups}): never reopened
 * </pre>
 *
 * <p>Opening recovers the shared WAL, so every group in it is recovered; {@link #group} then opens a group's
 * snapshot store and checks that it holds the snapshot the group's log was compacted to (§7: the prefix the base
 * covers exists nowhere else).
 *
 * <p>Threading: as the {@link SharedWal}, one thread at a time (the caller serialises); the snapshot stores are
 * thread-safe.
 */
public final class HostStorage implements AutoCloseable {

    /**
     * One group's storage: its log in the shared WAL, its snapshot store, and the configuration it started from on
     * this host (recorded at its first start: {@link GroupBootstrap}).
     */
    public record Group(GroupLog log, SnapshotStore snapshots, ClusterConfiguration bootstrap) {
    }

    private final Disk disk;
    private final Path directory;
    private final Closeable lock;
    private final SharedWal wal;
    private final RemovedGroups removed;
    private final int snapshotsRetained;
    private final Map<Long, SnapshotStore> snapshotStores = new HashMap<>();

    private HostStorage(Disk disk, Path directory, Closeable lock, SharedWal wal, RemovedGroups removed,
                        int snapshotsRetained) {
        this.disk = disk;
        this.directory = directory;
        this.lock = lock;
        this.wal = wal;
        this.removed = removed;
        this.snapshotsRetained = snapshotsRetained;
    }

    /**
     * True if {@code directory} holds a multi-group host's data: its removed-groups record, or a segment of the
     * shared WAL's naming.
     */
    public static boolean holdsHostData(Disk disk, Path directory) throws IOException {
        if (disk.exists(directory.resolve(RemovedGroups.FILE_NAME))) {
            return true;
        }
        Path wal = directory.resolve("wal");
        if (!disk.exists(wal)) {
            return false;
        }
        for (String name : disk.list(wal)) {
            if (WalSegment.sequenceOf(name) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens the data directory, creating it if needed, and recovers the shared WAL of every group.
     *
     * @param snapshotsRetained how many snapshots each group's store keeps (at least 1)
     * @throws CorruptStorageException if the WAL is damaged in a way a crash cannot explain
     * @throws StorageFailedException  on an I/O error, or if another process holds the directory
     */
    public static HostStorage open(Disk disk, Path directory, SharedWalOptions options, int snapshotsRetained) {
        if (snapshotsRetained < 1) {
            throw new IllegalArgumentException("snapshotsRetained must be at least 1: " + snapshotsRetained);
        }
        Closeable lock = null;
        try {
            if (DurableLog.holdsOneGroupData(disk, directory)) {
                throw new IllegalStateException(directory + " holds the data of a one-group node (one Raft group's "
                        + "log), not of a process hosting many groups: nothing was changed there");
            }
            disk.createDirectories(directory);
            lock = disk.lock(directory.resolve("LOCK"));
            SharedWal wal = SharedWal.open(disk, directory.resolve("wal"), options);
            RemovedGroups removed;
            try {
                removed = RemovedGroups.open(disk, directory);
            } catch (RuntimeException e) {
                wal.close();
                throw e;
            }
            HostStorage storage = new HostStorage(disk, directory, lock, wal, removed, snapshotsRetained);
            storage.finishRemovals();
            return storage;
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException ignored) {
                    // the open failed already; that failure is the one to report
                }
            }
            if (e instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw new StorageFailedException("cannot open the host's data directory " + directory, e);
        }
    }

    public SharedWal wal() {
        return wal;
    }

    public Path directory() {
        return directory;
    }

    /** Every group the WAL holds (recovered or opened since), removed ones excepted. */
    public SortedSet<Long> groups() {
        return wal.groups();
    }

    /**
     * Completes the removals a crash interrupted: a group recorded as removed whose records the WAL still holds (the
     * crash came between the record and {@code GROUP_REMOVED}) is removed from the WAL, and a removed group's
     * snapshots still on disk (the crash came before they were deleted) are deleted.
     */
    private void finishRemovals() {
        boolean walChanged = false;
        for (long group : removed.ids()) {
            if (wal.groups().contains(group)) {
                wal.removeGroup(group);
                walChanged = true;
            }
        }
        if (walChanged) {
            wal.sync();
        }
        for (long group : removed.ids()) {
            deleteSnapshots(group);
        }
    }

    /** True if {@code group} was ever removed from this host: it can never be opened again. */
    public boolean wasRemoved(long group) {
        return removed.contains(group);
    }

    /**
     * Group {@code group}'s log and snapshot store, recovered or new and empty.
     *
     * @param proposedConfiguration the configuration to start from if the group is new here; a group that started
     *                              here before starts from the one recorded then ({@link Group#bootstrap()})
     * @throws CorruptStorageException if the log is compacted to a snapshot its store does not hold, or the recorded
     *                                 configuration is damaged
     * @throws IllegalArgumentException if the group was removed from this host (a group id is never reused)
     */
    public Group group(long group, ClusterConfiguration proposedConfiguration) {
        if (removed.contains(group)) {
            throw new IllegalArgumentException("group " + group + " was removed from this host and a group id is"
                    + " never reused: a replica started again under it would have forgotten its votes");
        }
        ClusterConfiguration bootstrap;
        try {
            bootstrap = GroupBootstrap.loadOrRecord(disk, snapshotDirectory(group), proposedConfiguration);
        } catch (IOException e) {
            throw new StorageFailedException("cannot read or record the bootstrap configuration of group " + group
                    + " in " + snapshotDirectory(group), e);
        }
        GroupLog log = wal.group(group, bootstrap);
        boolean firstOpen = !snapshotStores.containsKey(group);
        SnapshotStore snapshots = snapshotStore(group);
        SnapshotMetadata base = log.snapshot();
        if (base.lastIncludedIndex() > 0 && !snapshots.contains(base)) {
            throw new CorruptStorageException(snapshotDirectory(group), 0, "group " + group + "'s log was compacted"
                    + " through index " + base.lastIncludedIndex() + " (term " + base.lastIncludedTerm() + ") but its"
                    + " snapshot store holds " + snapshots.list() + ": the snapshot it was compacted to is missing");
        }
        if (firstOpen) {
            snapshots.pinBase(base); // as recovered, durable: the log needs it (§7); newer ones may be retired first
        }
        return new Group(log, snapshots, bootstrap);
    }

    /**
     * Removes group {@code group}: records its id as removed for good ({@link RemovedGroups}, durable before this
     * goes on), then {@link SharedWal#removeGroup}. Its snapshots stay until {@link #deleteSnapshots} is called once
     * a sync has made the removal durable; a crash before that finishes the removal on the next open.
     *
     * @return the ticket to compare with {@link SharedWal#sync()}'s result
     */
    public long removeGroup(long group) {
        removed.add(group);
        return wal.removeGroup(group);
    }

    /** Deletes the files of a removed group's snapshot store; call only once its removal is durable. */
    public void deleteSnapshots(long group) {
        if (wal.groups().contains(group)) {
            throw new IllegalStateException("group " + group + " is still in the shared WAL; remove it first");
        }
        snapshotStores.remove(group);
        Path snapshots = snapshotDirectory(group);
        try {
            if (!disk.exists(snapshots)) {
                return;
            }
            List<String> names = new ArrayList<>(disk.list(snapshots));
            for (String name : names) {
                disk.delete(snapshots.resolve(name));
            }
            disk.syncDirectory(snapshots);
        } catch (IOException e) {
            throw new StorageFailedException("cannot delete the snapshots of removed group " + group + " in "
                    + snapshots, e);
        }
    }

    /** Where group {@code group}'s snapshot store lives. */
    public Path snapshotDirectory(long group) {
        return directory.resolve("snapshots").resolve(Long.toString(group));
    }

    private SnapshotStore snapshotStore(long group) {
        SnapshotStore store = snapshotStores.get(group);
        if (store == null) {
            try {
                store = SnapshotStore.open(disk, snapshotDirectory(group), snapshotsRetained, new ArrayList<>());
            } catch (IOException e) {
                throw new StorageFailedException("cannot open the snapshots of group " + group + " in "
                        + snapshotDirectory(group), e);
            }
            snapshotStores.put(group, store);
        }
        return store;
    }

    @Override
    public void close() {
        wal.close();
        removed.close();
        try {
            lock.close();
        } catch (IOException ignored) {
            // the lock goes with the process in any case
        }
    }
}
