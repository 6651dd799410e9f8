package io.caucus.storage;

import java.util.Arrays;

/**
 * Where each entry of the log lives on disk, and its term, for indexes {@code firstIndex..lastIndex}: a
 * window over parallel primitive arrays (about 28 bytes per entry), so that term lookups never touch the disk
 * and a read knows the exact bytes to fetch. Owner thread only.
 */
final class EntryLocations {

    private long firstIndex = 1;
    private int count;
    private int head;
    private long[] terms = new long[1024];
    private long[] segments = new long[1024];
    private long[] offsets = new long[1024];
    private int[] frameBytes = new int[1024];

    long firstIndex() {
        return firstIndex;
    }

    long lastIndex() {
        return firstIndex + count - 1;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Empties the window; the next entry appended must have index {@code nextIndex}. */
    void reset(long nextIndex) {
        firstIndex = nextIndex;
        count = 0;
        head = 0;
    }

    void append(long index, long term, long segment, long offset, int bytes) {
        if (index != lastIndex() + 1) {
            throw new IllegalStateException("entry " + index + " does not follow " + lastIndex());
        }
        if (head + count == terms.length) {
            makeRoom();
        }
        int slot = head + count;
        terms[slot] = term;
        segments[slot] = segment;
        offsets[slot] = offset;
        frameBytes[slot] = bytes;
        count++;
    }

    /** Removes every entry at or after {@code index}. */
    void truncateFrom(long index) {
        if (index <= lastIndex()) {
            count = (int) Math.max(0, index - firstIndex);
        }
    }

    /** Removes every entry at or before {@code index}; the window then starts at {@code index + 1}. */
    void dropThrough(long index) {
        if (index > lastIndex()) {
            reset(index + 1);
            return;
        }
        int dropped = (int) Math.max(0, index + 1 - firstIndex);
        head += dropped;
        count -= dropped;
        firstIndex += dropped;
    }

    long term(long index) {
        return terms[slot(index)];
    }

    long segment(long index) {
        return segments[slot(index)];
    }

    long offset(long index) {
        return offsets[slot(index)];
    }

    int frameBytes(long index) {
        return frameBytes[slot(index)];
    }

    private int slot(long index) {
        if (index < firstIndex || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside " + firstIndex + ".." + lastIndex());
        }
        return head + (int) (index - firstIndex);
    }

    private void makeRoom() {
        if (head >= terms.length / 2) {
            shift();
        } else {
            int capacity = terms.length * 2;
            terms = Arrays.copyOf(terms, capacity);
            segments = Arrays.copyOf(segments, capacity);
            offsets = Arrays.copyOf(offsets, capacity);
            frameBytes = Arrays.copyOf(frameBytes, capacity);
        }
    }

    private void shift() {
        System.arraycopy(terms, head, terms, 0, count);
        System.arraycopy(segments, head, segments, 0, count);
        System.arraycopy(offsets, head, offsets, 0, count);
        System.arraycopy(frameBytes, head, frameBytes, 0, count);
        head = 0;
    }
}
