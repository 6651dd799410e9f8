package io.caucus.core;

import java.util.List;

/**
 * The core's read-only view of the durable log. The runtime owns the storage and writes to it as the core's
 * {@link Persist} instructions say; the core only reads. Entries the core has handed out for persistence but
 * not yet been told are durable are kept by the core itself, so this view may lag behind or run ahead of
 * them without harm.
 *
 * <p>Indexes: the log holds entries {@code firstIndex()..lastIndex()}; everything before firstIndex is
 * covered by {@link #snapshot()}, whose last included index is {@code firstIndex() - 1}. An empty log with no
 * snapshot has firstIndex 1 and lastIndex 0.
 */
public interface LogView {

    /** The index of the first entry held, which is the snapshot's last included index + 1. */
    long firstIndex();

    /** The index of the last entry held, or the snapshot's last included index if none is. */
    long lastIndex();

    /**
     * The term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}; at
     * firstIndex - 1 this is the snapshot's last included term (0 for an empty log).
     *
     * @throws IndexOutOfBoundsException outside that range
     */
    long term(long index);

    /**
     * Entries from {@code fromIndex} up to but excluding {@code toIndex}, stopping early once their total
     * {@link LogEntry#sizeBytes()} would pass {@code maxBytes}; at least one entry is returned if the range
     * is not empty, whatever its size.
     *
     * @throws IndexOutOfBoundsException if the range is not within firstIndex..lastIndex + 1
     */
    List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes);

    /** The snapshot covering the log's prefix (index 0 and term 0 when there is none). */
    SnapshotMetadata snapshot();
}
