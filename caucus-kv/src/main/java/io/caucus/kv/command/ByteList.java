package io.caucus.kv.command;

import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The value of a Redis list: byte strings in a circular array, so that both ends (LPUSH, RPUSH, LPOP, RPOP,
 * and queues that push at one end and pop at the other) cost O(1), and so does LINDEX / LSET at any index.
 * LINSERT and LREM-style removals in the middle move the shorter side, O(n). Redis itself uses a quicklist
 * ({@code quicklist.c}) of listpacks; this keeps its behaviour, not its layout.
 *
 * <p>The array doubles when full and halves when at most a quarter full (never below
 * {@value #MIN_CAPACITY}), so a drained queue gives its memory back. Elements are never null and never
 * changed once added (by convention: they are not copied), which is what makes {@link #copy()} cheap enough
 * for snapshots and MULTI rollbacks. Not thread-safe.
 */
public final class ByteList implements Iterable<byte[]> {

    static final int MIN_CAPACITY = 8;

    private byte[][] elements;
    private int head;
    private int size;
    private int modifications;

    public ByteList() {
        elements = new byte[MIN_CAPACITY][];
    }

    /** A list with room for {@code capacity} elements before it grows. */
    public ByteList(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("negative capacity " + capacity);
        }
        elements = new byte[Math.max(MIN_CAPACITY, capacity)][];
    }

    private ByteList(byte[][] elements, int size) {
        this.elements = elements;
        this.size = size;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** LPUSH of one element. */
    public void addFirst(byte[] element) {
        Objects.requireNonNull(element, "element");
        growIfFull();
        head = (head - 1) & (elements.length - 1);
        elements[head] = element;
        size++;
        modifications++;
    }

    /** RPUSH of one element. */
    public void addLast(byte[] element) {
        Objects.requireNonNull(element, "element");
        growIfFull();
        elements[slot(size)] = element;
        size++;
        modifications++;
    }

    /** LPOP of one element. */
    public byte[] removeFirst() {
        if (size == 0) {
            throw new NoSuchElementException("empty list");
        }
        byte[] element = elements[head];
        elements[head] = null;
        head = (head + 1) & (elements.length - 1);
        size--;
        modifications++;
        shrinkIfSparse();
        return element;
    }

    /** RPOP of one element. */
    public byte[] removeLast() {
        if (size == 0) {
            throw new NoSuchElementException("empty list");
        }
        int last = slot(size - 1);
        byte[] element = elements[last];
        elements[last] = null;
        size--;
        modifications++;
        shrinkIfSparse();
        return element;
    }

    /** The first element, or null if the list is empty. */
    public byte[] peekFirst() {
        return size == 0 ? null : elements[head];
    }

    /** The last element, or null if the list is empty. */
    public byte[] peekLast() {
        return size == 0 ? null : elements[slot(size - 1)];
    }

    /** LINDEX with a non-negative index below {@link #size()}. */
    public byte[] get(int index) {
        Objects.checkIndex(index, size);
        return elements[slot(index)];
    }

    /** LSET with a non-negative index below {@link #size()}; returns the element replaced. */
    public byte[] set(int index, byte[] element) {
        Objects.checkIndex(index, size);
        Objects.requireNonNull(element, "element");
        int slot = slot(index);
        byte[] old = elements[slot];
        elements[slot] = element;
        return old;
    }

    /** LINSERT: {@code element} becomes the one at {@code index} (0 to {@link #size()} inclusive). */
    public void insert(int index, byte[] element) {
        Objects.checkIndex(index, size + 1);
        Objects.requireNonNull(element, "element");
        if (index == 0) {
            addFirst(element);
            return;
        }
        if (index == size) {
            addLast(element);
            return;
        }
        growIfFull();
        int mask = elements.length - 1;
        if (index < size / 2) {
            // Move the first `index` elements one slot to the left.
            head = (head - 1) & mask;
            for (int i = 0; i < index; i++) {
                elements[(head + i) & mask] = elements[(head + i + 1) & mask];
            }
        } else {
            for (int i = size; i > index; i--) {
                elements[(head + i) & mask] = elements[(head + i - 1) & mask];
            }
        }
        elements[(head + index) & mask] = element;
        size++;
        modifications++;
    }

    /** Removes and returns the element at {@code index} (below {@link #size()}). */
    public byte[] remove(int index) {
        Objects.checkIndex(index, size);
        int mask = elements.length - 1;
        byte[] element = elements[(head + index) & mask];
        if (index < size / 2) {
            for (int i = index; i > 0; i--) {
                elements[(head + i) & mask] = elements[(head + i - 1) & mask];
            }
            elements[head] = null;
            head = (head + 1) & mask;
        } else {
            for (int i = index; i < size - 1; i++) {
                elements[(head + i) & mask] = elements[(head + i + 1) & mask];
            }
            elements[(head + size - 1) & mask] = null;
        }
        size--;
        modifications++;
        shrinkIfSparse();
        return element;
    }

    /**
     * LTRIM: keeps the elements from {@code from} (inclusive) to {@code to} (exclusive), 0 &lt;= from &lt;= to
     * &lt;= size, and drops the rest, in time proportional to what is dropped.
     */
    public void retain(int from, int to) {
        Objects.checkFromToIndex(from, to, size);
        int mask = elements.length - 1;
        for (int i = 0; i < from; i++) {
            elements[(head + i) & mask] = null;
        }
        for (int i = to; i < size; i++) {
            elements[(head + i) & mask] = null;
        }
        head = (head + from) & mask;
        size = to - from;
        modifications++;
        shrinkIfSparse();
    }

    /** Removes every element and gives the array back. */
    public void clear() {
        elements = new byte[MIN_CAPACITY][];
        head = 0;
        size = 0;
        modifications++;
    }

    /**
     * A list with the same elements, in an array of its own: changing either list later does not change the
     * other. The elements themselves are shared (they are immutable by convention).
     */
    public ByteList copy() {
        int capacity = MIN_CAPACITY;
        while (capacity < size) {
            capacity <<= 1;
        }
        byte[][] copied = new byte[capacity][];
        copyTo(copied);
        return new ByteList(copied, size);
    }

    /** The elements from {@code from} (inclusive) to {@code to} (exclusive), front to back. */
    public Iterator<byte[]> iterator(int from, int to) {
        Objects.checkFromToIndex(from, to, size);
        return new Iterator<>() {
            private final int expected = modifications;
            private int next = from;

            @Override
            public boolean hasNext() {
                return next < to;
            }

            @Override
            public byte[] next() {
                if (next >= to) {
                    throw new NoSuchElementException();
                }
                if (modifications != expected) {
                    throw new ConcurrentModificationException();
                }
                return elements[slot(next++)];
            }
        };
    }

    /** All elements, front to back. */
    @Override
    public Iterator<byte[]> iterator() {
        return iterator(0, size);
    }

    /** The elements from {@code from} (inclusive) to {@code to} (exclusive) as a new array: LRANGE. */
    public byte[][] toArray(int from, int to) {
        Objects.checkFromToIndex(from, to, size);
        byte[][] out = new byte[to - from][];
        for (int i = from; i < to; i++) {
            out[i - from] = elements[slot(i)];
        }
        return out;
    }

    /**
     * The inclusive index range {@code [first, last]} that LRANGE, LTRIM (and ZRANGE by rank) select from a
     * list of {@code size} elements, or null when they select nothing: negative indexes count from the end
     * ({@code -1} is the last), a start before the list is 0, a stop past it is the last element, and the range
     * is empty when start &gt; stop or start &gt;= size ({@code t_list.c addListRangeReply},
     * {@code ltrimCommand}).
     */
    public static int[] normalizeRange(long start, long stop, int size) {
        if (start < 0) {
            start += size;
        }
        if (stop < 0) {
            stop += size;
        }
        if (start < 0) {
            start = 0;
        }
        if (start > stop || start >= size) {
            return null;
        }
        if (stop >= size) {
            stop = size - 1;
        }
        return new int[] {(int) start, (int) stop};
    }

    /** For tests: the length of the array. */
    int capacity() {
        return elements.length;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                out.append(", ");
            }
            out.append(Arrays.toString(elements[slot(i)]));
        }
        return out.append(']').toString();
    }

    private int slot(int index) {
        return (head + index) & (elements.length - 1);
    }

    private void growIfFull() {
        if (size == elements.length) {
            resize(elements.length << 1);
        }
    }

    private void shrinkIfSparse() {
        if (elements.length > MIN_CAPACITY && size <= elements.length >>> 2) {
            int capacity = elements.length;
            while (capacity > MIN_CAPACITY && size <= capacity >>> 2) {
                capacity >>>= 1;
            }
            resize(capacity);
        }
    }

    private void resize(int capacity) {
        if (capacity < 0) {
            throw new IllegalStateException("list too long");
        }
        byte[][] resized = new byte[capacity][];
        copyTo(resized);
        elements = resized;
        head = 0;
    }

    /** The elements, front to back, into the start of {@code target}. */
    private void copyTo(byte[][] target) {
        int firstPart = Math.min(size, elements.length - head);
        System.arraycopy(elements, head, target, 0, firstPart);
        System.arraycopy(elements, 0, target, firstPart, size - firstPart);
    }
}
