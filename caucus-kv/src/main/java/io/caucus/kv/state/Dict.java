package io.caucus.kv.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A hash table of binary-safe byte-string keys, the one structure behind the keyspace, hashes, sets and sorted
 * sets. What a client can observe of it depends on the keys alone, never on the table's size or history:
 *
 * <ul>
 *   <li>the hash is a fixed function of the key's bytes ({@link #hash}), the same in every JVM;</li>
 *   <li>a SCAN cursor walks the buckets in reverse-binary order, as Redis's dictScan does, so every key present
 *       for the whole iteration is returned even if the table grows or shrinks between calls, and a cursor
 *       handed out by one replica (or before a snapshot restore, which builds tables of another size) is
 *       valid on every other;</li>
 *   <li>{@link #near} picks "the first key at or after a point" in one total order of the keys, the reversed
 *       hash then the bytes, so a random choice seeded from the log (SPOP, SRANDMEMBER) picks the same key on
 *       every replica even though their tables differ in size.</li>
 * </ul>
 *
 * <p>Chained buckets, power-of-two table, grown past one key per bucket and shrunk below one per eight. Not
 * thread-safe.
 */
public class Dict<V> {

    private static final int MIN_CAPACITY = 4;
    private static final int SEED = 0x5eed_ca11;

    /** One key and its value; subclasses add per-key metadata (see {@link KeyEntry}). */
    public static class Entry<V> {
        final byte[] key;
        final int hash;
        V value;
        Entry<V> next;

        protected Entry(byte[] key, int hash, V value) {
            this.key = key;
            this.hash = hash;
            this.value = value;
        }

        /** The key's bytes, not copied: never change them. */
        public final byte[] key() {
            return key;
        }

        public final V value() {
            return value;
        }

        public final void value(V newValue) {
            this.value = newValue;
        }
    }

    private Entry<V>[] table = newTable(MIN_CAPACITY);
    private int size;

    /** Makes the entry for a new key; {@link KeyEntry}'s table overrides it. */
    protected Entry<V> newEntry(byte[] key, int hash, V value) {
        return new Entry<>(key, hash, value);
    }

    /** Copies one entry for {@link #copy()}: the same key and value, metadata included. */
    protected Entry<V> copyEntry(Entry<V> entry) {
        return newEntry(entry.key, entry.hash, entry.value);
    }

    /** Makes an empty table of the same kind, for {@link #copy()}. */
    protected Dict<V> emptyLike() {
        return new Dict<>();
    }

    public final int size() {
        return size;
    }

    public final boolean isEmpty() {
        return size == 0;
    }

    public final Entry<V> entry(byte[] key) {
        int hash = hash(key);
        for (Entry<V> e = table[hash & (table.length - 1)]; e != null; e = e.next) {
            if (e.hash == hash && Arrays.equals(e.key, key)) {
                return e;
            }
        }
        return null;
    }

    public final V get(byte[] key) {
        Entry<V> entry = entry(key);
        return entry == null ? null : entry.value;
    }

    public final boolean containsKey(byte[] key) {
        return entry(key) != null;
    }

    /** Sets {@code key} to {@code value}; returns the entry, new or existing. The key array is kept, not copied. */
    public final Entry<V> put(byte[] key, V value) {
        Entry<V> existing = entry(key);
        if (existing != null) {
            existing.value = value;
            return existing;
        }
        Entry<V> entry = newEntry(key, hash(key), value);
        link(entry);
        return entry;
    }

    /** Adds {@code key} if absent; returns true if it was added. */
    public final boolean add(byte[] key, V value) {
        if (entry(key) != null) {
            return false;
        }
        link(newEntry(key, hash(key), value));
        return true;
    }

    /** Adds an entry whose key is known to be absent (a copy, a restore). */
    public final void link(Entry<V> entry) {
        if (size >= table.length && table.length < (1 << 30)) {
            resize(table.length * 2);
        }
        int bucket = entry.hash & (table.length - 1);
        entry.next = table[bucket];
        table[bucket] = entry;
        size++;
    }

    /** Removes {@code key}; returns its entry, or null if it was absent. */
    public final Entry<V> remove(byte[] key) {
        int hash = hash(key);
        int bucket = hash & (table.length - 1);
        Entry<V> previous = null;
        for (Entry<V> e = table[bucket]; e != null; previous = e, e = e.next) {
            if (e.hash == hash && Arrays.equals(e.key, key)) {
                if (previous == null) {
                    table[bucket] = e.next;
                } else {
                    previous.next = e.next;
                }
                e.next = null;
                size--;
                if (size < table.length / 8 && table.length > MIN_CAPACITY) {
                    resize(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(size, 1)) * 2));
                }
                return e;
            }
        }
        return null;
    }

    public final void clear() {
        table = newTable(MIN_CAPACITY);
        size = 0;
    }

    /** Every entry, in bucket order (not a contract: callers that show order to a client sort or use scan). */
    public final void forEach(Consumer<Entry<V>> action) {
        for (Entry<V> head : table) {
            for (Entry<V> e = head; e != null; e = e.next) {
                action.accept(e);
            }
        }
    }

    /** Every entry in a list, so the caller may change the table while going through it. */
    public final List<Entry<V>> entries() {
        List<Entry<V>> all = new ArrayList<>(size);
        forEach(all::add);
        return all;
    }

    /** A table with copies of every entry (same key and value objects), for copy-on-write. */
    public final Dict<V> copy() {
        Dict<V> copy = emptyLike();
        copy.table = newTable(table.length);
        forEach(e -> copy.link(copyEntry(e)));
        return copy;
    }

    /**
     * Visits one step of a SCAN at {@code cursor} and returns the next cursor (0 when the scan is complete). The
     * cursor is table-size independent: see the class comment.
     */
    @SuppressWarnings("unchecked")
    public final long scan(long cursor, Consumer<Entry<V>> visit) {
        return scan(cursor, this, null, e -> visit.accept((Entry<V>) e));
    }

    /**
     * One SCAN step over the union of two tables ({@code second} may be null), visiting every entry of both
     * whose hash falls in the cursor's bucket of the smaller table (Redis's scan during a rehash). Entries of
     * both tables that share a key are both visited; the caller resolves which one counts.
     */
    public static <A, B> long scan(long cursor, Dict<A> first, Dict<B> second, Consumer<Entry<?>> visit) {
        int v = (int) cursor;
        if (second == null || second.table.length == first.table.length) {
            int mask = first.table.length - 1;
            visitBucket(first.table[v & mask], visit);
            if (second != null) {
                visitBucket(second.table[v & mask], visit);
            }
            return Integer.toUnsignedLong(advance(v, mask));
        }
        Dict<?> small = first.table.length < second.table.length ? first : second;
        Dict<?> large = small == first ? second : first;
        int smallMask = small.table.length - 1;
        int largeMask = large.table.length - 1;
        visitBucket(small.table[v & smallMask], visit);
        do { // every bucket of the large table that expands the small table's bucket
            visitBucket(large.table[v & largeMask], visit);
            v = (((v | smallMask) + 1) & ~smallMask) | (v & smallMask);
        } while ((v & (smallMask ^ largeMask)) != 0);
        return Integer.toUnsignedLong(advance(v, smallMask));
    }

    private static void visitBucket(Entry<?> head, Consumer<Entry<?>> visit) {
        for (Entry<?> e = head; e != null; e = e.next) {
            visit.accept(e);
        }
    }

    /** The reverse-binary increment of the bucket index under {@code mask}: the next SCAN cursor. */
    private static int advance(int cursor, int mask) {
        int v = cursor | ~mask;
        v = Integer.reverse(v);
        v++;
        return Integer.reverse(v);
    }

    /**
     * The entry at or after {@code point} in the content order of keys (reversed hash, then bytes), wrapping
     * around; null if empty. A seeded {@code point} makes a random choice that every replica agrees on.
     */
    public final Entry<V> near(int point) {
        if (size == 0) {
            return null;
        }
        int mask = table.length - 1;
        int start = point & mask;
        Entry<V> best = smallestInBucket(table[start], true, Integer.reverse(point));
        if (best != null) {
            return best;
        }
        int v = advance(start, mask);
        while (true) { // terminates: the table is not empty, and past the wrap every entry qualifies
            best = smallestInBucket(table[v], false, 0);
            if (best != null) {
                return best;
            }
            v = advance(v, mask);
        }
    }

    /** The smallest entry of a bucket, of those whose reversed hash is at least the floor if any; or null. */
    private static <V> Entry<V> smallestInBucket(Entry<V> head, boolean hasFloor, int floorReversed) {
        Entry<V> best = null;
        for (Entry<V> e = head; e != null; e = e.next) {
            int reversed = Integer.reverse(e.hash);
            if (hasFloor && Integer.compareUnsigned(reversed, floorReversed) < 0) {
                continue;
            }
            if (best == null || compareContentOrder(e, best) < 0) {
                best = e;
            }
        }
        return best;
    }

    /** The total order of keys that {@link #near} and {@link #sortedEntries} use. */
    static int compareContentOrder(Entry<?> a, Entry<?> b) {
        int byHash = Integer.compareUnsigned(Integer.reverse(a.hash), Integer.reverse(b.hash));
        return byHash != 0 ? byHash : Arrays.compareUnsigned(a.key, b.key);
    }

    /** Every entry in the content order: the same list on every replica, whatever the table's history. */
    public final List<Entry<V>> sortedEntries() {
        List<Entry<V>> all = entries();
        all.sort(Dict::compareContentOrder);
        return all;
    }

    private void resize(int capacity) {
        Entry<V>[] old = table;
        table = newTable(capacity);
        int mask = capacity - 1;
        for (Entry<V> head : old) {
            Entry<V> e = head;
            while (e != null) {
                Entry<V> next = e.next;
                int bucket = e.hash & mask;
                e.next = table[bucket];
                table[bucket] = e;
                e = next;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <V> Entry<V>[] newTable(int capacity) {
        return (Entry<V>[]) new Entry<?>[capacity];
    }

    /**
     * MurmurHash3 (x86, 32-bit) of the key with a fixed seed. Part of the replicated semantics: SCAN cursors and
     * seeded random picks depend on it, so it may only change with a new snapshot format version.
     */
    public static int hash(byte[] key) {
        int h = SEED;
        int length = key.length;
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            int k = (key[i] & 0xFF) | (key[i + 1] & 0xFF) << 8 | (key[i + 2] & 0xFF) << 16 | key[i + 3] << 24;
            h ^= mixK(k);
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        int rest = length & 3;
        if (rest > 0) {
            int tail = key[i] & 0xFF;
            if (rest > 1) {
                tail ^= (key[i + 1] & 0xFF) << 8;
            }
            if (rest > 2) {
                tail ^= (key[i + 2] & 0xFF) << 16;
            }
            h ^= mixK(tail);
        }
        h ^= length;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int mixK(int k) {
        return Integer.rotateLeft(k * 0xcc9e2d51, 15) * 0x1b873593;
    }
}
