package io.caucus.kv.state;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The key-value map, with a copy-on-write freeze for snapshots: {@link #freeze()} makes the current map
 * read-only for a snapshot writer on another thread and routes later writes to an overlay (with tombstones
 * for deletions), in O(1); {@link #thaw()} folds the overlay back in once the writer is done. Memory during a
 * snapshot grows only by the keys written meanwhile, never by a copy of the whole state.
 *
 * <p>Invariant: {@code size} is the number of visible keys; while frozen, {@code base} is never modified, so a
 * writer may iterate it without a lock. Not thread-safe otherwise: the owner (KvStateMachine) synchronizes.
 */
final class KvData {

    /** Marks a key deleted in the overlay while the base still holds it. Compared by identity. */
    private static final byte[] TOMBSTONE = new byte[0];

    private Map<ByteKey, byte[]> base = new HashMap<>();
    /** Writes made while frozen; null when not frozen. */
    private Map<ByteKey, byte[]> overlay;
    private long size;
    /** Counts freezes, so that a late thaw of a freeze already ended by a restore does nothing. */
    private long freezes;

    byte[] get(ByteKey key) {
        if (overlay != null) {
            byte[] value = overlay.get(key);
            if (value != null) {
                return value == TOMBSTONE ? null : value;
            }
        }
        return base.get(key);
    }

    boolean containsKey(ByteKey key) {
        return get(key) != null;
    }

    void put(ByteKey key, byte[] value) {
        if (overlay == null) {
            if (base.put(key, value) == null) {
                size++;
            }
        } else {
            if (get(key) == null) {
                size++;
            }
            overlay.put(key, value);
        }
    }

    /** Returns true if the key was present. */
    boolean remove(ByteKey key) {
        if (overlay == null) {
            boolean removed = base.remove(key) != null;
            size -= removed ? 1 : 0;
            return removed;
        }
        if (get(key) == null) {
            return false;
        }
        size--;
        if (base.containsKey(key)) {
            overlay.put(key, TOMBSTONE);
        } else {
            overlay.remove(key);
        }
        return true;
    }

    /** Calls {@code action} for every visible key and its value, in no particular order. */
    void forEach(BiConsumer<ByteKey, byte[]> action) {
        base.forEach((key, value) -> {
            if (overlay == null || !overlay.containsKey(key)) {
                action.accept(key, value);
            }
        });
        if (overlay != null) {
            overlay.forEach((key, value) -> {
                if (value != TOMBSTONE) {
                    action.accept(key, value);
                }
            });
        }
    }

    long size() {
        return size;
    }

    boolean isFrozen() {
        return overlay != null;
    }

    /** The contents frozen by {@link #freeze()}, and which freeze it was (for {@link #thaw(long)}). */
    record Frozen(Map<ByteKey, byte[]> contents, long freeze) {
    }

    /**
     * Freezes the current contents and returns them: they stay unchanged until {@link #thaw}, so they may be
     * read from another thread meanwhile (the caller publishes them safely, e.g. through a lock or a queue).
     */
    Frozen freeze() {
        if (overlay != null) {
            throw new IllegalStateException("the key-value map is already frozen for a snapshot");
        }
        overlay = new HashMap<>();
        return new Frozen(base, ++freezes);
    }

    /** Ends freeze number {@code freeze}, folding the writes made meanwhile into the map; else does nothing. */
    void thaw(long freeze) {
        if (overlay == null || freeze != freezes) {
            return;
        }
        for (Iterator<Map.Entry<ByteKey, byte[]>> it = overlay.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ByteKey, byte[]> write = it.next();
            if (write.getValue() == TOMBSTONE) {
                base.remove(write.getKey());
            } else {
                base.put(write.getKey(), write.getValue());
            }
        }
        overlay = null;
    }

    /** Replaces everything with {@code contents} (a restore), ending any freeze: the old map is left to its reader. */
    void replace(Map<ByteKey, byte[]> contents) {
        base = contents;
        overlay = null;
        size = contents.size();
    }
}
