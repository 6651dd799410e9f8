package io.caucus.storage;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * What a Caucus server keeps on disk: the Raft log, the hard state and the snapshots, under one directory
 * ({@code wal/} for log segments, {@code snapshots/} for the {@link SnapshotStore}).
 *
 * <h2>Contract with the runtime</h2>
 * <ul>
 *   <li>{@link #open} recovers and returns the hard state, the newest snapshot's metadata and a report of what
 *       was repaired (a torn tail); damage a crash cannot explain throws {@link CorruptStorageException}.
 *   <li>The core reads the log through {@link LogView}, implemented here.
 *   <li>{@link #write(Persist)} carries out one persist instruction: truncate any held entry at or after the
 *       first new index, append, write the hard state. The result is visible through {@link LogView} at once but
 *       not yet durable; the method returns a ticket (increasing by one per write).
 *   <li>{@link #sync()} makes everything written before it started durable and returns the highest ticket now
 *       durable. Group commit is the caller's: the server runtime's node thread writes what one turn of the
 *       core produced, makes it durable with one {@code sync}, and reports it persisted.
 *   <li>After a snapshot is committed to {@link #snapshots()}, {@link #installSnapshot} drops the log prefix it
 *       covers (or the whole log, for a follower's installed snapshot that does not match its log).
 * </ul>
 *
 * <h2>Threading</h2>
 * One owner thread makes every write and every {@link LogView} read. {@link #sync()} runs on the owner thread
 * too in the server runtime, but the contract also lets one other thread sync at the same time as the owner's
 * writes, segment rollovers, truncations and compactions, so that a caller can overlap an fsync with the next
 * writes ({@code ConcurrentSyncTest}); the only state the two share is the {@link SyncTracker}, whose monitor is
 * held briefly and never across I/O. The files of compacted segments may be deleted on a third thread
 * ({@link #deleteSegmentsOn}); by then no other thread refers to those segments. Storage starts no threads and
 * holds no lock while waiting on anything. {@link #close()} only after all of them stopped.
 *
 * <h2>Durability</h2>
 * Records are only ever appended: a truncation is a record (or implied by an entry whose index is not past the
 * last), so a crash leaves some prefix of the writes, the last possibly torn, never a mix of old and new bytes
 * at one offset. Hard state is a record in the same stream (last one wins), so it costs no fsync of its own and
 * is atomic by its checksum; each new segment begins with a copy, so deleting old segments never loses it.
 * Before a new segment is created the previous one is forced in full, so damage anywhere but at the tail of the
 * newest segment is corruption, never a crash. After an I/O error the log accepts no more writes
 * ({@link StorageFailedException} with the original cause).
 */
public final class DurableLog implements LogView, AutoCloseable {

    /** The outcome of {@link #open}: the log and what recovery found. */
    public record Opened(DurableLog log, HardState hardState, SnapshotMetadata snapshot, RecoveryReport report) {
    }

    private final Disk disk;
    private final java.io.Closeable lock;
    private final Path walDirectory;
    private final StorageOptions options;
    private final SnapshotStore snapshots;
    private final TreeMap<Long, Segment> segments;
    private final EntryLocations locations;
    private final EntryCache cache;
    private final SyncTracker tracker = new SyncTracker(0);
    private final LogReader reader;
    private Segment active;
    private SnapshotMetadata snapshot;
    private HardState hardState;
    private long ticket;
    private ByteBuffer writeBuffer = ByteBuffer.allocateDirect(1 << 20);
    private final Preallocation preallocation;
    private volatile StorageFailedException failure;
    /** Where compacted segments' files are deleted: the owner thread unless {@link #deleteSegmentsOn} says else. */
    private Executor segmentDeleter = Runnable::run;

    private DurableLog(Disk disk, Path directory, StorageOptions options, SnapshotStore snapshots,
                       WalRecovery.Result recovered, java.io.Closeable lock) {
        this.disk = disk;
        this.lock = lock;
        this.walDirectory = directory;
        this.options = options;
        this.snapshots = snapshots;
        this.segments = recovered.segments();
        this.locations = recovered.locations();
        this.snapshot = recovered.snapshot();
        this.hardState = recovered.hardState();
        this.cache = new EntryCache(options.cacheBytes());
        this.preallocation = new Preallocation(options.preallocateBytes());
        this.reader = new LogReader(segments, locations);
        for (Segment segment : segments.values()) {
            tracker.adopt(segment, segment.size);
        }
    }

    /** True if {@code directory} holds a one-group node's log: a segment of this log's naming in its wal. */
    public static boolean holdsOneGroupData(Disk disk, Path directory) throws IOException {
        Path wal = directory.resolve("wal");
        if (!disk.exists(wal)) {
            return false;
        }
        for (String name : disk.list(wal)) {
            if (Segment.parseSequence(name) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens the store in {@code directory}, creating it if needed, and recovers it.
     *
     * @param initialConfiguration the configuration to report while there is no snapshot
     * @throws CorruptStorageException if the data is damaged in a way a crash cannot explain
     * @throws StorageFailedException  on an I/O error
     */
    public static Opened open(Disk disk, Path directory, StorageOptions options,
                              ClusterConfiguration initialConfiguration) {
        List<RecoveryReport.TruncatedTail> tails = new ArrayList<>();
        List<Path> removed = new ArrayList<>();
        Path walDirectory = directory.resolve("wal");
        java.io.Closeable lock = null;
        try {
            if (io.caucus.storage.multi.HostStorage.holdsHostData(disk, directory)) {
                throw new IllegalStateException(directory + " holds the data of a process hosting many Raft groups "
                        + "(a sharded node's shared log), not of a one-group node: nothing was changed there");
            }
            disk.createDirectories(walDirectory);
            lock = disk.lock(directory.resolve("LOCK"));
            SnapshotStore snapshots = SnapshotStore.open(disk, directory.resolve("snapshots"),
                    options.snapshotsRetained(), removed);
            SnapshotMetadata latest = snapshots.latest().orElse(SnapshotMetadata.empty(initialConfiguration));
            WalRecovery.Result recovered = new WalRecovery(disk, walDirectory, options, tails, removed).run(latest);
            DurableLog log = new DurableLog(disk, walDirectory, options, snapshots, recovered, lock);
            snapshots.pinBase(log.snapshot); // the recovered log needs it (§7); newer ones may be retired first
            log.startSegment(true);
            return new Opened(log, log.hardState, log.snapshot, new RecoveryReport(tails, removed));
        } catch (IOException | RuntimeException e) {
            release(lock);
            if (e instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw new StorageFailedException("cannot open storage in " + directory, e);
        }
    }

    private static void release(java.io.Closeable lock) {
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException ignored) {
                // the lock goes with the process anyway
            }
        }
    }

    // ---- writes (owner thread) ----

    /**
     * Carries out a persist instruction (see {@link Persist}): truncates held entries at or after the first new
     * index, appends the entries, records the hard state. Visible at once, durable after a {@link #sync()}
     * that returns at least the returned ticket.
     *
     * @throws IllegalArgumentException if the entries do not continue the log or would remove a committed entry
     * @throws RecordTooLargeException  if an entry is larger than {@link StorageOptions#maxEntryBytes()}
     * @throws StorageFailedException   on an I/O error now or before
     */
    public long write(Persist persist) {
        return write(persist.entries(), persist.hardState());
    }

    public long append(List<LogEntry> entries) {
        return write(entries, null);
    }

    public long writeHardState(HardState state) {
        return write(List.of(), state);
    }

    /** Removes every entry at or after {@code fromIndex} (conflict truncation, Raft paper §5.3). */
    public long truncateSuffix(long fromIndex) {
        requireWorking();
        if (fromIndex > lastIndex()) {
            return issueTicket(active, active.size);
        }
        checkTruncation(fromIndex);
        writeBuffer.clear();
        RecordCodec.encode(new Record(RecordType.TRUNCATE, 0, fromIndex, new byte[0]), writeBuffer);
        appendBuffer();
        removeFrom(fromIndex);
        return issueTicket(active, active.size);
    }

    /**
     * Drops the log prefix covered by a snapshot already committed to {@link #snapshots()}: entries after it are
     * kept if the log holds the snapshot's last entry with the same term, otherwise the whole log is dropped
     * (a follower installing a leader's snapshot, Raft paper §7). Segments holding only covered entries are
     * deleted once they and the next segment's header are durable.
     */
    public long installSnapshot(SnapshotMetadata covering) {
        requireWorking();
        if (!snapshots.contains(covering)) {
            throw new IllegalArgumentException("commit snapshot " + covering.lastIncludedIndex() + "/t"
                    + covering.lastIncludedTerm() + " to the snapshot store before compacting the log to it");
        }
        if (covering.lastIncludedIndex() < snapshot.lastIncludedIndex()) {
            throw new IllegalArgumentException("snapshot at " + covering.lastIncludedIndex()
                    + " is older than the current one at " + snapshot.lastIncludedIndex());
        }
        writeBuffer.clear();
        RecordCodec.encode(new Record(RecordType.SNAPSHOT_BASE, covering.lastIncludedTerm(),
                covering.lastIncludedIndex(), new byte[0]), writeBuffer);
        appendBuffer();
        long index = covering.lastIncludedIndex();
        boolean sameBase = index == snapshot.lastIncludedIndex()
                && covering.lastIncludedTerm() == snapshot.lastIncludedTerm();
        boolean keepSuffix = index >= firstIndex() && index <= lastIndex() && term(index) == covering.lastIncludedTerm();
        if (keepSuffix) {
            locations.dropThrough(index);
            cache.dropThrough(index);
        } else if (!sameBase) {
            locations.reset(index + 1);
            cache.clear();
        }
        snapshot = covering;
        long issued = issueTicket(active, active.size);
        snapshots.baseWritten(covering, issued); // its snapshot is kept from when the record is durable
        deleteCoveredSegments();
        return issued;
    }

    private long write(List<LogEntry> entries, HardState newHardState) {
        requireWorking();
        long first = entries.isEmpty() ? lastIndex() + 1 : entries.get(0).index();
        checkEntries(entries, first);
        long lastAfter = entries.isEmpty() ? lastIndex() : entries.get(entries.size() - 1).index();
        checkHardState(newHardState, lastAfter);
        if (!entries.isEmpty() && first <= lastIndex()) {
            checkTruncation(first);
        }
        long[] offsets = encode(entries, newHardState);
        long base = appendBuffer();
        if (!entries.isEmpty()) {
            removeFrom(first);
            for (int i = 0; i < entries.size(); i++) {
                LogEntry entry = entries.get(i);
                int frameBytes = RecordCodec.frameBytes(entry.payload().length);
                locations.append(entry.index(), entry.term(), active.sequence, base + offsets[i], frameBytes);
                cache.append(entry);
            }
            active.maxEntryIndex = Math.max(active.maxEntryIndex, lastAfter);
        }
        if (newHardState != null) {
            hardState = newHardState;
        }
        return issueTicket(active, active.size);
    }

    private void checkEntries(List<LogEntry> entries, long first) {
        if (entries.isEmpty()) {
            return;
        }
        if (first < firstIndex() || first > lastIndex() + 1) {
            throw new IllegalArgumentException("entries from " + first + " would leave a gap or rewrite the"
                    + " snapshot; the log holds " + firstIndex() + ".." + lastIndex());
        }
        long previousTerm = term(first - 1);
        long expected = first;
        for (LogEntry entry : entries) {
            if (entry.index() != expected++) {
                throw new IllegalArgumentException("entries are not consecutive at " + entry);
            }
            if (entry.term() < previousTerm) {
                throw new IllegalArgumentException("entry " + entry + " has a lower term than the entry before it ("
                        + previousTerm + "): terms in a log never decrease");
            }
            previousTerm = entry.term();
            if (entry.payload().length > options.maxEntryBytes()) {
                throw new RecordTooLargeException("entry " + entry + " has " + entry.payload().length
                        + " payload bytes, more than the limit of " + options.maxEntryBytes()
                        + " (StorageOptions.maxEntryBytes); nothing of this batch was written");
            }
        }
    }

    private void checkHardState(HardState state, long lastAfter) {
        if (state == null) {
            return;
        }
        if (state.term() < hardState.term()) {
            throw new IllegalArgumentException("hard state term " + state.term() + " is lower than the current "
                    + hardState.term() + ": a server's term never decreases (Raft paper Figure 2)");
        }
        if (state.commitIndex() > lastAfter) {
            throw new IllegalArgumentException("commit index " + state.commitIndex() + " is beyond the last entry "
                    + lastAfter);
        }
    }

    /** A committed entry is never removed (Raft paper §5.3, Log Matching and Leader Completeness). */
    private void checkTruncation(long fromIndex) {
        if (fromIndex <= hardState.commitIndex()) {
            throw new IllegalArgumentException("truncating from " + fromIndex + " would remove committed entries"
                    + " (commit index " + hardState.commitIndex() + ")");
        }
        if (fromIndex < firstIndex()) {
            throw new IllegalArgumentException("truncating from " + fromIndex + " would reach into the snapshot,"
                    + " which covers through " + (firstIndex() - 1));
        }
    }

    private void removeFrom(long index) {
        locations.truncateFrom(index);
        cache.truncateFrom(index);
    }

    /** Encodes the records into the write buffer; returns each entry's frame offset within it. */
    private long[] encode(List<LogEntry> entries, HardState newHardState) {
        long bytes = RecordCodec.frameBytes(64);
        for (LogEntry entry : entries) {
            bytes += RecordCodec.frameBytes(entry.payload().length);
        }
        if (bytes > writeBuffer.capacity()) {
            writeBuffer = ByteBuffer.allocateDirect((int) Math.min(Integer.MAX_VALUE - 8, Long.highestOneBit(bytes) * 2));
        }
        writeBuffer.clear();
        long[] offsets = new long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            offsets[i] = writeBuffer.position();
            RecordCodec.encode(Record.of(entries.get(i)), writeBuffer);
        }
        if (newHardState != null) {
            RecordCodec.encode(Record.of(newHardState), writeBuffer);
        }
        return offsets;
    }

    /** Writes the encoded buffer at the end of the active segment, first rolling over if it would not fit. */
    private long appendBuffer() {
        writeBuffer.flip();
        int bytes = writeBuffer.remaining();
        try {
            if (active.size + bytes > options.segmentBytes() && active.size > active.headerBytes) {
                rollOver();
            }
            long base = active.size;
            active.file.write(writeBuffer, base);
            active.size += bytes;
            preallocate(active);
            return base;
        } catch (IOException e) {
            throw fail("cannot write to " + active.path, e);
        }
    }

    /** Keeps zeros written ahead of the segment's records, never past {@code segmentBytes} ({@link Preallocation}). */
    private void preallocate(Segment segment) throws IOException {
        segment.allocatedBytes = preallocation.extend(segment.file, segment.size, segment.allocatedBytes,
                options.segmentBytes());
    }

    private long issueTicket(Segment segment, long writtenBytes) {
        ticket++;
        tracker.written(segment, writtenBytes, ticket);
        return ticket;
    }

    // ---- segments ----

    /**
     * Forces the active segment in full, then starts the next. Forcing first is what lets recovery call any
     * damage in an older segment corruption: no later segment can exist unless this one was complete.
     */
    private void rollOver() throws IOException {
        active.file.force();
        tracker.adopt(active, active.size);
        startSegment(false);
        deleteCoveredSegments();
    }

    /**
     * Creates the next segment, with its header and a copy of the hard state, and makes its name durable.
     *
     * @param afterRecovery also record the snapshot base: recovery may have reset the log to a snapshot the log
     *                      itself never recorded (a crash between committing a snapshot and compacting to it),
     *                      and replay must see that reset before the entries appended after it
     */
    private void startSegment(boolean afterRecovery) throws IOException {
        long sequence = segments.isEmpty() ? 1 : segments.lastKey() + 1;
        long previousBytes = segments.isEmpty() ? -1 : segments.lastEntry().getValue().size;
        Path path = walDirectory.resolve(Segment.fileName(sequence));
        Segment segment = new Segment(sequence, path, disk.create(path));
        segments.put(sequence, segment);
        active = segment;
        // Its own buffer: a rollover happens while the write buffer holds the batch that did not fit.
        ByteBuffer header = ByteBuffer.allocate(3 * RecordCodec.HEADER_BYTES + 128);
        // The header records how long the previous segment was: recovery then notices an older segment that was
        // cut at a record boundary, which its own checksums cannot show.
        byte[] previous = ByteBuffer.allocate(Long.BYTES).putLong(previousBytes).array();
        RecordCodec.encode(new Record(RecordType.SEGMENT_HEADER, WalRecovery.FORMAT_VERSION, sequence, previous),
                header);
        RecordCodec.encode(Record.of(hardState), header);
        if (afterRecovery && snapshot.lastIncludedIndex() > 0) {
            RecordCodec.encode(new Record(RecordType.SNAPSHOT_BASE, snapshot.lastIncludedTerm(),
                    snapshot.lastIncludedIndex(), new byte[0]), header);
        }
        header.flip();
        int bytes = header.remaining();
        segment.file.write(header, 0);
        segment.size = bytes;
        preallocate(segment);
        segment.headerBytes = bytes;
        tracker.written(segment, bytes, ticket);
        disk.syncDirectory(walDirectory);
    }

    /**
     * Drops the oldest segments whose entries the snapshot covers, oldest first so that no gap can appear, and
     * has their files deleted on the {@linkplain #deleteSegmentsOn segment deleter}. A segment goes only once it
     * is durable in full and the next segment's header (with its copy of the hard state) is durable too;
     * otherwise a later compaction drops it. A file whose deletion has not happened yet (a crash, a deleter
     * still busy) holds only covered entries: recovery replays it and the next compaction drops it again.
     */
    private void deleteCoveredSegments() {
        List<Segment> covered = new ArrayList<>();
        while (segments.size() > 1) {
            Map.Entry<Long, Segment> oldest = segments.firstEntry();
            Segment segment = oldest.getValue();
            Segment next = segments.higherEntry(oldest.getKey()).getValue();
            if (segment == active || segment.maxEntryIndex > snapshot.lastIncludedIndex()
                    || !tracker.mayDelete(segment, next)) {
                break;
            }
            segments.remove(oldest.getKey());
            covered.add(segment);
        }
        if (!covered.isEmpty()) {
            segmentDeleter.execute(() -> deleteFiles(covered));
        }
    }

    /**
     * Runs on the segment deleter; the segments are no longer in the log, so no other thread touches them. Each
     * file is renamed out of the log, then deleted gradually ({@link GradualDeletion}: one unlink of a 64 MiB
     * segment holds the log's fsyncs about 30 ms on the benchmark host).
     */
    private void deleteFiles(List<Segment> covered) {
        for (Segment segment : covered) {
            Path doomed = segment.path.resolveSibling(segment.path.getFileName() + Segment.DELETING);
            try {
                disk.rename(segment.path, doomed);
                disk.syncDirectory(walDirectory);
                GradualDeletion.cutAndDelete(disk, segment.file, doomed);
            } catch (IOException e) {
                throw fail("cannot delete compacted segment " + segment.path, e);
            }
        }
    }

    // ---- sync (any one thread) ----

    /**
     * Makes every write made before this call durable and returns the highest durable ticket. May run on one
     * thread other than the owner, concurrently with the owner's writes.
     *
     * @throws StorageFailedException if forcing fails (the log then accepts no more writes)
     */
    public long sync() {
        requireWorking();
        SyncTracker.Plan plan = tracker.plan();
        for (SyncTracker.Target target : plan.targets()) {
            try {
                target.segment().file.force();
            } catch (IOException e) {
                tracker.abandoned(plan);
                throw fail("cannot force " + target.segment().path, e);
            }
        }
        long durable = tracker.completed(plan);
        snapshots.durableThrough(durable);
        return durable;
    }

    /** The highest ticket known durable. Any thread. */
    public long durableTicket() {
        return tracker.durableTicket();
    }

    /** The highest ticket issued. Any thread. */
    public long writtenTicket() {
        return tracker.writtenTicket();
    }

    // ---- reads (owner thread) ----

    public HardState hardState() {
        return hardState;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    /**
     * Deletes the files of compacted segments on {@code deleter} instead of inside the owner's call that
     * compacted. Deleting a large file is slow: the file system frees its blocks, and with the {@code discard}
     * mount option trims them (35 ms for a 64 MiB segment on the benchmark host), time the owner would otherwise
     * spend not serving. Storage starts no threads, so the owner supplies them; {@code deleter} must run tasks one
     * at a time in the order given (a single thread), and finish them before {@link #close()}. A deletion that
     * fails stops the log as any I/O error does; its task then throws. Owner thread, before compacting.
     */
    public void deleteSegmentsOn(Executor deleter) {
        this.segmentDeleter = Objects.requireNonNull(deleter, "deleter");
    }

    @Override
    public long firstIndex() {
        return locations.firstIndex();
    }

    @Override
    public long lastIndex() {
        return locations.lastIndex();
    }

    @Override
    public long term(long index) {
        if (index == firstIndex() - 1) {
            return snapshot.lastIncludedTerm();
        }
        if (index < firstIndex() || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside " + (firstIndex() - 1) + ".." + lastIndex());
        }
        return locations.term(index);
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (fromIndex < firstIndex() || toIndex > lastIndex() + 1 || fromIndex > toIndex) {
            throw new IndexOutOfBoundsException("range " + fromIndex + ".." + toIndex + " outside "
                    + firstIndex() + ".." + (lastIndex() + 1));
        }
        long end = fromIndex;
        long bytes = 0;
        while (end < toIndex) {
            bytes += LogEntry.OVERHEAD_BYTES + locations.frameBytes(end) - RecordCodec.HEADER_BYTES;
            if (end > fromIndex && bytes > maxBytes) {
                break;
            }
            end++;
        }
        try {
            return reader.read(fromIndex, end, cache);
        } catch (IOException e) {
            throw fail("cannot read entries " + fromIndex + ".." + end, e);
        }
    }

    @Override
    public SnapshotMetadata snapshot() {
        return snapshot;
    }

    /** Closes every file. Call only after the owner and the syncing thread have stopped using the log. */
    @Override
    public void close() {
        for (Segment segment : segments.values()) {
            try {
                segment.file.close();
            } catch (IOException ignored) {
                // closing a file we no longer write cannot lose data; the rest still get closed
            }
        }
        release(lock);
    }

    // ---- failure ----

    private void requireWorking() {
        StorageFailedException failed = failure;
        if (failed != null) {
            throw new StorageFailedException("storage accepts no more writes after an earlier I/O error",
                    failed.getCause());
        }
    }

    private StorageFailedException fail(String what, IOException cause) {
        StorageFailedException failed = new StorageFailedException(what + "; storage accepts no more writes", cause);
        synchronized (tracker) {
            if (failure == null) {
                failure = failed;
            }
        }
        return failed;
    }
}
