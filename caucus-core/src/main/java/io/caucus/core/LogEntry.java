package io.caucus.core;

import java.util.Arrays;

/**
 * One entry of the replicated log. Immutable: the payload array is never modified after construction and
 * must not be modified by callers.
 */
public record LogEntry(long term, long index, EntryType type, byte[] payload) {

    /** Bytes of bookkeeping counted per entry on top of its payload, for size limits. */
    public static final int OVERHEAD_BYTES = 24;

    private static final byte[] EMPTY = new byte[0];

    public LogEntry {
        if (term < 1) {
            throw new IllegalArgumentException("entry term must be positive: " + term);
        }
        if (index < 1) {
            throw new IllegalArgumentException("entry index must be positive: " + index);
        }
        if (type == null) {
            throw new IllegalArgumentException("entry type must not be null");
        }
        payload = payload == null ? EMPTY : payload;
    }

    public static LogEntry command(long term, long index, byte[] payload) {
        return new LogEntry(term, index, EntryType.COMMAND, payload);
    }

    public static LogEntry noOp(long term, long index) {
        return new LogEntry(term, index, EntryType.NO_OP, EMPTY);
    }

    /** The size this entry counts for in batch and window limits. */
    public long sizeBytes() {
        return OVERHEAD_BYTES + payload.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry other
                && term == other.term
                && index == other.index
                && type == other.type
                && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(term) * 31 * 31 + Long.hashCode(index) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return type + "@" + index + "/t" + term + (payload.length == 0 ? "" : "(" + payload.length + "B)");
    }
}
