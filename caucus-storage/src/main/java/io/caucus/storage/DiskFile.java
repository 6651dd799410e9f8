package io.caucus.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** An open file of a {@link Disk}. Positional I/O only: there is no shared file pointer to race on. */
public interface DiskFile extends Closeable {

    long size() throws IOException;

    /** Writes all remaining bytes of {@code source} at {@code position}, or throws. */
    void write(ByteBuffer source, long position) throws IOException;

    /**
     * Reads up to {@code target.remaining()} bytes at {@code position}.
     *
     * @return the number of bytes read, -1 at or past the end of the file
     */
    int read(ByteBuffer target, long position) throws IOException;

    /** Makes every byte written so far durable (fsync / fdatasync). */
    void force() throws IOException;

    /** Cuts the file to {@code size} bytes. */
    void truncate(long size) throws IOException;

    /** Reads exactly {@code target.remaining()} bytes at {@code position}, failing on a short file. */
    default void readFully(ByteBuffer target, long position) throws IOException {
        long at = position;
        while (target.hasRemaining()) {
            int read = read(target, at);
            if (read < 0) {
                throw new java.io.EOFException("file ends at byte " + at + ", " + target.remaining()
                        + " more bytes expected");
            }
            at += read;
        }
    }

    @Override
    void close() throws IOException;
}
