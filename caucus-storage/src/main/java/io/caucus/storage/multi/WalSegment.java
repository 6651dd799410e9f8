package io.caucus.storage.multi;

import io.caucus.storage.DiskFile;
import java.nio.file.Path;

/**
 * One file of the shared WAL: its number, its open file and the bytes of valid records it holds ({@code size});
 * past them the file may hold zeros written ahead by preallocation, up to {@code allocatedBytes}.
 */
final class WalSegment {

    final long sequence;
    final Path path;
    final DiskFile file;
    long size;
    long allocatedBytes;
    /** Frame bytes of the entries groups hold here (originals or copies), for the rewriting policy. */
    long liveBytes;

    WalSegment(long sequence, Path path, DiskFile file, long size) {
        this.sequence = sequence;
        this.path = path;
        this.file = file;
        this.size = size;
    }

    static String fileName(long sequence) {
        return String.format("%020d.wal", sequence);
    }

    /** The segment number a file name stands for, or -1 if the name is not a segment's. */
    static long sequenceOf(String fileName) {
        if (!fileName.matches("[0-9]{20}\\.wal")) {
            return -1;
        }
        return Long.parseLong(fileName.substring(0, 20));
    }
}
