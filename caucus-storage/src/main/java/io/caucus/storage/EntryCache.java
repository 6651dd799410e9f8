package io.caucus.storage;

import io.caucus.core.LogEntry;

/**
 * The most recent entries, kept in memory up to a byte budget (counted as {@link LogEntry#sizeBytes()}):
 * a contiguous run ending at the log's last index, since followers and the apply loop mostly read near the
 * tail. Older entries are read back from disk. Owner thread only.
 *
 * <p>Public for the shared WAL's group logs ({@code io.caucus.storage.multi}); not an interface for embedders.
 */
public final class EntryCache {

    /** Starts small and doubles: a host of 10,000 groups holds as many caches, most with an entry or two. */
    private static final int INITIAL_CAPACITY = 4;

    private final long maxBytes;
    private LogEntry[] ring = new LogEntry[INITIAL_CAPACITY];
    private int head;
    private int count;
    private long firstIndex = 1;
    private long bytes;

    public EntryCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Adds the entry after the cached run (or starts a new run if it does not follow), then evicts the oldest. */
    public void append(LogEntry entry) {
        if (entry.sizeBytes() > maxBytes) {
            clear();
            firstIndex = entry.index() + 1;
            return;
        }
        if (count > 0 && entry.index() != firstIndex + count) {
            clear();
        }
        if (count == 0) {
            firstIndex = entry.index();
        }
        if (count == ring.length) {
            grow();
        }
        ring[(head + count) % ring.length] = entry;
        count++;
        bytes += entry.sizeBytes();
        while (bytes > maxBytes) {
            evictOldest();
        }
    }

    /** The cached entry at {@code index}, or null. */
    public LogEntry get(long index) {
        if (index < firstIndex || index >= firstIndex + count) {
            return null;
        }
        return ring[(head + (int) (index - firstIndex)) % ring.length];
    }

    public void truncateFrom(long index) {
        while (count > 0 && firstIndex + count - 1 >= index) {
            int slot = (head + count - 1) % ring.length;
            bytes -= ring[slot].sizeBytes();
            ring[slot] = null;
            count--;
        }
    }

    public void dropThrough(long index) {
        while (count > 0 && firstIndex <= index) {
            evictOldest();
        }
    }

    /** Empties the cache and gives back its array (a group the shared WAL's budget evicted may stay idle for long). */
    public void clear() {
        while (count > 0) {
            evictOldest();
        }
        if (ring.length > INITIAL_CAPACITY) {
            ring = new LogEntry[INITIAL_CAPACITY];
            head = 0;
        }
    }

    public long bytes() {
        return bytes;
    }

    private void evictOldest() {
        bytes -= ring[head].sizeBytes();
        ring[head] = null;
        head = (head + 1) % ring.length;
        count--;
        firstIndex++;
    }

    private void grow() {
        LogEntry[] larger = new LogEntry[ring.length * 2];
        for (int i = 0; i < count; i++) {
            larger[i] = ring[(head + i) % ring.length];
        }
        ring = larger;
        head = 0;
    }
}
