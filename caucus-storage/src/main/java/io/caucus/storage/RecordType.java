package io.caucus.storage;

import io.caucus.core.EntryType;

/** What a log record holds. The byte codes are part of the on-disk format and never change meaning. */
enum RecordType {
    /** A log entry of {@link EntryType#COMMAND}; term and index are the entry's. */
    COMMAND(1),
    /** A log entry of {@link EntryType#NO_OP}. */
    NO_OP(2),
    /** A log entry of {@link EntryType#CONFIGURATION}. */
    CONFIGURATION(3),
    /**
     * First record of every segment: term holds the format version, index the segment's sequence number, and
     * the payload the byte length of the previous segment (a long; -1 if there was none).
     */
    SEGMENT_HEADER(16),
    /** Hard state: term, commit index in the index field, voted-for node id (ASCII, empty for none) as payload. */
    HARD_STATE(17),
    /** The log's prefix through index (with that term) is covered by a snapshot and dropped. */
    SNAPSHOT_BASE(18),
    /** Every entry at index or after it is removed (entries written later at those indexes replace them). */
    TRUNCATE(19);

    private final int code;

    RecordType(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    boolean isEntry() {
        return this == COMMAND || this == NO_OP || this == CONFIGURATION;
    }

    EntryType entryType() {
        return switch (this) {
            case COMMAND -> EntryType.COMMAND;
            case NO_OP -> EntryType.NO_OP;
            case CONFIGURATION -> EntryType.CONFIGURATION;
            case SEGMENT_HEADER, HARD_STATE, SNAPSHOT_BASE, TRUNCATE ->
                    throw new IllegalStateException(this + " is not an entry");
        };
    }

    static RecordType of(EntryType type) {
        return switch (type) {
            case COMMAND -> COMMAND;
            case NO_OP -> NO_OP;
            case CONFIGURATION -> CONFIGURATION;
        };
    }

    /** The type with this code, or null if the code is unknown. */
    static RecordType fromCode(int code) {
        for (RecordType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return null;
    }
}
