package io.caucus.kv.state;

import java.util.List;

/**
 * A read, answered outside the log by a linearizable read (thesis §6.4) at the time the leader stamped on it
 * (never earlier than the last applied entry's time, so a key past its expiry is invisible at once).
 */
public sealed interface KvQuery {

    long timeMillis();

    /** A read-only command, as its RESP argument vector; {@code asking} as in {@link KvEntry.SessionCommand}. */
    record Call(long timeMillis, List<byte[]> argv, boolean asking) implements KvQuery {
        public Call {
            argv = List.copyOf(argv);
        }

        public Call(long timeMillis, List<byte[]> argv) {
            this(timeMillis, argv, false);
        }
    }

    /** WATCH: the index the state is at, after which a change to a watched key makes EXEC fail. */
    record WatchIndex(long timeMillis) implements KvQuery {
    }

    /**
     * The mover's read of a source group: up to {@code maxKeys} live keys of {@code range} from SCAN cursor
     * {@code cursor}, answered as [next cursor, key batch ({@link KvSnapshotFormat#writeKeyBatch})]; cursor 0 when the
     * whole table was walked.
     */
    record MoveScan(long timeMillis, io.caucus.kv.slots.SlotRange range, long cursor, int maxKeys) implements KvQuery {
    }
}
