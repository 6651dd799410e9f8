package io.caucus.kv.protocol;

import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import io.caucus.kv.command.Reply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** Turns a RESP command (its arguments as byte strings) into a {@link Request}: finds it and checks its arity. */
public final class RequestParser {

    /** Internal command a follower sends to the leader's client port: the argument is an encoded log entry. */
    public static final String FORWARD_WRITE = "CAUCUS.SUBMIT";
    /** Internal command a follower sends to the leader's client port: the argument is an encoded read. */
    public static final String FORWARD_READ = "CAUCUS.READ";

    private RequestParser() {
    }

    public static Request parse(List<byte[]> arguments) {
        if (arguments.isEmpty()) {
            return new Request.Invalid("UNKNOWN", Reply.error("empty command"));
        }
        String name = new String(arguments.getFirst(), StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
        if (name.equals(FORWARD_WRITE) || name.equals(FORWARD_READ)) {
            return arguments.size() == 2
                    ? new Request.Forwarded(name, name.equals(FORWARD_WRITE), arguments.get(1))
                    : new Request.Invalid(name, Reply.error("wrong number of arguments for '"
                            + name.toLowerCase(Locale.ROOT) + "' command"));
        }
        Reply.Error refusal = CommandTable.refusal(arguments);
        if (refusal != null) {
            CommandSpec known = CommandTable.lookup(arguments.getFirst());
            return new Request.Invalid(known == null ? "UNKNOWN" : known.name(), refusal);
        }
        // For a command with subcommands (SCRIPT), the subcommand's spec: LOAD and EXISTS are served differently.
        return new Request.Command(CommandTable.resolve(arguments), List.copyOf(arguments));
    }
}
