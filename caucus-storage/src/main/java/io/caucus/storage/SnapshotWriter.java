package io.caucus.storage;

import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Streams one snapshot into a temporary file. {@link #commit()} makes it durable and the newest snapshot;
 * {@link #close()} without a commit abandons it. One thread at a time.
 *
 * <p>Each 256 KiB written is forced at once rather than all of it at the commit. A snapshot's data sits in the
 * page cache until forced, and a log fsync issued meanwhile waits behind whatever of it the disk is writing: on
 * the benchmark host one force of 12 MB holds a log fdatasync (alone 0.1 ms) up to 25-30 ms, while forces every
 * 256 KiB hold it over 2 ms about a fifth as often; forces every 1 MiB are each a stall of their own
 * (docs/benchmarks.md, "What the design rests on"). The snapshot takes a little longer to write; nobody waits
 * for it.
 */
public final class SnapshotWriter extends OutputStream {

    private static final int BUFFER_BYTES = 256 << 10;

    private final SnapshotStore store;
    private final DiskFile file;
    private final Path temporary;
    private final SnapshotMetadata metadata;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
    private final CRC32C crc = new CRC32C();
    private long position;
    private long dataBytes;
    private boolean finished;

    SnapshotWriter(SnapshotStore store, DiskFile file, Path temporary, SnapshotMetadata metadata, byte[] header) {
        this.store = store;
        this.file = file;
        this.temporary = temporary;
        this.metadata = metadata;
        buffer.put(header);
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        requireOpen();
        crc.update(bytes, offset, length);
        dataBytes += length;
        int at = offset;
        int left = length;
        while (left > 0) {
            int chunk = Math.min(left, buffer.remaining());
            buffer.put(bytes, at, chunk);
            at += chunk;
            left -= chunk;
            if (!buffer.hasRemaining()) {
                flushBuffer();
                forceWritten();
            }
        }
    }

    /** Writes the trailer, forces the file and publishes it; returns the snapshot's metadata. */
    public SnapshotMetadata commit() {
        requireOpen();
        if (buffer.remaining() < SnapshotStore.TRAILER_BYTES) {
            flushBuffer();
        }
        buffer.putLong(dataBytes).putInt((int) crc.getValue()).putInt(SnapshotStore.TRAILER_MAGIC);
        flushBuffer();
        try {
            file.force();
            file.close();
        } catch (IOException e) {
            abandon();
            throw store.fail("cannot force snapshot " + temporary, e);
        }
        finished = true;
        store.publish(temporary, metadata);
        return metadata;
    }

    /** Abandons the snapshot unless it was committed. */
    @Override
    public void close() {
        if (!finished) {
            abandon();
        }
    }

    private void abandon() {
        finished = true;
        try {
            file.close();
        } catch (IOException ignored) {
            // the temporary file is deleted below or, failing that, on the next open
        }
        try {
            store.deleteTemporary(temporary);
        } catch (IOException ignored) {
            // left for the next open to delete
        }
    }

    private void flushBuffer() {
        buffer.flip();
        try {
            int length = buffer.remaining();
            file.write(buffer, position);
            position += length;
        } catch (IOException e) {
            abandon();
            throw store.fail("cannot write snapshot " + temporary, e);
        } finally {
            buffer.clear();
        }
    }

    private void forceWritten() {
        try {
            file.force();
        } catch (IOException e) {
            abandon();
            throw store.fail("cannot force snapshot " + temporary, e);
        }
    }

    private void requireOpen() {
        if (finished) {
            throw new IllegalStateException("snapshot writer for " + metadata + " is already committed or closed");
        }
        store.requireWorking();
    }
}
