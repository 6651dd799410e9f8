package io.caucus.kv.command;

import java.util.List;
import java.util.Locale;

/**
 * One command of the table: its name, arity and flags as Redis's COMMAND reports them, and its handler.
 *
 * @param arity     Redis's convention: the number of arguments counting the name, or -N for "at least N"
 * @param kind      how the command is served (see {@link Kind})
 * @param firstKey  position of the first key argument (0: none), as COMMAND reports it
 * @param lastKey   position of the last key (-1: the last argument)
 * @param keyStep   distance between keys
 * @param handler   the command itself; runs on every replica alike, with {@code args} the whole argument vector
 *                  (the name included)
 */
public record CommandSpec(String name, int arity, Kind kind, int firstKey, int lastKey, int keyStep,
                          Handler handler) {

    /** How a command is served. */
    public enum Kind {
        /** Changes the keyspace: replicated through the log inside the connection's session. */
        WRITE,
        /** Only reads the keyspace: answered by a linearizable read (ReadIndex), no log entry. */
        READ,
        /** Answered by the node the client is connected to (PING, ECHO, INFO...); never touches the keyspace. */
        LOCAL,
        /** MULTI, EXEC, DISCARD, WATCH, UNWATCH: handled by the connection. */
        TRANSACTION
    }

    @FunctionalInterface
    public interface Handler {
        Reply run(CommandContext context, List<byte[]> args);
    }

    public CommandSpec {
        name = name.toUpperCase(Locale.ROOT);
    }

    /** True if {@code argumentCount} (the name included) fits the arity. */
    public boolean arityAllows(int argumentCount) {
        return arity >= 0 ? argumentCount == arity : argumentCount >= -arity;
    }

    public boolean isWrite() {
        return kind == Kind.WRITE;
    }
}
