package io.caucus.storage.multi;

/**
 * Limits of a {@link SharedWal}.
 *
 * @param segmentBytes     the size past which the next write starts a new segment
 * @param preallocateBytes zeros written ahead of the end of the active segment, this much at a time (0: none),
 *                         so that an fsync overwrites blocks the file has instead of growing it
 *                         (docs/storage.md, "Preallocation")
 */
public record SharedWalOptions(long segmentBytes, int preallocateBytes) {

    public static final SharedWalOptions DEFAULTS = new SharedWalOptions(64L << 20, 64 << 10);

    public SharedWalOptions {
        if (segmentBytes < GroupRecordCodec.HEADER_BYTES) {
            throw new IllegalArgumentException("segment size " + segmentBytes + " is below one record header");
        }
        if (preallocateBytes < 0 || preallocateBytes > 64 << 20) {
            throw new IllegalArgumentException("preallocateBytes must be in 0.." + (64 << 20) + ": "
                    + preallocateBytes);
        }
    }

    public SharedWalOptions withSegmentBytes(long bytes) {
        return new SharedWalOptions(bytes, preallocateBytes);
    }

    public SharedWalOptions withPreallocateBytes(int bytes) {
        return new SharedWalOptions(segmentBytes, bytes);
    }
}
