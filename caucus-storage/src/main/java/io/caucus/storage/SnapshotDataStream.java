package io.caucus.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** The data section of a snapshot file, checked against the trailer's length and checksum at its end. */
final class SnapshotDataStream extends InputStream {

    private final Path file;
    private final DiskFile handle;
    private final long dataStart;
    private final long dataEnd;
    private final CRC32C crc = new CRC32C();
    private final Runnable onClose;
    private long position;
    private boolean verified;
    private boolean closed;

    /** {@code onClose} runs once, when the stream is first closed. */
    SnapshotDataStream(Path file, DiskFile handle, long dataStart, long dataEnd, Runnable onClose) {
        if (dataEnd < dataStart) {
            throw new CorruptStorageException(file, dataStart, "snapshot file ends inside its header");
        }
        this.file = file;
        this.handle = handle;
        this.dataStart = dataStart;
        this.dataEnd = dataEnd;
        this.position = dataStart;
        this.onClose = onClose;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position >= dataEnd) {
            verifyTrailer();
            return -1;
        }
        int wanted = (int) Math.min(length, dataEnd - position);
        int read = handle.read(ByteBuffer.wrap(target, offset, wanted), position);
        if (read < 0) {
            throw new CorruptStorageException(file, position, "snapshot file shrank while being read");
        }
        crc.update(target, offset, read);
        position += read;
        return read;
    }

    private void verifyTrailer() throws IOException {
        if (verified) {
            return;
        }
        ByteBuffer trailer = ByteBuffer.allocate(SnapshotStore.TRAILER_BYTES);
        handle.readFully(trailer, dataEnd);
        if (trailer.getInt(12) != SnapshotStore.TRAILER_MAGIC) {
            throw new CorruptStorageException(file, dataEnd + 12, "snapshot trailer missing: the file is incomplete");
        }
        if (trailer.getLong(0) != dataEnd - dataStart) {
            throw new CorruptStorageException(file, dataEnd, "snapshot trailer records " + trailer.getLong(0)
                    + " data bytes but the file holds " + (dataEnd - dataStart));
        }
        if (trailer.getInt(8) != (int) crc.getValue()) {
            throw new CorruptStorageException(file, dataEnd + 8, "snapshot data checksum mismatch");
        }
        verified = true;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            handle.close();
        } finally {
            onClose.run();
        }
    }
}
