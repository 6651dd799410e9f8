package io.caucus.kv.state;

import java.util.List;

/**
 * One entry of the key-value service's replicated log. Every entry carries the time the leader stamped on it
 * ({@link #timeMillis()}; 0 when not stamped): the state machine runs each entry at
 * {@code max(stamped time, time of the entry before)}, so expiry is decided by the log, the same on every
 * replica, and time never runs backwards across a change of leader.
 */
public sealed interface KvEntry {

    long timeMillis();

    /** Opens a client session; its id is the log index of this entry (unique and agreed by every replica). */
    record Register(long timeMillis) implements KvEntry {
    }

    /**
     * A command of session {@code clientId}, numbered {@code sequence}: 1, 2, ... per session, applied strictly
     * in that order and at most once (thesis §6.3). {@code asking}: the client sent ASKING before it (Redis
     * Cluster's answer to {@code -ASK}), so a group importing the command's slot serves it; without it, such a group
     * sends the client to the slot's owner (docs/multiraft.md, "Moving slots between groups").
     */
    record SessionCommand(long timeMillis, long clientId, long sequence, Body body, boolean asking) implements KvEntry {
        public SessionCommand {
            if (sequence < 1) {
                throw new IllegalArgumentException("sequence numbers start at 1, got " + sequence);
            }
        }

        public SessionCommand(long timeMillis, long clientId, long sequence, Body body) {
            this(timeMillis, clientId, sequence, body, false);
        }
    }

    /** Deletes up to {@code maxKeys} keys whose time to live has run out at the entry's time (leader's proposal). */
    record Sweep(long timeMillis, int maxKeys) implements KvEntry {
    }

    /**
     * A step of a slot move ({@link MoveStep}), proposed by the mover: no session, applied once per entry.
     * {@code mover} fences movers off: the metadata group's term in which the mover that proposed it runs. A group
     * refuses a step of a mover older than the newest it has seen, so a deposed leader's mover that has not noticed
     * yet cannot interleave its steps with the next one's (0: an entry written before movers were fenced).
     */
    record Move(long timeMillis, MoveStep step, long mover) implements KvEntry {
        public Move(long timeMillis, MoveStep step) {
            this(timeMillis, step, 0);
        }
    }

    /** What a session command does. */
    sealed interface Body {
    }

    /** One command, as its RESP argument vector (the name first). */
    record Call(List<byte[]> argv) implements Body {
        public Call {
            argv = List.copyOf(argv);
        }
    }

    /**
     * MULTI ... EXEC: the queued commands, applied together as one entry unless a watched key changed after the
     * index at which it was watched (then nothing is applied and EXEC answers a null array).
     */
    record Exec(List<Watch> watches, List<List<byte[]>> commands) implements Body {
        public Exec {
            watches = List.copyOf(watches);
            commands = commands.stream().map(List::copyOf).toList();
        }
    }

    /** A key WATCHed by the connection, and the applied index the WATCH saw. */
    record Watch(byte[] key, long index) {
    }
}
