package io.caucus.storage;

/**
 * Limits of a store.
 *
 * @param segmentBytes       a new segment file is started once the current one would pass this size
 * @param maxEntryBytes      the largest payload an entry may have
 * @param cacheBytes         payload bytes of recent entries kept in memory; older entries are read from disk
 * @param snapshotsRetained  how many of the newest snapshots to keep (at least 1)
 * @param preallocateBytes   zeros written ahead of the end of the active segment, this much at a time (0: none).
 *                           Overwriting blocks the file already has lets an fsync skip the journal commit that
 *                           growing the file needs: on ext4 here it halved the time and the CPU of each fsync
 *                           (docs/storage.md, "Preallocation"). Small chunks (default 64 KiB) keep the fsync
                           that carries them short
 */
public record StorageOptions(long segmentBytes, int maxEntryBytes, long cacheBytes, int snapshotsRetained,
                             int preallocateBytes) {

    public static final StorageOptions DEFAULTS = new StorageOptions(64L << 20, 8 << 20, 32L << 20, 2, 64 << 10);

    public StorageOptions {
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("segmentBytes must be at least 4096: " + segmentBytes);
        }
        if (maxEntryBytes < 1 || maxEntryBytes > RecordCodec.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("maxEntryBytes must be in 1.." + RecordCodec.MAX_PAYLOAD_BYTES
                    + ": " + maxEntryBytes);
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must not be negative: " + cacheBytes);
        }
        if (snapshotsRetained < 1) {
            throw new IllegalArgumentException("snapshotsRetained must be at least 1: " + snapshotsRetained);
        }
        if (preallocateBytes < 0 || preallocateBytes > 64 << 20) {
            throw new IllegalArgumentException("preallocateBytes must be in 0.." + (64 << 20) + ": "
                    + preallocateBytes);
        }
    }

    public StorageOptions withSegmentBytes(long bytes) {
        return new StorageOptions(bytes, maxEntryBytes, cacheBytes, snapshotsRetained, preallocateBytes);
    }

    public StorageOptions withMaxEntryBytes(int bytes) {
        return new StorageOptions(segmentBytes, bytes, cacheBytes, snapshotsRetained, preallocateBytes);
    }

    public StorageOptions withCacheBytes(long bytes) {
        return new StorageOptions(segmentBytes, maxEntryBytes, bytes, snapshotsRetained, preallocateBytes);
    }

    public StorageOptions withSnapshotsRetained(int count) {
        return new StorageOptions(segmentBytes, maxEntryBytes, cacheBytes, count, preallocateBytes);
    }

    public StorageOptions withPreallocateBytes(int bytes) {
        return new StorageOptions(segmentBytes, maxEntryBytes, cacheBytes, snapshotsRetained, bytes);
    }
}
