package io.caucus.kv.command;

import io.caucus.kv.command.CommandSpec.Kind;
import java.util.List;

/**
 * Commands about the connection and the node rather than the data. PING and ECHO run anywhere (inside a
 * transaction they run with it); the others are answered by the connection ({@code RespHandler}) and have no
 * handler here.
 */
public final class ConnectionCommands {

    private ConnectionCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of(
                new CommandSpec("PING", -1, Kind.LOCAL, 0, 0, 0, ConnectionCommands::ping),
                new CommandSpec("ECHO", 2, Kind.LOCAL, 0, 0, 0, (context, args) -> new Reply.Bulk(args.get(1))),
                local("INFO", -1), local("COMMAND", -1), local("CONFIG", -2), local("CLIENT", -2),
                local("SELECT", 2), local("QUIT", -1), local("HELLO", -1),
                local("AUTH", -2), local("ACL", -2),
                transaction("MULTI", 1), transaction("EXEC", 1), transaction("DISCARD", 1),
                new CommandSpec("WATCH", -2, Kind.TRANSACTION, 1, -1, 1, null),
                transaction("UNWATCH", 1));
    }

    private static CommandSpec local(String name, int arity) {
        return new CommandSpec(name, arity, Kind.LOCAL, 0, 0, 0, null);
    }

    private static CommandSpec transaction(String name, int arity) {
        return new CommandSpec(name, arity, Kind.TRANSACTION, 0, 0, 0, null);
    }

    private static Reply ping(CommandContext context, List<byte[]> args) {
        if (args.size() > 2) {
            throw CommandException.wrongArity("ping");
        }
        return args.size() == 1 ? new Reply.Status("PONG") : new Reply.Bulk(args.get(1));
    }
}
