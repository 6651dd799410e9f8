package io.caucus.storage;

import io.caucus.core.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads entries back: from the cache when it has them, otherwise from their segment, fetching each run of
 * adjacent frames with one read and checking every frame again (checksums, and that it is the entry the index
 * says is there), so data damaged after recovery is refused rather than served. Owner thread only.
 */
final class LogReader {

    private static final int MAX_RUN_BYTES = 4 << 20;

    private final TreeMap<Long, Segment> segments;
    private final EntryLocations locations;

    LogReader(TreeMap<Long, Segment> segments, EntryLocations locations) {
        this.segments = segments;
        this.locations = locations;
    }

    List<LogEntry> read(long fromIndex, long toIndex, EntryCache cache) throws IOException {
        List<LogEntry> out = new ArrayList<>((int) Math.min(toIndex - fromIndex, 1 << 16));
        long index = fromIndex;
        while (index < toIndex) {
            LogEntry cached = cache.get(index);
            if (cached != null) {
                out.add(cached);
                index++;
            } else {
                index = readRun(index, toIndex, cache, out);
            }
        }
        return out;
    }

    /** Reads uncached entries from {@code index} that sit back to back in one segment; returns the next index. */
    private long readRun(long index, long toIndex, EntryCache cache, List<LogEntry> out) throws IOException {
        long sequence = locations.segment(index);
        long start = locations.offset(index);
        long end = start;
        long next = index;
        while (next < toIndex && cache.get(next) == null && locations.segment(next) == sequence
                && locations.offset(next) == end && (next == index || end - start < MAX_RUN_BYTES)) {
            end += locations.frameBytes(next);
            next++;
        }
        Segment segment = segments.get(sequence);
        ByteBuffer bytes = ByteBuffer.allocate((int) (end - start));
        segment.file.readFully(bytes, start);
        bytes.flip();
        for (long at = index; at < next; at++) {
            long offset = start + bytes.position();
            RecordCodec.Decoded decoded = RecordCodec.decode(bytes, RecordCodec.MAX_PAYLOAD_BYTES);
            if (!(decoded instanceof RecordCodec.Valid valid) || !valid.record().type().isEntry()
                    || valid.record().index() != at || valid.record().term() != locations.term(at)
                    || valid.frameBytes() != locations.frameBytes(at)) {
                throw new CorruptStorageException(segment.path, offset, "entry " + at + " read back from disk is not"
                        + " the entry written there (" + describe(decoded) + "): the file changed under the"
                        + " running server");
            }
            out.add(valid.record().toEntry());
            bytes.position(bytes.position() + valid.frameBytes());
        }
        return next;
    }

    private static String describe(RecordCodec.Decoded decoded) {
        return switch (decoded) {
            case RecordCodec.Valid valid -> "found " + valid.record().type() + " " + valid.record().index()
                    + "/t" + valid.record().term();
            case RecordCodec.Incomplete incomplete -> "frame cut short";
            case RecordCodec.Invalid invalid -> invalid.problem();
        };
    }
}
