package io.caucus.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Decodes frames at arbitrary offsets of one segment file through a window of buffered bytes. */
final class SegmentReader {

    private static final int WINDOW_BYTES = 1 << 20;

    private final DiskFile file;
    private final long fileSize;
    private final int maxPayloadBytes;
    private ByteBuffer window;
    private long windowStart = -1;

    /** The window is no larger than the file: recovery opens every segment, and most hold a few records. */
    SegmentReader(DiskFile file, long fileSize, int maxPayloadBytes) {
        this.file = file;
        this.fileSize = fileSize;
        this.maxPayloadBytes = maxPayloadBytes;
        this.window = ByteBuffer.allocate((int) Math.min(WINDOW_BYTES, Math.max(fileSize, RecordCodec.HEADER_BYTES)));
    }

    RecordCodec.Decoded decodeAt(long position) throws IOException {
        ensure(position, RecordCodec.HEADER_BYTES);
        RecordCodec.Decoded decoded = decodeInWindow(position);
        if (decoded instanceof RecordCodec.Incomplete incomplete && position + incomplete.neededBytes() <= fileSize) {
            ensure(position, incomplete.neededBytes());
            decoded = decodeInWindow(position);
        }
        return decoded;
    }

    /**
     * The first offset after {@code from} at which a whole valid frame starts, or -1. Used to tell a torn
     * append (nothing valid after the damage) from damage inside the log (valid records after it). The header
     * checksum makes the per-byte test cheap: a full decode runs only where a header checks out.
     */
    long firstValidFrameAfter(long from) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] header = new byte[RecordCodec.HEADER_BYTES];
        for (long at = from + 1; at + RecordCodec.HEADER_BYTES <= fileSize; at++) {
            ensure(at, RecordCodec.HEADER_BYTES);
            int inWindow = (int) (at - windowStart);
            window.get(inWindow, header);
            crc.reset();
            crc.update(header, 0, 25);
            int stored = ByteBuffer.wrap(header).getInt(25);
            if ((int) crc.getValue() == stored && decodeAt(at) instanceof RecordCodec.Valid) {
                return at;
            }
        }
        return -1;
    }

    /** True if every byte from {@code from} to the end of the file is zero (preallocated, never written). */
    boolean onlyZerosFrom(long from) throws IOException {
        for (long at = from; at < fileSize; ) {
            ensure(at, Math.min(window.capacity(), fileSize - at));
            int start = (int) (at - windowStart);
            for (int i = start; i < window.limit(); i++) {
                if (window.get(i) != 0) {
                    return false;
                }
            }
            at = windowStart + window.limit();
        }
        return true;
    }

    private RecordCodec.Decoded decodeInWindow(long position) {
        ByteBuffer view = window.duplicate();
        view.position((int) (position - windowStart));
        return RecordCodec.decode(view, maxPayloadBytes);
    }

    private void ensure(long position, long bytes) throws IOException {
        long wantedEnd = Math.min(fileSize, position + bytes);
        if (windowStart >= 0 && position >= windowStart && wantedEnd <= windowStart + window.limit()) {
            return;
        }
        if (bytes > window.capacity()) {
            window = ByteBuffer.allocate((int) Math.min(bytes, Integer.MAX_VALUE - 8));
        }
        window.clear();
        window.limit((int) Math.min(window.capacity(), fileSize - position));
        file.readFully(window, position);
        window.flip();
        windowStart = position;
    }
}
