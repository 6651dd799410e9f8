package io.caucus.kv.protocol;

import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.KvResult;
import io.caucus.kv.state.KvWrite;
import java.util.List;

/** One parsed RESP command, classified by how it is served. */
public sealed interface Request {

    /** The command's name in upper case, for metrics ("SET", "GET", ...; "UNKNOWN" for unknown commands). */
    String name();

    /** Replicated through the log with the connection's session. */
    record Write(String name, KvWrite write) implements Request {
    }

    /** Answered by a linearizable read. */
    record Read(String name, KvQuery query) implements Request {
    }

    /** Answered by this node alone, at once (PING, INFO, COMMAND, ...). */
    record Local(String name, LocalCommand command) implements Request {
    }

    /** A command another node forwarded (internal: see {@link RespHandler}); executed here, never re-forwarded. */
    record Forwarded(String name, boolean write, byte[] payload) implements Request {
    }

    /** Refused before doing anything: the reply is this error. */
    record Invalid(String name, String code, String message) implements Request {
    }

    sealed interface LocalCommand {
        record Ping(byte[] message) implements LocalCommand {
        }

        record Echo(byte[] message) implements LocalCommand {
        }

        record Info(String section) implements LocalCommand {
        }

        record CommandInfo(String subcommand) implements LocalCommand {
        }

        record ConfigGet(List<String> parameters) implements LocalCommand {
        }

        /** CLIENT SETNAME/SETINFO/GETNAME/ID, SELECT 0: answered so that common clients connect. */
        record Harmless(KvResult reply) implements LocalCommand {
        }

        record Quit() implements LocalCommand {
        }
    }
}
