package io.caucus.kv.protocol;

import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.Reply;
import java.util.List;
import java.util.Locale;

/** One parsed RESP command. How it is served (replicated, read, local, queued) is decided when it starts. */
public sealed interface Request {

    /** The command's name in upper case, for metrics ("SET", "GET", ...; "UNKNOWN" for unknown commands). */
    String name();

    /** A command of the table with an acceptable number of arguments. */
    record Command(CommandSpec spec, List<byte[]> argv) implements Request {
        @Override
        public String name() {
            return spec.name();
        }

        /** True if this is the named command (for the transaction commands). */
        boolean is(String commandName) {
            return spec.name().equals(commandName.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * A command another node forwarded (internal: see {@link RespHandler}); executed here, never re-forwarded.
     * {@code group} is the Raft group it is for: 0 in a one-group cluster.
     */
    record Forwarded(String name, boolean write, byte[] payload, long group) implements Request {
    }

    /** Refused before doing anything (unknown command, wrong number of arguments): the reply is this error. */
    record Invalid(String name, Reply.Error error) implements Request {
    }
}
