package io.caucus.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Keeps zeros written ahead of the records of a log file, so that appends overwrite blocks the file already has
 * and the fsync after them needs no journal commit for a new file size or newly allocated blocks
 * (docs/storage.md, "Preallocation"). The zeros need no fsync of their own: the next one carries them, and
 * recovery reads zeros from a record boundary to the end of a file as unused space. Used by {@link DurableLog}
 * and by the shared WAL ({@code io.caucus.storage.multi}); one owner thread per instance.
 */
public final class Preallocation {

    private final int chunkBytes;
    /** All zeros (a new direct buffer is zeroed and this one is only ever read). */
    private ByteBuffer zeros;

    /** @param chunkBytes how many zeros to write at a time; 0 turns preallocation off */
    public Preallocation(int chunkBytes) {
        if (chunkBytes < 0) {
            throw new IllegalArgumentException("preallocation chunk must not be negative: " + chunkBytes);
        }
        this.chunkBytes = chunkBytes;
    }

    /**
     * Writes the next chunk of zeros once fewer than half a chunk are left past the records, never past
     * {@code limitBytes}.
     *
     * @param recordsEnd   where the file's records end
     * @param allocatedEnd how far the file holds records or zeros already
     * @return how far the file holds records or zeros now
     */
    public long extend(DiskFile file, long recordsEnd, long allocatedEnd, long limitBytes) throws IOException {
        if (chunkBytes == 0 || allocatedEnd - recordsEnd >= chunkBytes / 2) {
            return allocatedEnd;
        }
        long from = Math.max(allocatedEnd, recordsEnd);
        long to = Math.min(from + chunkBytes, limitBytes);
        if (to <= from) {
            return allocatedEnd;
        }
        if (zeros == null) {
            zeros = ByteBuffer.allocateDirect(chunkBytes);
        }
        zeros.clear().limit((int) (to - from));
        file.write(zeros, from);
        return to;
    }
}
