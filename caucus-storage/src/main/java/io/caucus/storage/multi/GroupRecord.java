package io.caucus.storage.multi;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationCodec;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import java.nio.charset.StandardCharsets;

/** One record of the shared WAL: what it is, which group it belongs to, and its term, index and payload. */
record GroupRecord(GroupRecordType type, long group, long term, long index, byte[] payload) {

    static final int FORMAT_VERSION = 1;

    static GroupRecord of(long group, LogEntry entry) {
        return new GroupRecord(GroupRecordType.of(entry.type()), group, entry.term(), entry.index(),
                entry.payload());
    }

    static GroupRecord of(long group, HardState state) {
        byte[] votedFor = state.votedFor() == null
                ? new byte[0] : state.votedFor().value().getBytes(StandardCharsets.US_ASCII);
        return new GroupRecord(GroupRecordType.HARD_STATE, group, state.term(), state.commitIndex(), votedFor);
    }

    static GroupRecord snapshot(GroupRecordType type, long group, SnapshotMetadata snapshot) {
        return new GroupRecord(type, group, snapshot.lastIncludedTerm(), snapshot.lastIncludedIndex(),
                ConfigurationCodec.encode(snapshot.configuration()));
    }

    static GroupRecord truncate(long group, long fromIndex) {
        return new GroupRecord(GroupRecordType.TRUNCATE, group, 0, fromIndex, new byte[0]);
    }

    static GroupRecord copy(long group, LogEntry entry) {
        byte[] payload = new byte[entry.payload().length + 1];
        payload[0] = (byte) GroupRecordType.of(entry.type()).code();
        System.arraycopy(entry.payload(), 0, payload, 1, entry.payload().length);
        return new GroupRecord(GroupRecordType.ENTRY_COPY, group, entry.term(), entry.index(), payload);
    }

    static GroupRecord groupRemoved(long group) {
        return new GroupRecord(GroupRecordType.GROUP_REMOVED, group, 0, 0, new byte[0]);
    }

    static GroupRecord segmentHeader(long sequence) {
        return new GroupRecord(GroupRecordType.SEGMENT_HEADER, 0, FORMAT_VERSION, sequence, new byte[0]);
    }

    LogEntry toEntry() {
        if (type == GroupRecordType.ENTRY_COPY) {
            return new LogEntry(term, index, copiedType().entryType(), java.util.Arrays.copyOfRange(payload, 1,
                    payload.length));
        }
        return new LogEntry(term, index, type.entryType(), payload);
    }

    /** The type of the entry a copy holds, or null if the copy names none. */
    private GroupRecordType copiedType() {
        GroupRecordType copied = payload.length == 0 ? null : GroupRecordType.fromCode(payload[0]);
        return copied != null && copied.isEntry() ? copied : null;
    }

    HardState toHardState() {
        NodeId votedFor = payload.length == 0 ? null : NodeId.of(new String(payload, StandardCharsets.US_ASCII));
        return new HardState(term, votedFor, index);
    }

    SnapshotMetadata toSnapshot() {
        ClusterConfiguration configuration = ConfigurationCodec.decode(payload);
        return new SnapshotMetadata(index, term, configuration);
    }

    /** Why this record cannot be what its type says, or null if it can. */
    String problem() {
        if (group < 0 || term < 0 || index < 0) {
            return "negative group, term or index in a " + type + " record";
        }
        if (type == GroupRecordType.ENTRY_COPY && copiedType() == null) {
            return "entry copy that names no entry type";
        }
        if (type.holdsEntry() && (term < 1 || index < 1)) {
            return "entry record with term " + term + " and index " + index;
        }
        try {
            if (type == GroupRecordType.HARD_STATE) {
                toHardState();
            } else if (type.isSnapshot()) {
                toSnapshot();
            }
        } catch (IllegalArgumentException invalid) {
            return type + " record that does not decode: " + invalid.getMessage();
        }
        if (type == GroupRecordType.SEGMENT_HEADER && term != FORMAT_VERSION) {
            return "segment header of format version " + term + ", this version reads " + FORMAT_VERSION;
        }
        if (type == GroupRecordType.GROUP_REMOVED && (term != 0 || index != 0)) {
            return "group removal with term " + term + " and index " + index;
        }
        if ((type == GroupRecordType.TRUNCATE || type == GroupRecordType.SEGMENT_HEADER
                || type == GroupRecordType.GROUP_REMOVED) && payload.length > 0) {
            return type + " record with a payload of " + payload.length + " bytes";
        }
        return null;
    }
}
