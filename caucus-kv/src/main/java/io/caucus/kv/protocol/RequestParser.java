package io.caucus.kv.protocol;

import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.KvResult;
import io.caucus.kv.state.KvStateMachine;
import io.caucus.kv.state.KvWrite;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Turns a RESP command (its arguments as byte strings) into a {@link Request}; checks arity and integers. */
public final class RequestParser {

    /** Internal command a follower sends to the leader's client port: the argument is an encoded KvCommand. */
    public static final String FORWARD_WRITE = "CAUCUS.SUBMIT";
    /** Internal command a follower sends to the leader's client port: the argument is an encoded KvQuery. */
    public static final String FORWARD_READ = "CAUCUS.READ";

    private RequestParser() {
    }

    public static Request parse(List<byte[]> arguments) {
        if (arguments.isEmpty()) {
            return new Request.Invalid("UNKNOWN", ErrorCodes.ERR, "empty command");
        }
        String name = new String(arguments.getFirst(), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
        List<byte[]> args = arguments.subList(1, arguments.size());
        return switch (name) {
            case "PING" -> arity(name, args, 0, 1) ? local(name,
                    new Request.LocalCommand.Ping(args.isEmpty() ? null : args.getFirst())) : wrongArity(name);
            case "ECHO" -> arity(name, args, 1, 1)
                    ? local(name, new Request.LocalCommand.Echo(args.getFirst())) : wrongArity(name);
            case "INFO" -> args.size() <= 1 ? local(name, new Request.LocalCommand.Info(
                    args.isEmpty() ? "all" : text(args.getFirst()).toLowerCase(Locale.ROOT))) : wrongArity(name);
            case "COMMAND" -> local(name, new Request.LocalCommand.CommandInfo(
                    args.isEmpty() ? "" : text(args.getFirst()).toUpperCase(Locale.ROOT)));
            case "CONFIG" -> config(args);
            case "CLIENT" -> client(args);
            case "SELECT" -> select(args);
            case "QUIT" -> local(name, new Request.LocalCommand.Quit());
            case "GET" -> arity(name, args, 1, 1) ? read(name, new KvQuery.Get(args.getFirst())) : wrongArity(name);
            case "STRLEN" -> arity(name, args, 1, 1)
                    ? read(name, new KvQuery.Strlen(args.getFirst())) : wrongArity(name);
            case "MGET" -> args.isEmpty() ? wrongArity(name) : read(name, new KvQuery.MultiGet(copy(args)));
            case "EXISTS" -> args.isEmpty() ? wrongArity(name) : read(name, new KvQuery.Exists(copy(args)));
            case "DBSIZE" -> args.isEmpty() ? read(name, new KvQuery.DbSize()) : wrongArity(name);
            case "SET" -> set(args);
            case "DEL" -> args.isEmpty() ? wrongArity(name) : write(name, new KvWrite.Delete(copy(args)));
            case "INCR" -> arity(name, args, 1, 1)
                    ? write(name, new KvWrite.IncrementBy(args.getFirst(), 1)) : wrongArity(name);
            case "DECR" -> arity(name, args, 1, 1)
                    ? write(name, new KvWrite.IncrementBy(args.getFirst(), -1)) : wrongArity(name);
            case "INCRBY" -> arity(name, args, 2, 2) ? incrementBy(name, args, 1) : wrongArity(name);
            case "DECRBY" -> arity(name, args, 2, 2) ? incrementBy(name, args, -1) : wrongArity(name);
            case "APPEND" -> arity(name, args, 2, 2)
                    ? write(name, new KvWrite.Append(args.get(0), args.get(1))) : wrongArity(name);
            case "MSET" -> multiSet(args);
            case "CAS" -> arity(name, args, 3, 3)
                    ? write(name, new KvWrite.CompareAndSet(args.get(0), args.get(1), args.get(2))) : wrongArity(name);
            case FORWARD_WRITE -> arity(name, args, 1, 1)
                    ? new Request.Forwarded(name, true, args.getFirst()) : wrongArity(name);
            case FORWARD_READ -> arity(name, args, 1, 1)
                    ? new Request.Forwarded(name, false, args.getFirst()) : wrongArity(name);
            default -> new Request.Invalid("UNKNOWN", ErrorCodes.ERR, "unknown command '" + printable(name)
                    + "', with args beginning with: " + argsPreview(args));
        };
    }

    private static Request set(List<byte[]> args) {
        if (args.size() == 2) {
            return write("SET", new KvWrite.Set(args.get(0), args.get(1)));
        }
        if (args.size() < 2) {
            return wrongArity("SET");
        }
        return new Request.Invalid("SET", ErrorCodes.ERR,
                "syntax error: SET options (EX, PX, NX, XX, GET, KEEPTTL) are not supported");
    }

    private static Request multiSet(List<byte[]> args) {
        if (args.isEmpty() || args.size() % 2 != 0) {
            return wrongArity("MSET");
        }
        List<byte[]> keys = new ArrayList<>(args.size() / 2);
        List<byte[]> values = new ArrayList<>(args.size() / 2);
        for (int i = 0; i < args.size(); i += 2) {
            keys.add(args.get(i));
            values.add(args.get(i + 1));
        }
        return write("MSET", new KvWrite.MultiSet(keys, values));
    }

    private static Request incrementBy(String name, List<byte[]> args, long sign) {
        long delta;
        try {
            delta = KvStateMachine.parseLong(args.get(1));
        } catch (NumberFormatException e) {
            return new Request.Invalid(name, ErrorCodes.ERR, "value is not an integer or out of range");
        }
        if (sign < 0 && delta == Long.MIN_VALUE) {
            return new Request.Invalid(name, ErrorCodes.ERR, "decrement would overflow");
        }
        return write(name, new KvWrite.IncrementBy(args.get(0), sign * delta));
    }

    private static Request config(List<byte[]> args) {
        if (args.isEmpty()) {
            return wrongArity("CONFIG");
        }
        String sub = text(args.getFirst()).toUpperCase(Locale.ROOT);
        if (!sub.equals("GET") || args.size() < 2) {
            return sub.equals("GET") ? wrongArity("CONFIG|GET")
                    : new Request.Invalid("CONFIG", ErrorCodes.ERR, "only CONFIG GET is supported (read-only)");
        }
        List<String> parameters = new ArrayList<>();
        for (byte[] parameter : args.subList(1, args.size())) {
            parameters.add(text(parameter));
        }
        return local("CONFIG", new Request.LocalCommand.ConfigGet(parameters));
    }

    private static Request client(List<byte[]> args) {
        String sub = args.isEmpty() ? "" : text(args.getFirst()).toUpperCase(Locale.ROOT);
        return switch (sub) {
            case "SETNAME", "SETINFO" -> local("CLIENT", new Request.LocalCommand.Harmless(KvResult.OK));
            case "GETNAME" -> local("CLIENT", new Request.LocalCommand.Harmless(KvResult.NIL));
            default -> new Request.Invalid("CLIENT", ErrorCodes.ERR, "unsupported CLIENT subcommand '"
                    + printable(sub) + "' (SETNAME, SETINFO and GETNAME are accepted)");
        };
    }

    private static Request select(List<byte[]> args) {
        if (args.size() != 1) {
            return wrongArity("SELECT");
        }
        return text(args.getFirst()).equals("0") ? local("SELECT", new Request.LocalCommand.Harmless(KvResult.OK))
                : new Request.Invalid("SELECT", ErrorCodes.ERR, "DB index is out of range (only database 0 exists)");
    }

    private static boolean arity(String name, List<byte[]> args, int min, int max) {
        return args.size() >= min && args.size() <= max;
    }

    private static Request wrongArity(String name) {
        return new Request.Invalid(name, ErrorCodes.ERR,
                "wrong number of arguments for '" + name.toLowerCase(Locale.ROOT) + "' command");
    }

    private static Request local(String name, Request.LocalCommand command) {
        return new Request.Local(name, command);
    }

    private static Request read(String name, KvQuery query) {
        return new Request.Read(name, query);
    }

    private static Request write(String name, KvWrite write) {
        return new Request.Write(name, write);
    }

    private static List<byte[]> copy(List<byte[]> args) {
        return List.copyOf(args);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String argsPreview(List<byte[]> args) {
        StringBuilder preview = new StringBuilder();
        for (byte[] arg : args.subList(0, Math.min(args.size(), 3))) {
            preview.append('\'').append(printable(text(arg))).append("' ");
        }
        return preview.toString().trim();
    }

    /** Error replies are one line: strip CR/LF and cap the length. */
    static String printable(String text) {
        String oneLine = text.replace('\r', ' ').replace('\n', ' ');
        return oneLine.length() > 64 ? oneLine.substring(0, 64) + "..." : oneLine;
    }
}
