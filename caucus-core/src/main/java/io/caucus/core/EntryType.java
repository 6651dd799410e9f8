package io.caucus.core;

/** What a log entry carries. The numeric code is stable: it is written to disk and sent on the wire. */
public enum EntryType {
    /** A command for the user's state machine. */
    COMMAND(1),
    /** The empty entry a new leader appends at the start of its term (Raft paper §8, thesis §6.4). */
    NO_OP(2),
    /** A cluster configuration, encoded by {@link ConfigurationCodec} (Raft paper §6). */
    CONFIGURATION(3);

    private final int code;

    EntryType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static EntryType fromCode(int code) {
        for (EntryType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown entry type code " + code);
    }
}
