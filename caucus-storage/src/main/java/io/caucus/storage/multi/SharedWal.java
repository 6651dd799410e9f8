package io.caucus.storage.multi;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.LogEntry;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.Disk;
import io.caucus.storage.DiskFile;
import io.caucus.storage.Preallocation;
import io.caucus.storage.StorageFailedException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One append-only, segmented log holding the Raft logs of many groups, so that a process hosting many groups
 * pays one fsync for all of them (group commit) instead of one per group; see docs/multiraft.md.
 *
 * <h2>Records</h2>
 * Every record carries its group id ({@link GroupRecordCodec}): entries, hard states, truncations, snapshot
 * bases. Each group's state is what its records say in order, exactly as in the single-group log; each segment
 * starts with a header and a checkpoint of every group's snapshot base and hard state, so any suffix of segments
 * that holds every group's live entries recovers every group.
 *
 * <h2>Durability</h2>
 * {@link #sync()} forces the active segment once, covering every group's writes since the previous sync, and
 * returns the highest ticket now durable. Before a new segment is created the previous one is forced in full,
 * and the new file's directory entry is made durable, so damage anywhere but at the tail of the newest segment is
 * corruption, never a crash. A segment is deleted (after a sync, oldest first) once no group holds an entry in
 * it or in an older one. After an I/O error the WAL accepts no more writes ({@link StorageFailedException}).
 *
 * <h2>Threading</h2>
 * One owner thread makes every call, on this object and on its {@link GroupLog}s. Storage starts no threads.
 */
public final class SharedWal implements AutoCloseable {

    /** What recovery found and repaired. */
    public record Recovery(long droppedTailBytes, List<Path> removedFiles) {
    }

    /**
     * Preallocation pays only for small rounds. Zeros are written twice in effect (as zeros, then as records), and
     * the fsync after a chunk carries it: with one or 16 groups (rounds of 137 bytes and 2.2 KiB) preallocating
     * saves more in journal commits than it costs, with 64 (8.8 KiB) it lowered appends/s by a third
     * (docs/storage.md, "Shared WAL versus one log per group"). So the WAL preallocates only while the previous
     * round between two syncs wrote less than this fraction of a chunk (4 KiB of the default 64 KiB).
     */
    private static final int PREALLOCATE_BELOW_CHUNK_FRACTION = 16;

    private final Disk disk;
    private final Path directory;
    private final Closeable lock;
    private final SharedWalOptions options;
    private final Preallocation preallocation;
    private final TreeMap<Long, WalSegment> segments = new TreeMap<>();
    private final TreeMap<Long, GroupLog> groups = new TreeMap<>();
    private final CacheBudget cacheBudget;
    private WalSegment active;
    private long writtenTicket;
    private long durableTicket;
    private long forces;
    private long rewrittenEntries;
    /** Whether the active segment holds bytes not yet forced (a checkpoint counts, though it has no ticket). */
    private boolean activeDirty;
    /** Bytes written since the last sync, and in the round before it: what decides whether to preallocate. */
    private long bytesSinceSync;
    private long lastRoundBytes;
    private Recovery recovery;
    private StorageFailedException failure;

    private SharedWal(Disk disk, Path directory, Closeable lock, SharedWalOptions options) {
        this.disk = disk;
        this.directory = directory;
        this.lock = lock;
        this.options = options;
        this.preallocation = new Preallocation(options.preallocateBytes());
        this.cacheBudget = new CacheBudget(options.cacheBytes());
    }

    /** Opens the shared WAL with the {@linkplain SharedWalOptions#DEFAULTS default options} but the segment size. */
    public static SharedWal open(Disk disk, Path directory, long segmentBytes) {
        return open(disk, directory, SharedWalOptions.DEFAULTS.withSegmentBytes(segmentBytes));
    }

    /**
     * Opens the shared WAL in {@code directory}, creating it if needed, and recovers every group in it.
     *
     * @throws CorruptStorageException if the data is damaged in a way a crash cannot explain
     * @throws StorageFailedException  on an I/O error
     */
    public static SharedWal open(Disk disk, Path directory, SharedWalOptions options) {
        Closeable lock = null;
        try {
            disk.createDirectories(directory);
            lock = disk.lock(directory.resolve("LOCK"));
            SharedWal wal = new SharedWal(disk, directory, lock, options);
            wal.recovery = new SharedWalRecovery(disk, directory, wal).run();
            wal.startSegment();
            return wal;
        } catch (IOException | RuntimeException e) {
            closeQuietly(lock);
            if (e instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw new StorageFailedException("cannot open the shared WAL in " + directory, e);
        }
    }

    /**
     * The log of group {@code group}, recovered or new and empty.
     *
     * @param initialConfiguration the configuration the group reports while it has no snapshot
     */
    public GroupLog group(long group, ClusterConfiguration initialConfiguration) {
        GroupLog log = groupLog(group);
        log.setInitialConfiguration(initialConfiguration);
        return log;
    }

    /**
     * Removes group {@code group} from the WAL with a {@link GroupRecordType#GROUP_REMOVED} record: its entries no
     * longer keep segments alive, and once the removal is durable a crash and recovery forget the group. Until a
     * {@link #sync()} returns at least the returned ticket the outcome is unknown: a crash may bring the group
     * back whole. The group's {@link GroupLog} accepts no more writes; {@link #group} with the same id afterwards
     * starts an empty group (the records after the removal are the new group's).
     *
     * @return the ticket to compare with {@link #sync()}'s result
     */
    public long removeGroup(long group) {
        if (!groups.containsKey(group)) {
            checkHealthy();
            return writtenTicket;
        }
        return write(List.of(GroupRecord.groupRemoved(group)));
    }

    /** Every group that has a record in the WAL or was asked for since it opened, and was not removed since. */
    public SortedSet<Long> groups() {
        return new TreeSet<>(groups.keySet());
    }

    /**
     * Makes everything written before it, by every group, durable with one fsync.
     *
     * @return the highest ticket now durable
     */
    public long sync() {
        SyncPoint point = beginSync();
        point.force();
        return finishSync(point);
    }

    /**
     * A sync split in three, so that a caller serialising the WAL's calls with a lock can force without holding
     * it, and other groups write meanwhile (their writes go to the next sync): {@link #beginSync()} and
     * {@link #finishSync} are calls of the owner (under the lock); {@link #force()} may run on any thread between
     * them, while the owner goes on writing. One sync at a time.
     */
    public final class SyncPoint {
        private final long covered;
        /** The segment to force, or null if nothing was written to it since it was last forced. */
        private final WalSegment segment;
        /** The active segment at the start: only segments before it may be deleted by this sync (see finishSync). */
        private final long activeSequence;
        private boolean forced;
        private IOException failure;

        private SyncPoint(long covered, WalSegment segment, long activeSequence) {
            this.covered = covered;
            this.segment = segment;
            this.activeSequence = activeSequence;
        }

        /** Forces the segment that holds every write the sync covers (any thread; an error shows in finishSync). */
        public void force() {
            if (segment == null || forced) {
                return;
            }
            try {
                segment.file.force();
                forced = true;
            } catch (IOException e) {
                failure = e;
            }
        }

        /** The highest ticket this sync makes durable. */
        public long covered() {
            return covered;
        }
    }

    /** Starts a sync covering every write so far; see {@link SyncPoint}. */
    public SyncPoint beginSync() {
        checkHealthy();
        WalSegment dirty = activeDirty ? active : null;
        // Cleared now: a write made while the segment is forced sets it again, and the next sync forces that.
        activeDirty = false;
        return new SyncPoint(writtenTicket, dirty, active.sequence);
    }

    /**
     * Ends a sync: its writes are durable; segments no group needs are deleted and a sparse old one rewritten.
     *
     * @return the highest ticket now durable
     * @throws StorageFailedException if the force failed (then the WAL takes no more writes)
     */
    public long finishSync(SyncPoint point) {
        checkHealthy();
        if (point.failure != null) {
            throw fail("cannot sync the shared WAL in " + directory, point.failure);
        }
        if (point.segment != null && !point.forced) {
            throw new IllegalStateException("finishSync before the sync point's force");
        }
        if (point.forced) {
            forces++;
        }
        try {
            durableTicket = Math.max(durableTicket, point.covered);
            lastRoundBytes = bytesSinceSync;
            bytesSinceSync = 0;
            deleteUnneededSegments(point.activeSequence);
            rewriteSparseOldestSegment();
        } catch (IOException e) {
            throw fail("cannot sync the shared WAL in " + directory, e);
        }
        return durableTicket;
    }

    public long writtenTicket() {
        return writtenTicket;
    }

    public long durableTicket() {
        return durableTicket;
    }

    /** How many fsyncs of segment files this WAL made since it opened. */
    public long fsyncs() {
        return forces;
    }

    /** Where the records of the active segment end (preallocated zeros may follow). */
    long activeRecordsEnd() {
        return active.size;
    }

    /** How many entries were copied forward out of sparse old segments since the WAL opened. */
    public long rewrittenEntries() {
        return rewrittenEntries;
    }

    /** How many segment files the WAL has now. */
    public int segmentCount() {
        return segments.size();
    }

    public Recovery recovery() {
        return recovery;
    }

    @Override
    public void close() {
        for (WalSegment segment : segments.values()) {
            closeQuietly(segment.file);
        }
        segments.clear();
        closeQuietly(lock);
    }

    GroupLog groupLog(long group) {
        if (group < 0) {
            throw new IllegalArgumentException("group id " + group + " is negative");
        }
        return groups.computeIfAbsent(group, id -> new GroupLog(this, id));
    }

    CacheBudget cacheBudget() {
        return cacheBudget;
    }

    Map<Long, GroupLog> groupLogs() {
        return groups;
    }

    void adoptRecovered(WalSegment segment) {
        segments.put(segment.sequence, segment);
    }

    /** Writes {@code batch} in one write call and applies it to the groups; returns the batch's ticket. */
    long write(List<GroupRecord> batch) {
        checkHealthy();
        if (batch.isEmpty()) {
            return writtenTicket;
        }
        try {
            if (active.size >= options.segmentBytes()) {
                startSegment();
            }
            append(batch);
        } catch (IOException e) {
            throw fail("cannot write to the shared WAL in " + directory, e);
        }
        return ++writtenTicket;
    }

    LogEntry readEntry(long group, GroupLog.Location location) {
        ByteBuffer frame = ByteBuffer.allocate(location.frameBytes());
        try {
            location.segment().file.readFully(frame, location.offset());
        } catch (IOException e) {
            throw fail("cannot read " + location.segment().path, e);
        }
        frame.flip();
        GroupRecordCodec.Decoded decoded = GroupRecordCodec.decode(frame);
        if (decoded instanceof GroupRecordCodec.Valid valid && valid.record().type().holdsEntry()
                && valid.record().group() == group) {
            return valid.record().toEntry();
        }
        throw new CorruptStorageException(location.segment().path, location.offset(),
                "the entry of group " + group + " held here no longer reads back: " + decoded);
    }

    private void append(List<GroupRecord> batch) throws IOException {
        int bytes = batch.stream().mapToInt(GroupRecordCodec::frameBytes).sum();
        ByteBuffer buffer = ByteBuffer.allocate(bytes);
        List<GroupLog.Location> locations = new ArrayList<>(batch.size());
        for (GroupRecord record : batch) {
            locations.add(new GroupLog.Location(active, active.size + buffer.position(),
                    GroupRecordCodec.frameBytes(record), record.term()));
            GroupRecordCodec.encode(record, buffer);
        }
        buffer.flip();
        active.file.write(buffer, active.size);
        active.size += bytes;
        bytesSinceSync += bytes;
        if (lastRoundBytes < options.preallocateBytes() / PREALLOCATE_BELOW_CHUNK_FRACTION) {
            active.allocatedBytes = preallocation.extend(active.file, active.size, active.allocatedBytes,
                    options.segmentBytes());
        }
        activeDirty = true;
        for (int i = 0; i < batch.size(); i++) {
            apply(batch.get(i), locations.get(i));
        }
    }

    /** Why recovery cannot apply {@code record} to the group it names, or null if it can. */
    String replayProblem(GroupRecord record) {
        GroupLog log = record.type() == GroupRecordType.SEGMENT_HEADER || record.type() == GroupRecordType.GROUP_REMOVED
                ? null : groups.get(record.group());
        return log == null ? null : log.replayProblem(record);
    }

    /** Applies a record written at {@code location}, both when it is written and when recovery replays it. */
    void apply(GroupRecord record, GroupLog.Location location) {
        switch (record.type()) {
            case SEGMENT_HEADER -> {
            }
            case GROUP_REMOVED -> {
                GroupLog removed = groups.remove(record.group());
                if (removed != null) {
                    removed.markRemoved();
                }
            }
            default -> groupLog(record.group()).apply(record, location);
        }
    }

    /**
     * Starts a new segment with a header and every group's checkpoint. The previous segment is forced first and
     * the new file's directory entry made durable, so only the newest segment can ever have a torn tail.
     */
    private void startSegment() throws IOException {
        if (active != null) {
            force(active);
        }
        long sequence = segments.isEmpty() ? 1 : segments.lastKey() + 1;
        Path path = directory.resolve(WalSegment.fileName(sequence));
        DiskFile file = disk.create(path);
        disk.syncDirectory(directory);
        active = new WalSegment(sequence, path, file, 0);
        segments.put(sequence, active);
        List<GroupRecord> opening = new ArrayList<>();
        opening.add(GroupRecord.segmentHeader(sequence));
        for (GroupLog log : groups.values()) {
            log.checkpoint(opening);
        }
        append(opening);
    }

    private void force(WalSegment segment) throws IOException {
        segment.file.force();
        forces++;
        if (segment == active) {
            activeDirty = false;
        }
    }

    /**
     * Deletes the oldest segments while no group holds an entry in them. Runs only after a force of the segment
     * {@code forcedActive}, and deletes only segments before it, so the newer checkpoint that replaces them is
     * durable.
     */
    private void deleteUnneededSegments(long forcedActive) throws IOException {
        // Only before the segment this sync forced: a segment started since holds a checkpoint not yet durable.
        long oldestNeeded = Math.min(active.sequence, forcedActive);
        for (GroupLog log : groups.values()) {
            oldestNeeded = Math.min(oldestNeeded, log.oldestSegmentNeeded());
        }
        boolean deleted = false;
        while (segments.firstKey() < oldestNeeded) {
            WalSegment oldest = segments.pollFirstEntry().getValue();
            oldest.file.close();
            disk.delete(oldest.path);
            deleted = true;
        }
        if (deleted) {
            disk.syncDirectory(directory);
        }
    }

    /**
     * Rewriting (the policy): when the oldest segment is not the active one and the entries still held in it
     * total less than {@code rewriteBelow} of its bytes, every one of them is copied into the active segment
     * ({@link GroupRecordType#ENTRY_COPY}), so that idle groups' few entries stop keeping it, and every later
     * segment, alive. The copies are not yet durable here; the segment is deleted by a later sync, after the force
     * that makes them durable. A crash before that keeps the original and any prefix of the copies, either of which
     * reads back the same entry. At most one segment, so at most {@code rewriteBelow × segmentBytes}, per sync.
     */
    private void rewriteSparseOldestSegment() throws IOException {
        WalSegment oldest = segments.firstEntry().getValue();
        if (oldest == active || oldest.liveBytes == 0
                || oldest.liveBytes >= options.rewriteBelow() * oldest.size) {
            return;
        }
        List<GroupRecord> copies = new ArrayList<>();
        for (GroupLog log : groups.values()) {
            if (log.oldestSegmentNeeded() == oldest.sequence) {
                log.copiesOfEntriesIn(oldest, copies);
            }
        }
        if (active.size >= options.segmentBytes()) {
            startSegment();
        }
        append(copies);
        rewrittenEntries += copies.size();
    }

    private void checkHealthy() {
        if (failure != null) {
            throw failure;
        }
    }

    private StorageFailedException fail(String message, IOException cause) {
        failure = new StorageFailedException(message, cause);
        return failure;
    }

    private static void closeQuietly(Closeable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (IOException ignored) {
                // nothing more to do with a file being let go
            }
        }
    }
}
