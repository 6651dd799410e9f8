package io.caucus.storage.multi;

import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.Disk;
import io.caucus.storage.DiskFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Replays the shared WAL's segments in order into their groups. Zeros from a record boundary to the end of a
 * file are space preallocated ahead of the records, in any segment, and are left as they are. Only the newest
 * segment may end in a torn record (every older one was forced in full before the next was created): its tail is
 * cut off if no valid record header follows the damage; anything else is {@link CorruptStorageException}.
 */
final class SharedWalRecovery {

    private final Disk disk;
    private final Path directory;
    private final SharedWal wal;
    private final List<Path> removed = new ArrayList<>();
    private long droppedTailBytes;

    SharedWalRecovery(Disk disk, Path directory, SharedWal wal) {
        this.disk = disk;
        this.directory = directory;
        this.wal = wal;
    }

    SharedWal.Recovery run() throws IOException {
        TreeMap<Long, Path> files = segmentFiles();
        long expected = files.isEmpty() ? 0 : files.firstKey();
        for (var file : files.entrySet()) {
            if (file.getKey() != expected) {
                throw new CorruptStorageException(directory.resolve(WalSegment.fileName(expected)), 0,
                        "segment " + expected + " is missing between " + files.firstKey() + " and "
                                + files.lastKey());
            }
            replay(file.getKey(), file.getValue(), file.getKey().equals(files.lastKey()));
            expected++;
        }
        for (GroupLog log : wal.groupLogs().values()) {
            log.checkRecovered(directory);
        }
        return new SharedWal.Recovery(droppedTailBytes, List.copyOf(removed));
    }

    private TreeMap<Long, Path> segmentFiles() throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        for (String name : disk.list(directory)) {
            long sequence = WalSegment.sequenceOf(name);
            if (sequence >= 0) {
                files.put(sequence, directory.resolve(name));
            }
        }
        return files;
    }

    private void replay(long sequence, Path path, boolean newest) throws IOException {
        DiskFile file = disk.open(path);
        long size = file.size();
        if (size > Integer.MAX_VALUE) {
            file.close();
            throw new CorruptStorageException(path, 0, "segment of " + size + " bytes, more than one can be");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) size);
        file.readFully(bytes, 0);
        bytes.flip();
        WalSegment segment = new WalSegment(sequence, path, file, 0);
        int end = replayRecords(segment, bytes, newest);
        if (end == 0 && !newest) {
            file.close();
            throw new CorruptStorageException(path, 0, "a segment that was forced in full holds no header");
        }
        if (end < size && !onlyZerosFrom(bytes, end)) {
            file.truncate(end);
            file.force();
            droppedTailBytes += size - end;
        }
        if (end == 0) {
            // A newest segment whose header never became durable: created just before a crash, it holds nothing.
            file.close();
            disk.delete(path);
            disk.syncDirectory(directory);
            removed.add(path);
            return;
        }
        if (newest) {
            // A killed process leaves unsynced writes in the page cache, where replay found them; the groups now
            // take them as durable, so they must be (older segments were forced in full before the next began).
            file.force();
        }
        segment.size = end;
        wal.adoptRecovered(segment);
    }

    /** Applies the segment's valid records; returns where they end. */
    private int replayRecords(WalSegment segment, ByteBuffer bytes, boolean newest) {
        int at = 0;
        while (at < bytes.limit()) {
            GroupRecordCodec.Decoded decoded = GroupRecordCodec.decode(bytes.duplicate().position(at));
            if (!(decoded instanceof GroupRecordCodec.Valid valid)) {
                if (onlyZerosFrom(bytes, at)) {
                    return at; // preallocated space, or a crash before the next record's first non-zero byte
                }
                checkTornTail(segment.path, bytes, at, newest, decoded);
                return at;
            }
            GroupRecord record = valid.record();
            checkHeaderPlace(segment, record, at);
            String problem = wal.replayProblem(record);
            if (problem != null) {
                throw new CorruptStorageException(segment.path, at, problem);
            }
            wal.apply(record, new GroupLog.Location(segment, at, valid.frameBytes(), record.term()));
            at += valid.frameBytes();
        }
        return at;
    }

    private static boolean onlyZerosFrom(ByteBuffer bytes, int from) {
        for (int at = from; at < bytes.limit(); at++) {
            if (bytes.get(at) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void checkHeaderPlace(WalSegment segment, GroupRecord record, int at) {
        boolean isHeader = record.type() == GroupRecordType.SEGMENT_HEADER;
        if (isHeader != (at == 0)) {
            throw new CorruptStorageException(segment.path, at, isHeader
                    ? "a segment header in the middle of a segment" : "the segment does not start with a header");
        }
        if (isHeader && record.index() != segment.sequence) {
            throw new CorruptStorageException(segment.path, at, "the header names segment " + record.index()
                    + ", the file name segment " + segment.sequence);
        }
    }

    /** A damaged record is a torn tail only at the end of the newest segment, with no valid record after it. */
    private static void checkTornTail(Path path, ByteBuffer bytes, int at, boolean newest,
                                      GroupRecordCodec.Decoded decoded) {
        String problem = decoded instanceof GroupRecordCodec.Invalid invalid
                ? invalid.problem() : "the segment ends inside a record";
        if (!newest) {
            throw new CorruptStorageException(path, at, problem + " in a segment that was forced in full");
        }
        for (int later = at + 1; later + GroupRecordCodec.HEADER_BYTES <= bytes.limit(); later++) {
            if (GroupRecordCodec.headerChecksumMatches(bytes, later)) {
                throw new CorruptStorageException(path, at, problem + ", followed by a valid record at byte "
                        + later + ", so not a torn write");
            }
        }
    }
}
