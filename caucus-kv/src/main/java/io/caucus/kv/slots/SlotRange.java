package io.caucus.kv.slots;

/**
 * Hash slots {@code start..end}, both included, within 0..16383.
 */
public record SlotRange(int start, int end) implements Comparable<SlotRange> {

    public SlotRange {
        checkSlot(start);
        checkSlot(end);
        if (start > end) {
            throw new IllegalArgumentException("slot range " + start + ".." + end + " starts after it ends");
        }
    }

    public static SlotRange of(int start, int end) {
        return new SlotRange(start, end);
    }

    /** The range of one slot. */
    public static SlotRange single(int slot) {
        return new SlotRange(slot, slot);
    }

    /** Every slot, 0..16383. */
    public static SlotRange all() {
        return new SlotRange(0, KeySlot.SLOTS - 1);
    }

    public int size() {
        return end - start + 1;
    }

    public boolean contains(int slot) {
        return slot >= start && slot <= end;
    }

    public boolean overlaps(SlotRange other) {
        return start <= other.end && other.start <= end;
    }

    static void checkSlot(int slot) {
        if (slot < 0 || slot >= KeySlot.SLOTS) {
            throw new IllegalArgumentException("slot " + slot + " is outside 0.." + (KeySlot.SLOTS - 1));
        }
    }

    @Override
    public int compareTo(SlotRange other) {
        return start != other.start ? Integer.compare(start, other.start) : Integer.compare(end, other.end);
    }

    @Override
    public String toString() {
        return start + ".." + end;
    }
}
