package io.caucus.storage;

import io.caucus.core.HardState;
import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Rebuilds the log from its segment files by replaying every record in order, verifying each.
 *
 * <p>Rules (docs/storage.md, "Recovery"):
 * <ul>
 *   <li>Segment sequence numbers must be consecutive; a gap is a missing segment.
 *   <li>Zeros from some record boundary to the end of a file are space preallocated ahead of the records (or an
 *       append whose data never reached the disk): the records end there, and nothing is reported.
 *   <li>Only the newest segment may end in damage, and only if no valid frame follows the damage anywhere in
 *       the file: that is an append cut short by a crash, and it is truncated and reported. Every older
 *       segment was forced in full before the next was created, so damage there is corruption.
 *   <li>Entries must continue the log (index at most last + 1; a lower index replaces the suffix, as the
 *       conflict truncation of Raft paper §5.3 did when it was written) and terms never decrease. A gap is
 *       accepted only if the snapshot store's newest snapshot covers it (a log reset to a snapshot at open).
 *   <li>Until a snapshot base is seen, the oldest remaining segment may start anywhere ("floating"): compaction
 *       deletes whole segments covered by a snapshot. The snapshot store must then cover everything before the
 *       first entry, otherwise segments are missing; and the first entry's term may not be lower than the
 *       snapshot's last.
 *   <li>The last hard-state record wins; its commit index must not pass the recovered log's end.
 * </ul>
 */
final class WalRecovery {

    static final long FORMAT_VERSION = 1;

    /** The recovered log; every segment in it is open and forced. */
    record Result(TreeMap<Long, Segment> segments, EntryLocations locations, SnapshotMetadata snapshot,
                  HardState hardState) {
    }

    private final Disk disk;
    private final Path directory;
    private final StorageOptions options;
    private final List<RecoveryReport.TruncatedTail> tails;
    private final List<Path> removed;
    private final EntryLocations locations = new EntryLocations();
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private boolean started;
    private boolean floating;
    private long baseIndex;
    private long baseTerm;
    private long highestBaseIndex;
    private String highestBaseWhere = "";
    private HardState hardState = HardState.INITIAL;
    private long snapshotIndex;

    WalRecovery(Disk disk, Path directory, StorageOptions options, List<RecoveryReport.TruncatedTail> tails,
                List<Path> removed) {
        this.disk = disk;
        this.directory = directory;
        this.options = options;
        this.tails = tails;
        this.removed = removed;
    }

    Result run(SnapshotMetadata snapshot) throws IOException {
        snapshotIndex = snapshot.lastIncludedIndex();
        List<Long> sequences = segmentSequences();
        for (int i = 0; i < sequences.size(); i++) {
            long sequence = sequences.get(i);
            if (i > 0 && sequence != sequences.get(i - 1) + 1) {
                throw new CorruptStorageException(directory.resolve(Segment.fileName(sequences.get(i - 1) + 1)), 0,
                        "segment file missing: the log jumps from " + Segment.fileName(sequences.get(i - 1))
                                + " to " + Segment.fileName(sequence));
            }
            Path path = directory.resolve(Segment.fileName(sequence));
            Segment segment = new Segment(sequence, path, disk.open(path));
            if (scan(segment, i == sequences.size() - 1)) {
                segments.put(sequence, segment);
            }
        }
        SnapshotMetadata base = finish(snapshot);
        for (Segment segment : segments.values()) {
            // A process crash leaves unsynced writes in the page cache, where this scan found them: force them
            // before anything is acknowledged on the strength of this log.
            segment.file.force();
            segment.headerBytes = segment.size;
        }
        disk.syncDirectory(directory);
        return new Result(segments, locations, base, hardState);
    }

    private List<Long> segmentSequences() throws IOException {
        List<Long> sequences = new ArrayList<>();
        for (String name : disk.list(directory)) {
            long sequence = Segment.parseSequence(name);
            if (sequence >= 0) {
                sequences.add(sequence);
            } else if (Segment.isBeingDeleted(name)) {
                // A compacted segment whose deletion a crash interrupted (DurableLog.deleteFiles).
                disk.delete(directory.resolve(name));
                removed.add(directory.resolve(name));
            }
        }
        sequences.sort(null);
        return sequences;
    }

    /** Replays one segment; returns false if it was the newest and held not even a whole header (deleted). */
    private boolean scan(Segment segment, boolean newest) throws IOException {
        long fileSize = segment.file.size();
        SegmentReader reader = new SegmentReader(segment.file, fileSize, options.maxEntryBytes());
        long position = 0;
        while (position < fileSize) {
            RecordCodec.Decoded decoded = reader.decodeAt(position);
            String damage = switch (decoded) {
                case RecordCodec.Valid valid -> {
                    apply(valid.record(), segment, position, valid.frameBytes());
                    position += valid.frameBytes();
                    yield null;
                }
                case RecordCodec.Incomplete incomplete -> "record cut short: " + incomplete.neededBytes()
                        + " bytes needed, " + (fileSize - position) + " left in the file";
                case RecordCodec.Invalid invalid -> invalid.problem();
            };
            if (damage != null) {
                if (position > 0 && reader.onlyZerosFrom(position)) {
                    break; // space preallocated ahead of the records, or never written: the records end here
                }
                return tornTail(segment, reader, newest, position, fileSize, damage);
            }
        }
        if (position == 0) {
            return tornTail(segment, reader, newest, 0, 0, "empty segment file");
        }
        segment.size = position;
        return true;
    }

    private boolean tornTail(Segment segment, SegmentReader reader, boolean newest, long position, long fileSize,
                             String damage) throws IOException {
        if (!newest) {
            throw new CorruptStorageException(segment.path, position, damage + "; a newer segment exists, so this"
                    + " cannot be an append cut short by a crash");
        }
        long validAfter = reader.firstValidFrameAfter(position);
        if (validAfter >= 0) {
            throw new CorruptStorageException(segment.path, position, damage + "; a valid record follows at byte "
                    + validAfter + ", so this is damage inside the log, not an append cut short by a crash");
        }
        if (position == 0) {
            segment.file.close();
            disk.delete(segment.path);
            disk.syncDirectory(directory);
            removed.add(segment.path);
            return false;
        }
        segment.file.truncate(position);
        segment.file.force();
        segment.size = position;
        tails.add(new RecoveryReport.TruncatedTail(segment.path, position, fileSize - position, damage));
        return true;
    }

    private void apply(Record record, Segment segment, long position, int frameBytes) {
        if (position == 0) {
            checkSegmentHeader(record, segment);
            return;
        }
        switch (record.type()) {
            case SEGMENT_HEADER -> throw corrupt(segment, position, "a second segment header");
            case HARD_STATE -> hardState = record.toHardState();
            case SNAPSHOT_BASE -> snapshotBase(record.index(), record.term(), segment, position);
            case TRUNCATE -> truncate(record.index(), segment, position);
            case COMMAND, NO_OP, CONFIGURATION -> {
                entry(record, segment, position, frameBytes);
                segment.maxEntryIndex = Math.max(segment.maxEntryIndex, record.index());
            }
        }
    }

    private void checkSegmentHeader(Record record, Segment segment) {
        if (record.type() != RecordType.SEGMENT_HEADER) {
            throw corrupt(segment, 0, "the first record is a " + record.type() + ", not a segment header");
        }
        if (record.term() != FORMAT_VERSION) {
            throw corrupt(segment, 0, "segment format version " + record.term() + " is not the supported "
                    + FORMAT_VERSION);
        }
        if (record.index() != segment.sequence) {
            throw corrupt(segment, 0, "the header says segment " + record.index() + " but the file name says "
                    + segment.sequence + " (a file renamed or copied in by hand?)");
        }
        long previousBytes = java.nio.ByteBuffer.wrap(record.payload()).getLong();
        Segment previous = segments.get(segment.sequence - 1);
        if (previous != null && previous.size != previousBytes) {
            throw corrupt(previous, previous.size, "the segment ends at byte " + previous.size + " but was "
                    + previousBytes + " bytes long when " + segment + " was started: its end was cut off");
        }
    }

    private void entry(Record record, Segment segment, long position, int frameBytes) {
        long index = record.index();
        if (!started) {
            startFloating(index, segment, position, "the log starts at index " + index + " (segment files"
                    + " before " + segment + " missing?)", 1);
        } else if (floating && index < locations.firstIndex()) {
            startFloating(index, segment, position, "entry " + index + " rewrites a log that started later", 1);
        } else if (index < locations.firstIndex()) {
            throw corrupt(segment, position, "entry " + index + " precedes the log's first index "
                    + locations.firstIndex() + ", which a snapshot covers");
        } else if (index > locations.lastIndex() + 1) {
            startFloating(index, segment, position, "entry " + index + " leaves a gap after entry "
                    + locations.lastIndex(), locations.lastIndex() + 1);
        }
        locations.truncateFrom(index);
        long previousTerm = termBefore(index);
        if (record.term() < previousTerm) {
            throw corrupt(segment, position, "entry " + index + " has term " + record.term()
                    + ", lower than the term " + previousTerm + " of the entry before it");
        }
        locations.append(index, record.term(), segment.sequence, position, frameBytes);
    }

    private long termBefore(long index) {
        if (index - 1 >= locations.firstIndex()) {
            return locations.term(index - 1);
        }
        return floating ? 0 : baseTerm;
    }

    /**
     * Continues the replay from {@code index} without knowing what came before it. Sound only if the snapshot
     * covers everything before: compaction deleted the segments that held it. Otherwise entries are missing.
     */
    private void startFloating(long index, Segment segment, long position, String what, long firstMissing) {
        if (index - 1 > snapshotIndex) {
            throw corrupt(segment, position, what + ", and the newest snapshot covers only through index "
                    + snapshotIndex + ": entries " + Math.max(firstMissing, snapshotIndex + 1) + ".." + (index - 1)
                    + " are missing (an older segment lost its end, or segment files were removed)");
        }
        started = true;
        floating = true;
        locations.reset(index);
        baseIndex = index - 1;
        baseTerm = 0;
    }

    private void truncate(long index, Segment segment, long position) {
        if (!started) {
            return;
        }
        if (floating && index <= locations.firstIndex()) {
            started = false;
        } else if (index < locations.firstIndex()) {
            throw corrupt(segment, position, "truncation at " + index + " reaches before the log's first index "
                    + locations.firstIndex());
        } else if (index > locations.lastIndex() + 1) {
            // The entries it removed were in segments compaction deleted; the snapshot must cover them.
            startFloating(index, segment, position, "truncation at " + index + " follows entry "
                    + locations.lastIndex(), locations.lastIndex() + 1);
        } else {
            locations.truncateFrom(index);
        }
    }

    private void snapshotBase(long index, long term, Segment segment, long position) {
        if (index > highestBaseIndex) {
            highestBaseIndex = index;
            highestBaseWhere = segment.path + " at byte " + position;
        }
        if (started && floating && index < baseIndex) {
            return;
        }
        if (started && !floating && index < baseIndex) {
            throw corrupt(segment, position, "snapshot base " + index + " is behind the earlier base " + baseIndex);
        }
        install(index, term);
    }

    /** Drops the prefix through {@code index}, keeping the suffix only if it agrees (as InMemoryLog does). */
    private void install(long index, long term) {
        boolean keepSuffix = started && index >= locations.firstIndex() && index <= locations.lastIndex()
                && locations.term(index) == term;
        if (keepSuffix) {
            locations.dropThrough(index);
        } else if (!(started && index == baseIndex && (floating || term == baseTerm))) {
            locations.reset(index + 1);
        }
        started = true;
        floating = false;
        baseIndex = index;
        baseTerm = term;
    }

    private SnapshotMetadata finish(SnapshotMetadata snapshot) {
        if (highestBaseIndex > snapshotIndex) {
            throw new CorruptStorageException(directory, 0, "the log was compacted through index "
                    + highestBaseIndex + " (" + highestBaseWhere + ") but the newest snapshot covers only index "
                    + snapshotIndex + ": the snapshot it was compacted to is missing");
        }
        if (started && !floating && snapshotIndex == baseIndex && snapshot.lastIncludedTerm() != baseTerm) {
            throw new CorruptStorageException(directory, 0, "the log was compacted to index " + baseIndex
                    + " with term " + baseTerm + " but the snapshot of that index has term "
                    + snapshot.lastIncludedTerm());
        }
        if (!started || floating || snapshotIndex > baseIndex) {
            install(snapshotIndex, snapshot.lastIncludedTerm());
        }
        // A log that started floating was checked only against itself; its first entry follows the snapshot's
        // last one, so its term may not be lower either (terms never decrease, Raft paper §5.3).
        if (!locations.isEmpty() && locations.term(locations.firstIndex()) < baseTerm) {
            long first = locations.firstIndex();
            throw corrupt(segments.get(locations.segment(first)), locations.offset(first), "entry " + first
                    + " has term " + locations.term(first) + ", lower than the term " + baseTerm + " of entry "
                    + baseIndex + " before it, which the snapshot covers");
        }
        if (hardState.commitIndex() > locations.lastIndex()) {
            Path newest = segments.isEmpty() ? directory : segments.lastEntry().getValue().path;
            long end = segments.isEmpty() ? 0 : segments.lastEntry().getValue().size;
            throw new CorruptStorageException(newest, end, "the hard state's commit index "
                    + hardState.commitIndex() + " is beyond the last entry " + locations.lastIndex()
                    + ": committed entries are missing (a newer segment deleted, or a file truncated)");
        }
        return snapshot;
    }

    private CorruptStorageException corrupt(Segment segment, long position, String problem) {
        return new CorruptStorageException(segment.path, position, problem);
    }
}
