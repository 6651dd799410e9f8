package io.caucus.kv.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.Comparator;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The keys of the store, their values, their expiry times and what WATCH needs to know about their changes.
 * Owned by the apply path of {@link KvStateMachine}; every method takes the time ({@code nowMillis}, the log's
 * stamped time, never a local clock) and, for changes, the log index that makes them, so every replica makes
 * the same change at the same entry.
 *
 * <p>Expiry as Redis does it, made deterministic: a key past its time is invisible to every read at once
 * ({@link #lookup}), is deleted when a write touches it ({@link #lookupForWrite}), and is otherwise deleted by
 * a sweep entry that the leader proposes ({@link #sweep}), which takes the soonest-expiring keys first.
 *
 * <p>Snapshots freeze the table copy-on-write ({@link #freeze}): while frozen, the frozen table is left exactly
 * as it was for a writer on another thread, and every change goes to an overlay; a value is copied into the
 * overlay the first time a write looks it up ({@link #lookupForWrite}), so a frozen hash, set, list or sorted
 * set is never changed in place. {@link #thaw} folds the overlay back.
 *
 * <p>WATCH: every change sets the key's {@link KeyEntry#modifiedIndex()}; a deleted key leaves its deletion
 * index in a bounded table of recent deletions. {@link #changedSince} answers "did this key change after
 * index R?", conservatively true when the answer was forgotten.
 */
public final class Keyspace {

    /** Deletions remembered for WATCH before the table is cleared (and older answers become "changed"). */
    static final int MAX_REMEMBERED_DELETIONS = 16_384;

    /** Marks, in the overlay, a key deleted while the frozen table still holds it. */
    private static final Object TOMBSTONE = new Object();

    /** Keys with a time to live, soonest first. */
    record Expiring(long atMillis, byte[] key) {
    }

    private static final Comparator<Expiring> EXPIRY_ORDER = Comparator.comparingLong(Expiring::atMillis)
            .thenComparing(Expiring::key, Arrays::compareUnsigned);

    private KeyTable base = new KeyTable();
    /** Changes made while frozen (with tombstones); null when not frozen. */
    private KeyTable overlay;
    private long freezes;
    /** Visible keys, expired-but-not-yet-deleted ones included (as Redis's DBSIZE counts them). */
    private long size;
    private final TreeSet<Expiring> expiries = new TreeSet<>(EXPIRY_ORDER);
    private Dict<Long> recentDeletions = new Dict<>();
    /** Changes at or below this index may have been forgotten (deletions cleared, or a FLUSHALL). */
    private long forgottenBelowIndex;

    /** The table of keys: its entries carry the expiry and the last change. */
    static final class KeyTable extends Dict<Object> {
        @Override
        protected Entry<Object> newEntry(byte[] key, int hash, Object value) {
            return new KeyEntry(key, hash, value);
        }

        @Override
        protected Entry<Object> copyEntry(Entry<Object> entry) {
            KeyEntry from = (KeyEntry) entry;
            KeyEntry copy = new KeyEntry(from.key, from.hash, copyValue(from.value));
            copy.expireAtMillis = from.expireAtMillis;
            copy.modifiedIndex = from.modifiedIndex;
            return copy;
        }

        @Override
        protected Dict<Object> emptyLike() {
            return new KeyTable();
        }
    }

    // ------------------------------------------------------------------ reads

    /** The key's entry if it exists and has not expired at {@code nowMillis}; never changes anything. */
    public KeyEntry lookup(byte[] key, long nowMillis) {
        KeyEntry entry = find(key);
        return entry == null || entry.expiredAt(nowMillis) ? null : entry;
    }

    private KeyEntry find(byte[] key) {
        if (overlay != null) {
            Dict.Entry<Object> shadow = overlay.entry(key);
            if (shadow != null) {
                return shadow.value == TOMBSTONE ? null : (KeyEntry) shadow;
            }
        }
        return (KeyEntry) base.entry(key);
    }

    /** Keys, expired ones not yet deleted included (Redis's DBSIZE). */
    public long size() {
        return size;
    }

    /**
     * One SCAN step at {@code cursor}: visits the live keys of one bucket range (each key once), returns the next
     * cursor (0 when done). Cursors do not depend on the table's size (see {@link Dict}).
     */
    public long scan(long cursor, long nowMillis, Consumer<KeyEntry> visit) {
        KeyTable shadowing = overlay;
        return Dict.scan(cursor, base, shadowing, e -> {
            if (shadowing != null) {
                Dict.Entry<Object> current = shadowing.entry(e.key);
                if (current != null && (current != e || e.value == TOMBSTONE)) {
                    return; // a frozen entry the overlay replaces, or a tombstone
                }
            }
            if (!((KeyEntry) e).expiredAt(nowMillis)) {
                visit.accept((KeyEntry) e);
            }
        });
    }

    /** Every live key (KEYS, snapshots of small states in tests); the order is not a contract. */
    public void forEachLive(long nowMillis, Consumer<KeyEntry> visit) {
        long cursor = 0;
        do {
            cursor = scan(cursor, nowMillis, visit);
        } while (cursor != 0);
    }

    /** A live key picked by {@code point} in the content order (RANDOMKEY), or null if there is none. */
    public KeyEntry near(int point, long nowMillis) {
        if (overlay == null) {
            // Expired keys are skipped by moving the point past them; bounded by the table's size.
            Dict.Entry<Object> first = base.near(point);
            Dict.Entry<Object> candidate = first;
            while (candidate != null) {
                if (!((KeyEntry) candidate).expiredAt(nowMillis)) {
                    return (KeyEntry) candidate;
                }
                candidate = base.near(Integer.reverse(Integer.reverse(candidate.hash) + 1));
                if (candidate == first) {
                    return null;
                }
            }
            return null;
        }
        java.util.List<KeyEntry> live = new java.util.ArrayList<>();
        forEachLive(nowMillis, live::add);
        live.sort(Dict::compareContentOrder);
        for (KeyEntry entry : live) {
            if (Integer.compareUnsigned(Integer.reverse(entry.hash), Integer.reverse(point)) >= 0) {
                return entry;
            }
        }
        return live.isEmpty() ? null : live.getFirst();
    }

    // ------------------------------------------------------------------ writes

    /**
     * The key's entry for a write that may change it, or null if it does not exist; an expired key is deleted
     * first (as a change at {@code index}). The entry returned may be changed in place, its value included.
     */
    public KeyEntry lookupForWrite(byte[] key, long nowMillis, long index) {
        KeyEntry entry = find(key);
        if (entry == null) {
            return null;
        }
        if (entry.expiredAt(nowMillis)) {
            delete(key, index);
            return null;
        }
        if (overlay != null && overlay.entry(key) == null) { // first change while frozen: copy
            KeyEntry copy = (KeyEntry) overlay.copyEntry(entry);
            overlay.link(copy);
            return copy;
        }
        return entry;
    }

    /** Creates a key that does not exist (the caller looked it up for write); it has no time to live. */
    public KeyEntry create(byte[] key, Object value, long index) {
        KeyEntry entry;
        if (overlay == null) { // invariant: the key is absent (the caller's lookupForWrite found nothing)
            entry = new KeyEntry(key, Dict.hash(key), value);
            base.link(entry);
        } else {
            entry = (KeyEntry) overlay.put(key, value); // replaces a tombstone, if any
            // That tombstone may be the entry a write copied into the overlay before the key was deleted: it still
            // carries the deleted key's time to live, which the new key must not inherit.
            entry.expireAtMillis = KeyEntry.NO_EXPIRY;
        }
        entry.modifiedIndex = index;
        size++;
        return entry;
    }

    /** Records that {@code entry} (from {@link #lookupForWrite} or {@link #create}) was changed at {@code index}. */
    public void changed(KeyEntry entry, long index) {
        entry.modifiedIndex = index;
    }

    /** Deletes the key if it exists (expired or not); true if it existed. */
    public boolean delete(byte[] key, long index) {
        KeyEntry entry = find(key);
        if (entry == null) {
            return false;
        }
        if (entry.hasExpiry()) {
            expiries.remove(new Expiring(entry.expireAtMillis, entry.key));
        }
        if (overlay == null) {
            base.remove(key);
        } else if (base.containsKey(key)) {
            overlay.put(key, TOMBSTONE);
        } else {
            overlay.remove(key);
        }
        size--;
        rememberDeletion(key, index);
        return true;
    }

    /** Deletes the key if its value (a hash, set, list or sorted set) became empty; true if it did. */
    public boolean deleteIfEmpty(KeyEntry entry, long index) {
        if (isEmptyAggregate(entry.value)) {
            delete(entry.key, index);
            return true;
        }
        return false;
    }

    /** Sets or clears ({@link KeyEntry#NO_EXPIRY}) the time to live of a live entry; counts as a change. */
    public void setExpiry(KeyEntry entry, long atMillis, long index) {
        if (entry.hasExpiry()) {
            expiries.remove(new Expiring(entry.expireAtMillis, entry.key));
        }
        entry.expireAtMillis = atMillis;
        if (entry.hasExpiry()) {
            expiries.add(new Expiring(atMillis, entry.key));
        }
        entry.modifiedIndex = index;
    }

    /**
     * Deletes every key (FLUSHALL). As in redis-server, a WATCH fails only if its key existed: each flushed key is
     * remembered as deleted at {@code index}, while the memory of deletions has room; beyond that, every WATCH older
     * than the flush fails (conservative, never wrongly passing). Flushing an empty key space changes nothing.
     */
    public void clear(long index) {
        if (size == 0) {
            return;
        }
        List<byte[]> flushed = new ArrayList<>();
        boolean remembered = size + recentDeletions.size() <= MAX_REMEMBERED_DELETIONS;
        if (remembered) {
            forEachLive(Long.MIN_VALUE, entry -> flushed.add(entry.key));
        }
        if (overlay == null) {
            base = new KeyTable();
        } else {
            overlay = new KeyTable();
            base.forEach(e -> overlay.put(e.key, TOMBSTONE));
        }
        size = 0;
        expiries.clear();
        if (remembered) {
            flushed.forEach(key -> recentDeletions.put(key, index));
        } else {
            recentDeletions = new Dict<>();
            forgottenBelowIndex = index;
        }
    }

    /**
     * Deletes up to {@code max} keys whose time is past at {@code nowMillis}, soonest first; returns how many.
     * The same on every replica: the order is by (expiry time, key bytes).
     */
    public int sweep(long nowMillis, int max, long index) {
        int deleted = 0;
        while (deleted < max && !expiries.isEmpty() && expiries.first().atMillis() <= nowMillis) {
            Expiring due = expiries.first();
            delete(due.key(), index); // removes it from expiries
            deleted++;
        }
        return deleted;
    }

    /** The earliest expiry time of any key, or {@link Long#MAX_VALUE} if no key has a time to live. */
    public long nextExpiryMillis() {
        return expiries.isEmpty() ? Long.MAX_VALUE : expiries.first().atMillis();
    }

    /** Keys with a time to live (INFO's keyspace line). */
    public int expiringKeys() {
        return expiries.size();
    }

    // ------------------------------------------------------------------ WATCH

    /**
     * True if the key may have changed after log index {@code watchedAtIndex}: created, changed, deleted,
     * expired or flushed. False only when it certainly did not.
     */
    public boolean changedSince(byte[] key, long watchedAtIndex) {
        KeyEntry entry = find(key);
        if (entry != null) {
            return entry.modifiedIndex > watchedAtIndex;
        }
        Long deletedAt = recentDeletions.get(key);
        if (deletedAt != null) {
            return deletedAt > watchedAtIndex;
        }
        return forgottenBelowIndex > watchedAtIndex;
    }

    private void rememberDeletion(byte[] key, long index) {
        if (recentDeletions.size() >= MAX_REMEMBERED_DELETIONS && !recentDeletions.containsKey(key)) {
            recentDeletions = new Dict<>();
            forgottenBelowIndex = index;
        }
        recentDeletions.put(key, index);
    }

    // ------------------------------------------------------------------ snapshots

    /** What a snapshot holds besides the keys: the WATCH memory. */
    public record WatchMemory(long forgottenBelowIndex, java.util.List<Dict.Entry<Long>> recentDeletions) {
    }

    /** The contents frozen by {@link #freeze()}, and which freeze it was (for {@link #thaw(long)}). */
    public record Frozen(Dict<Object> keys, WatchMemory watch, long freeze) {
    }

    /** A copy of the WATCH memory of deleted keys. */
    WatchMemory watchMemory() {
        return new WatchMemory(forgottenBelowIndex, recentDeletions.copy().entries());
    }

    /** Freezes the current keys for a snapshot writer on another thread; changes go to an overlay until thaw. */
    public Frozen freeze() {
        if (overlay != null) {
            throw new IllegalStateException("the keyspace is already frozen for a snapshot");
        }
        overlay = new KeyTable();
        return new Frozen(base, watchMemory(), ++freezes);
    }

    /** Ends freeze number {@code freeze}, folding the overlay into the table; else does nothing. */
    public void thaw(long freeze) {
        if (overlay == null || freeze != freezes) {
            return;
        }
        for (Dict.Entry<Object> change : overlay.entries()) {
            base.remove(change.key);
            if (change.value != TOMBSTONE) {
                change.next = null;
                base.link(change);
            }
        }
        overlay = null;
    }

    public boolean isFrozen() {
        return overlay != null;
    }

    /** Replaces everything with a restored snapshot's contents, ending any freeze. */
    public void replace(KeyTable keys, WatchMemory watch) {
        base = keys;
        overlay = null;
        size = keys.size();
        expiries.clear();
        keys.forEach(e -> {
            KeyEntry entry = (KeyEntry) e;
            if (entry.hasExpiry()) {
                expiries.add(new Expiring(entry.expireAtMillis, entry.key));
            }
        });
        recentDeletions = new Dict<>();
        for (Dict.Entry<Long> deletion : watch.recentDeletions()) {
            recentDeletions.put(deletion.key(), deletion.value());
        }
        forgottenBelowIndex = watch.forgottenBelowIndex();
    }

    /** A new entry for a snapshot reader building a {@link KeyTable}. */
    static KeyEntry restoredEntry(byte[] key, Object value, long expireAtMillis, long modifiedIndex) {
        KeyEntry entry = new KeyEntry(key, Dict.hash(key), value);
        entry.expireAtMillis = expireAtMillis;
        entry.modifiedIndex = modifiedIndex;
        return entry;
    }

    static boolean isEmptyAggregate(Object value) {
        return switch (value) {
            case HashValue hash -> hash.isEmpty();
            case SetValue set -> set.isEmpty();
            case ListValue list -> list.size() == 0;
            case ZSetValue zset -> zset.isEmpty();
            default -> false;
        };
    }

    /** A copy of a value that a write may then change without touching the original (copy-on-write). */
    public static Object copyValue(Object value) {
        return switch (value) {
            case byte[] string -> string; // strings are replaced, never changed in place
            case HashValue hash -> hash.copyOf();
            case SetValue set -> set.copyOf();
            case ListValue list -> list.copy();
            case ZSetValue zset -> zset.copyOf();
            default -> throw new IllegalStateException("unknown value type " + value.getClass());
        };
    }
}
