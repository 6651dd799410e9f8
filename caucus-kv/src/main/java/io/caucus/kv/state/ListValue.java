package io.caucus.kv.state;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The value of a Redis list: a deque of byte strings in a growable circular array, so both ends are O(1)
 * (LPUSH, RPOP, queues) and so is any index (LINDEX, LSET) — Redis's quicklist is O(n) there. Inserting or
 * removing in the middle (LINSERT, LREM) shifts the shorter side.
 *
 * <p>Elements are never changed in place (by convention, as every {@code byte[]} value of the keyspace): a list
 * keeps the arrays it is given and hands them out as they are. That is what lets {@link #copy()} share them for a
 * copy-on-write snapshot.
 *
 * <p>The array's capacity is a power of two (positions wrap with a mask); it doubles when full and halves when
 * three quarters of it are unused, so a queue that fills up and then drains gives its memory back.
 */
public final class ListValue implements Iterable<byte[]> {

    /** The smallest array: small enough for the many tiny lists, large enough not to regrow at once. */
    static final int MIN_CAPACITY = 8;
    /** The largest power-of-two array Java allows. */
    private static final int MAX_CAPACITY = 1 << 30;

    private byte[][] elements;
    /** Position in {@link #elements} of the first element. */
    private int head;
    private int size;

    public ListValue() {
        elements = new byte[MIN_CAPACITY][];
    }

    private ListValue(byte[][] elements, int size) {
        this.elements = elements;
        this.size = size;
    }

    /** A list of these elements, in order (for tests and restores). */
    public static ListValue of(byte[]... elements) {
        ListValue list = new ListValue();
        for (byte[] element : elements) {
            list.addLast(element);
        }
        return list;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The array's length (for tests of growing and shrinking). */
    int capacity() {
        return elements.length;
    }

    // ------------------------------------------------------------------ the ends

    public void addFirst(byte[] element) {
        growIfFull();
        head = (head - 1) & mask();
        elements[head] = element;
        size++;
    }

    public void addLast(byte[] element) {
        growIfFull();
        elements[slot(size)] = element;
        size++;
    }

    public byte[] removeFirst() {
        requireNotEmpty();
        byte[] first = elements[head];
        elements[head] = null;
        head = (head + 1) & mask();
        size--;
        shrinkIfSparse();
        return first;
    }

    public byte[] removeLast() {
        requireNotEmpty();
        int last = slot(size - 1);
        byte[] element = elements[last];
        elements[last] = null;
        size--;
        shrinkIfSparse();
        return element;
    }

    // ------------------------------------------------------------------ by index

    /** The element at {@code index} (0 is the first). */
    public byte[] get(int index) {
        checkIndex(index, size);
        return elements[slot(index)];
    }

    /** Replaces the element at {@code index}; returns the one it replaced. */
    public byte[] set(int index, byte[] element) {
        checkIndex(index, size);
        int at = slot(index);
        byte[] old = elements[at];
        elements[at] = element;
        return old;
    }

    /** Inserts {@code element} so that it is at {@code index} (0..size), moving the shorter side by one. */
    public void insert(int index, byte[] element) {
        checkIndex(index, size + 1);
        growIfFull();
        if (index < size - index) {
            head = (head - 1) & mask();
            for (int i = 0; i < index; i++) {
                elements[slot(i)] = elements[slot(i + 1)];
            }
        } else {
            for (int i = size; i > index; i--) {
                elements[slot(i)] = elements[slot(i - 1)];
            }
        }
        elements[slot(index)] = element;
        size++;
    }

    /** Removes the element at {@code index}, moving the shorter side by one; returns it. */
    public byte[] remove(int index) {
        checkIndex(index, size);
        byte[] removed = elements[slot(index)];
        if (index < size - 1 - index) {
            for (int i = index; i > 0; i--) {
                elements[slot(i)] = elements[slot(i - 1)];
            }
            elements[head] = null;
            head = (head + 1) & mask();
        } else {
            for (int i = index; i < size - 1; i++) {
                elements[slot(i)] = elements[slot(i + 1)];
            }
            elements[slot(size - 1)] = null;
        }
        size--;
        shrinkIfSparse();
        return removed;
    }

    // ------------------------------------------------------------------ several at once

    /** Keeps only the elements at {@code from} (inclusive) to {@code to} (exclusive), in O(removed). */
    public void retainRange(int from, int to) {
        if (from < 0 || to > size || from > to) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") of a list of " + size);
        }
        for (int i = 0; i < from; i++) {
            elements[slot(i)] = null;
        }
        for (int i = to; i < size; i++) {
            elements[slot(i)] = null;
        }
        head = slot(from);
        size = to - from;
        shrinkIfSparse();
    }

    /**
     * Removes up to {@code limit} elements equal to {@code element}, the first ones met walking from the head (or
     * from the tail with {@code fromTail}), in one pass; returns how many it removed.
     */
    public int removeEqual(byte[] element, long limit, boolean fromTail) {
        int removed = 0;
        int kept = 0; // elements kept so far, packed at the end the walk started from
        for (int walked = 0; walked < size; walked++) {
            int from = fromTail ? size - 1 - walked : walked;
            byte[] candidate = elements[slot(from)];
            if (removed < limit && Arrays.equals(candidate, element)) {
                removed++;
            } else {
                elements[slot(fromTail ? size - 1 - kept : kept)] = candidate;
                kept++;
            }
        }
        int removedStart = fromTail ? 0 : kept; // the vacated positions, now at the other end
        for (int i = removedStart; i < removedStart + removed; i++) {
            elements[slot(i)] = null;
        }
        if (fromTail) {
            head = slot(removed);
        }
        size = kept;
        shrinkIfSparse();
        return removed;
    }

    /** A list with its own array and the same element arrays (copy-on-write: elements are never changed). */
    public ListValue copy() {
        byte[][] copied = new byte[capacityFor(size)][];
        copyInto(copied);
        return new ListValue(copied, size);
    }

    /** From the first element to the last. */
    @Override
    public Iterator<byte[]> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public byte[] next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                return elements[slot(next++)];
            }
        };
    }

    // ------------------------------------------------------------------ the array

    private int mask() {
        return elements.length - 1;
    }

    /** The array position of the element at {@code index}. */
    private int slot(int index) {
        return (head + index) & mask();
    }

    private void growIfFull() {
        if (size == elements.length) {
            if (size == MAX_CAPACITY) {
                throw new IllegalStateException("a list cannot hold more than " + MAX_CAPACITY + " elements");
            }
            resize(elements.length * 2);
        }
    }

    /** Halves (or more) the array when under a quarter of it is used, so the next resize is far either way. */
    private void shrinkIfSparse() {
        if (elements.length > MIN_CAPACITY && size < elements.length / 4) {
            resize(capacityFor(size * 2));
        }
    }

    /** The smallest power of two holding {@code count} elements, at least {@link #MIN_CAPACITY}. */
    private static int capacityFor(int count) {
        return count <= MIN_CAPACITY ? MIN_CAPACITY : Integer.highestOneBit(count - 1) << 1;
    }

    private void resize(int capacity) {
        byte[][] resized = new byte[capacity][];
        copyInto(resized);
        elements = resized;
        head = 0;
    }

    /** Copies the elements, in order, to the start of {@code target}. */
    private void copyInto(byte[][] target) {
        int firstPart = Math.min(size, elements.length - head);
        System.arraycopy(elements, head, target, 0, firstPart);
        System.arraycopy(elements, 0, target, firstPart, size - firstPart);
    }

    private void requireNotEmpty() {
        if (size == 0) {
            throw new NoSuchElementException("the list is empty");
        }
    }

    private static void checkIndex(int index, int bound) {
        if (index < 0 || index >= bound) {
            throw new IndexOutOfBoundsException("index " + index + " out of [0, " + bound + ")");
        }
    }
}
