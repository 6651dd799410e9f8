package io.caucus.storage.multi;

import io.caucus.core.EntryType;

/** What a shared-WAL record holds. The byte codes are part of the on-disk format and never change meaning. */
enum GroupRecordType {
    /** A log entry of {@link EntryType#COMMAND}; term and index are the entry's. */
    COMMAND(1),
    /** A log entry of {@link EntryType#NO_OP}. */
    NO_OP(2),
    /** A log entry of {@link EntryType#CONFIGURATION}. */
    CONFIGURATION(3),
    /** First record of every segment: group 0, term holds the format version, index the segment's number. */
    SEGMENT_HEADER(16),
    /** A group's hard state: term, commit index in the index field, voted-for id (ASCII, empty for none). */
    HARD_STATE(17),
    /**
     * The group's log prefix through index (with that term) is covered by a snapshot whose configuration is the
     * payload; entries after index stay. Written when the group compacts, and for every group at the start of
     * each segment, so that deleting older segments never loses a group's base.
     */
    SNAPSHOT_BASE(18),
    /** Every entry of the group at index or after it is removed. */
    TRUNCATE(19),
    /**
     * Like {@link #SNAPSHOT_BASE}, but every entry of the group is removed: an installed snapshot that does not
     * match the log replaces it whole (Raft paper §7).
     */
    SNAPSHOT_RESET(20),
    /**
     * The group is removed from this WAL: every earlier record of it stops counting, so its entries no longer
     * keep segments alive, later segments carry no checkpoint of it, and recovery forgets it. Term and index are 0.
     */
    GROUP_REMOVED(21),
    /**
     * A copy of an entry the group holds, written into the active segment so that an older segment can be deleted
     * (see {@link SharedWal}, rewriting). Term and index are the entry's, the payload is the entry type's code
     * (one byte) followed by the entry's payload. Unlike an entry record it removes no later entry: it only
     * replaces where the entry at its index is read from, so a crash that keeps any part of a rewrite leaves every
     * entry readable from its copy or its original.
     */
    ENTRY_COPY(22);

    private final int code;

    GroupRecordType(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    boolean isEntry() {
        return this == COMMAND || this == NO_OP || this == CONFIGURATION;
    }

    /** Whether the record carries an entry: an entry record or a copy of one. */
    boolean holdsEntry() {
        return isEntry() || this == ENTRY_COPY;
    }

    boolean isSnapshot() {
        return this == SNAPSHOT_BASE || this == SNAPSHOT_RESET;
    }

    EntryType entryType() {
        return switch (this) {
            case COMMAND -> EntryType.COMMAND;
            case NO_OP -> EntryType.NO_OP;
            case CONFIGURATION -> EntryType.CONFIGURATION;
            default -> throw new IllegalStateException(this + " is not an entry");
        };
    }

    static GroupRecordType of(EntryType type) {
        return switch (type) {
            case COMMAND -> COMMAND;
            case NO_OP -> NO_OP;
            case CONFIGURATION -> CONFIGURATION;
        };
    }

    /** The type with this code, or null if the code is unknown. */
    static GroupRecordType fromCode(int code) {
        for (GroupRecordType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return null;
    }
}
