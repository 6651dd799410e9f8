package io.caucus.storage.multi;

/**
 * Limits of a {@link SharedWal}.
 *
 * @param segmentBytes     the size past which the next write starts a new segment
 * @param preallocateBytes zeros written ahead of the end of the active segment, this much at a time (0: none),
 *                         so that an fsync overwrites blocks the file has instead of growing it
 *                         (docs/storage.md, "Preallocation")
 * @param rewriteBelow     when the entries groups still hold in the oldest segment total less than this fraction
 *                         of its bytes, a sync copies them into the active segment so the old one can go
 *                         (0: never); see {@link SharedWal}
 * @param cacheBytes       bytes of recent entries kept in memory for all the groups together (0: none), so that
 *                         applying and replicating what was just written reads no file; when the groups' caches
 *                         hold more, the group written longest ago loses its cache first
 */
public record SharedWalOptions(long segmentBytes, int preallocateBytes, double rewriteBelow, long cacheBytes) {

    public static final long DEFAULT_CACHE_BYTES = 64L << 20;
    public static final SharedWalOptions DEFAULTS = new SharedWalOptions(64L << 20, 64 << 10, 0.1,
            DEFAULT_CACHE_BYTES);

    public SharedWalOptions(long segmentBytes, int preallocateBytes, double rewriteBelow) {
        this(segmentBytes, preallocateBytes, rewriteBelow, DEFAULT_CACHE_BYTES);
    }

    public SharedWalOptions {
        if (segmentBytes < GroupRecordCodec.HEADER_BYTES) {
            throw new IllegalArgumentException("segment size " + segmentBytes + " is below one record header");
        }
        if (preallocateBytes < 0 || preallocateBytes > 64 << 20) {
            throw new IllegalArgumentException("preallocateBytes must be in 0.." + (64 << 20) + ": "
                    + preallocateBytes);
        }
        if (!(rewriteBelow >= 0 && rewriteBelow <= 1)) {
            throw new IllegalArgumentException("rewriteBelow must be in 0..1: " + rewriteBelow);
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must not be negative: " + cacheBytes);
        }
    }

    public SharedWalOptions withSegmentBytes(long bytes) {
        return new SharedWalOptions(bytes, preallocateBytes, rewriteBelow, cacheBytes);
    }

    public SharedWalOptions withPreallocateBytes(int bytes) {
        return new SharedWalOptions(segmentBytes, bytes, rewriteBelow, cacheBytes);
    }

    public SharedWalOptions withRewriteBelow(double fraction) {
        return new SharedWalOptions(segmentBytes, preallocateBytes, fraction, cacheBytes);
    }

    public SharedWalOptions withCacheBytes(long bytes) {
        return new SharedWalOptions(segmentBytes, preallocateBytes, rewriteBelow, bytes);
    }
}
