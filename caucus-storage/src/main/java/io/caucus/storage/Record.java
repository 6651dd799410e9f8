package io.caucus.storage;

import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import java.nio.charset.StandardCharsets;

/** One decoded log record; see {@link RecordType} for what term, index and payload mean per type. */
record Record(RecordType type, long term, long index, byte[] payload) {

    static Record of(LogEntry entry) {
        return new Record(RecordType.of(entry.type()), entry.term(), entry.index(), entry.payload());
    }

    static Record of(HardState state) {
        byte[] votedFor = state.votedFor() == null
                ? new byte[0] : state.votedFor().value().getBytes(StandardCharsets.US_ASCII);
        return new Record(RecordType.HARD_STATE, state.term(), state.commitIndex(), votedFor);
    }

    LogEntry toEntry() {
        return new LogEntry(term, index, type.entryType(), payload);
    }

    HardState toHardState() {
        NodeId votedFor = payload.length == 0 ? null : NodeId.of(new String(payload, StandardCharsets.US_ASCII));
        return new HardState(term, votedFor, index);
    }

    /** Why this record cannot be what its type says, or null if it can. */
    String problem() {
        if (term < 0 || index < 0) {
            return "negative term or index in a " + type + " record";
        }
        if (type.isEntry() && (term < 1 || index < 1)) {
            return "entry record with term " + term + " and index " + index;
        }
        if (type == RecordType.HARD_STATE && payload.length > 0) {
            try {
                toHardState();
            } catch (IllegalArgumentException invalid) {
                return "hard state record with an invalid voted-for id: " + invalid.getMessage();
            }
        }
        if (type == RecordType.SNAPSHOT_BASE && (index == 0) != (term == 0)) {
            return "snapshot base record with index " + index + " and term " + term;
        }
        if (type == RecordType.SEGMENT_HEADER && payload.length != Long.BYTES) {
            return "segment header with a payload of " + payload.length + " bytes, not " + Long.BYTES;
        }
        if (!type.isEntry() && type != RecordType.HARD_STATE && type != RecordType.SEGMENT_HEADER
                && payload.length > 0) {
            return type + " record with a payload of " + payload.length + " bytes";
        }
        return null;
    }
}
