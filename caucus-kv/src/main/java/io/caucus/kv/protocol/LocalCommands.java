package io.caucus.kv.protocol;

import io.caucus.core.NodeStatus;
import io.caucus.kv.command.Arguments;
import io.caucus.kv.command.CommandContext;
import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import io.caucus.kv.command.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The commands a node answers by itself, without the log or the leader: PING, ECHO, INFO, COMMAND, CONFIG GET,
 * CLIENT, SELECT, HELLO, QUIT, SCRIPT KILL, SCRIPT HELP and CLUSTER KEYSLOT. Enough for common clients to connect,
 * probe and introspect.
 */
final class LocalCommands {

    private final Supplier<NodeStatus> status;

    LocalCommands(Supplier<NodeStatus> status) {
        this.status = status;
    }

    Reply answer(List<byte[]> argv) {
        String name = Arguments.upper(argv.getFirst());
        List<byte[]> args = argv.subList(1, argv.size());
        return switch (name) {
            case "PING", "ECHO", "SCRIPT", "CLUSTER", "READONLY", "READWRITE", "ASKING" ->
                    CommandTable.execute(new CommandContext(null, 0, 0, false), argv);
            case "INFO" -> Reply.bulk(InfoText.render(args.isEmpty() ? "all"
                    : Arguments.text(args.getFirst()).toLowerCase(Locale.ROOT), status.get()));
            case "COMMAND" -> command(args);
            case "CONFIG" -> config(args);
            case "CLIENT" -> client(args);
            case "SELECT" -> Arguments.text(args.getFirst()).equals("0") ? Reply.OK
                    : Reply.error("DB index is out of range");
            case "HELLO" -> helloReply();
            case "QUIT" -> Reply.OK;
            default -> Reply.error("'" + name.toLowerCase(Locale.ROOT) + "' is not a local command");
        };
    }

    /** COMMAND, COMMAND COUNT, COMMAND INFO name..., COMMAND LIST, COMMAND DOCS (empty). */
    private static Reply command(List<byte[]> args) {
        String sub = args.isEmpty() ? "" : Arguments.upper(args.getFirst());
        return switch (sub) {
            case "" -> new Reply.Array(CommandTable.all().stream().map(LocalCommands::describe).toList());
            case "COUNT" -> new Reply.Int(CommandTable.all().size());
            case "LIST" -> Reply.bulks(CommandTable.names().stream()
                    .map(n -> Arguments.bytes(n.toLowerCase(Locale.ROOT))).toList());
            case "INFO" -> {
                List<Reply> found = new ArrayList<>();
                for (byte[] name : args.subList(1, args.size())) {
                    CommandSpec spec = CommandTable.lookup(name);
                    found.add(spec == null ? Reply.NULL_ARRAY : describe(spec));
                }
                yield new Reply.Array(found);
            }
            case "DOCS" -> Reply.EMPTY_ARRAY;
            default -> Reply.error("unknown subcommand '" + Arguments.text(args.getFirst())
                    + "'. Try COMMAND HELP.");
        };
    }

    /** One command as COMMAND describes it: name, arity, flags, first key, last key, step. */
    private static Reply describe(CommandSpec spec) {
        String flag = switch (spec.kind()) {
            case WRITE -> "write";
            case READ -> "readonly";
            case LOCAL, TRANSACTION -> "fast";
        };
        return new Reply.Array(List.of(Reply.bulk(spec.name().toLowerCase(Locale.ROOT)), new Reply.Int(spec.arity()),
                new Reply.Array(List.of(new Reply.Status(flag))), new Reply.Int(spec.firstKey()),
                new Reply.Int(spec.lastKey()), new Reply.Int(spec.keyStep())));
    }

    /** CONFIG GET answers each requested name with an empty value: clients that probe settings carry on. */
    private static Reply config(List<byte[]> args) {
        if (!Arguments.is(args.getFirst(), "GET")) {
            return Reply.error("only CONFIG GET is supported (read-only)");
        }
        if (args.size() < 2) {
            return Reply.error("wrong number of arguments for 'config|get' command");
        }
        List<Reply> pairs = new ArrayList<>();
        for (byte[] parameter : args.subList(1, args.size())) {
            if (!Arguments.text(parameter).contains("*")) {
                pairs.add(new Reply.Bulk(parameter));
                pairs.add(new Reply.Bulk(new byte[0]));
            }
        }
        return new Reply.Array(pairs);
    }

    private static Reply client(List<byte[]> args) {
        String sub = Arguments.upper(args.getFirst());
        return switch (sub) {
            case "SETNAME", "SETINFO" -> Reply.OK;
            case "GETNAME" -> Reply.NIL;
            case "ID" -> new Reply.Int(1);
            default -> Reply.error("unsupported CLIENT subcommand '" + Arguments.text(args.getFirst())
                    + "' (SETNAME, SETINFO, GETNAME and ID are accepted)");
        };
    }

    /** HELLO's reply (the connection checks its arguments): RESP2 only, so clients asking for RESP3 fall back. */
    static Reply helloReply() {
        return new Reply.Array(List.of(Reply.bulk("server"), Reply.bulk("redis"), Reply.bulk("version"),
                Reply.bulk("7.0.0-caucus"), Reply.bulk("proto"), new Reply.Int(2), Reply.bulk("id"), new Reply.Int(1),
                Reply.bulk("mode"), Reply.bulk("standalone"), Reply.bulk("role"), Reply.bulk("master"),
                Reply.bulk("modules"), Reply.EMPTY_ARRAY));
    }
}
