package io.caucus.kv.protocol;

import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import io.caucus.kv.command.Reply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/** Turns a RESP command (its arguments as byte strings) into a {@link Request}: finds it and checks its arity. */
public final class RequestParser {

    /**
     * Internal command a follower sends to the leader's client port: the argument is an encoded log entry, followed in
     * a sharded cluster by the group's id in decimal.
     */
    public static final String FORWARD_WRITE = "CAUCUS.SUBMIT";
    /** Internal command a follower sends to the leader's client port: the argument is an encoded read. */
    public static final String FORWARD_READ = "CAUCUS.READ";

    private RequestParser() {
    }

    public static Request parse(List<byte[]> arguments) {
        if (arguments.isEmpty()) {
            return new Request.Invalid("UNKNOWN", Reply.error("empty command"));
        }
        CommandSpec spec = CommandTable.accepted(arguments);
        if (spec != null) {
            return new Request.Command(spec, List.copyOf(arguments));
        }
        String name = new String(arguments.getFirst(), StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
        if (name.equals(FORWARD_WRITE) || name.equals(FORWARD_READ)) {
            if (arguments.size() != 2 && arguments.size() != 3) {
                return new Request.Invalid(name, Reply.error("wrong number of arguments for '"
                        + name.toLowerCase(Locale.ROOT) + "' command"));
            }
            long group = arguments.size() == 3 ? groupId(arguments.get(2)) : 0;
            return group < 0
                    ? new Request.Invalid(name, Reply.error("invalid group id in '" + name.toLowerCase(Locale.ROOT)
                            + "'"))
                    : new Request.Forwarded(name, name.equals(FORWARD_WRITE), arguments.get(1), group);
        }
        CommandSpec known = CommandTable.lookup(arguments.getFirst());
        return new Request.Invalid(known == null ? "UNKNOWN" : known.name(), CommandTable.refusal(arguments));
    }

    /** A group id in decimal (1 or more), or -1 if the bytes are not one. */
    private static long groupId(byte[] text) {
        try {
            long group = Long.parseLong(new String(text, StandardCharsets.US_ASCII));
            return group >= 1 ? group : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
