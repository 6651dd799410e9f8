package io.caucus.kv.command.script;

import static io.caucus.kv.command.script.Sandbox.function;

import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import io.caucus.kv.command.RedisNumbers;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.ScriptCache;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The {@code redis} library: {@code call} and {@code pcall} run Caucus commands through
 * {@link CommandTable#execute} with the script's own context (so inside EVAL they apply at the script's log index
 * and time, atomically with it), and the helpers of Redis 7.0's {@code script_lua.c}, with its messages.
 */
final class RedisFunctions {

    static final String VERSION = "7.0.0";
    static final int VERSION_NUM = 0x070000;

    private RedisFunctions() {
    }

    static LuaTable library() {
        ReadOnlyTable redis = new ReadOnlyTable();
        redis.rawset("call", function("call", args -> call(args, true)));
        redis.rawset("pcall", function("pcall", args -> call(args, false)));
        redis.rawset("error_reply", function("error_reply", args -> {
            if (args.narg() != 1 || args.arg1().type() != LuaValue.TSTRING) {
                return errorTable("wrong number or type of arguments");
            }
            String message = args.arg1().tojstring();
            return errorTable(message.startsWith("-") ? message : "-" + message);
        }));
        redis.rawset("status_reply", function("status_reply", args -> {
            if (args.narg() != 1 || args.arg1().type() != LuaValue.TSTRING) {
                return errorTable("wrong number or type of arguments");
            }
            return Conversions.table(Conversions.OK, args.arg1());
        }));
        redis.rawset("sha1hex", function("sha1hex", args -> {
            if (args.narg() != 1) {
                throw raise("wrong number of arguments");
            }
            LuaValue value = args.arg1();
            byte[] bytes = value.type() == LuaValue.TSTRING || value.type() == LuaValue.TNUMBER ? Conversions.bytes(Sandbox.tostring(value).checkstring())
                    : new byte[0];
            return LuaValue.valueOf(ScriptCache.sha1Hex(bytes));
        }));
        redis.rawset("log", function("log", args -> {
            if (args.narg() < 2) {
                throw raise("redis.log() requires two arguments or more.");
            }
            if (args.arg1().type() != LuaValue.TNUMBER) {
                throw raise("First argument must be a number (log level).");
            }
            double level = args.arg1().todouble();
            if (level < 0 || level > 3) {
                throw raise("Invalid debug level.");
            }
            return LuaValue.NONE; // nothing is logged: a replica's log is not the place for a script's output
        }));
        redis.rawset("setresp", function("setresp", args -> {
            if (args.narg() != 1) {
                throw raise("redis.setresp() requires one argument.");
            }
            long version = Conversions.toLong(args.checkdouble(1));
            if (version != 2 && version != 3) {
                throw raise("RESP version must be 2 or 3.");
            }
            if (version == 3) {
                throw raise("RESP3 is not supported by Caucus scripts (RESP2 only).");
            }
            return LuaValue.NONE;
        }));
        redis.rawset("set_repl", function("set_repl", args -> {
            if (args.narg() != 1) {
                throw raise("redis.set_repl() requires one argument.");
            }
            long flags = Conversions.toLong(args.checkdouble(1));
            if ((flags & ~3L) != 0) {
                throw raise("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
            }
            return LuaValue.NONE; // the whole script is one log entry: there is nothing else to choose
        }));
        redis.rawset("replicate_commands", function("replicate_commands", args -> LuaValue.TRUE));
        redis.rawset("breakpoint", function("breakpoint", args -> LuaValue.FALSE));
        redis.rawset("debug", function("debug", args -> LuaValue.NONE));
        redis.rawset("acl_check_cmd", function("acl_check_cmd", args -> {
            if (args.narg() == 0) {
                throw raise("Please specify at least one argument for this redis lib call");
            }
            List<byte[]> argv = arguments(args, true);
            if (CommandTable.lookup(argv.getFirst()) == null) {
                throw raise("Invalid command passed to redis.acl_check_cmd()");
            }
            return LuaValue.TRUE; // no ACLs: every command is allowed
        }));
        redis.rawset("REDIS_VERSION", LuaValue.valueOf(VERSION));
        redis.rawset("REDIS_VERSION_NUM", LuaValue.valueOf(VERSION_NUM));
        redis.rawset("LOG_DEBUG", LuaValue.valueOf(0));
        redis.rawset("LOG_VERBOSE", LuaValue.valueOf(1));
        redis.rawset("LOG_NOTICE", LuaValue.valueOf(2));
        redis.rawset("LOG_WARNING", LuaValue.valueOf(3));
        redis.rawset("REPL_NONE", LuaValue.valueOf(0));
        redis.rawset("REPL_AOF", LuaValue.valueOf(1));
        redis.rawset("REPL_SLAVE", LuaValue.valueOf(2));
        redis.rawset("REPL_REPLICA", LuaValue.valueOf(2));
        redis.rawset("REPL_ALL", LuaValue.valueOf(3));
        return redis.seal();
    }

    /** redis.call ({@code raise}) and redis.pcall: the command's reply as a Lua value. */
    private static Varargs call(Varargs args, boolean raise) {
        ScriptRun run = ScriptRun.current();
        if (args.narg() == 0) {
            return fail(raise, "Please specify at least one argument for this redis lib call");
        }
        List<byte[]> argv = arguments(args, false);
        if (argv == null) {
            return fail(raise, "Lua redis lib command arguments must be strings or integers");
        }
        CommandSpec spec = CommandTable.resolve(argv);
        if (spec == null) {
            return fail(raise, "Unknown Redis command called from script");
        }
        if (!spec.arityAllows(argv.size())) {
            return fail(raise, "Wrong number of args calling Redis command from script");
        }
        if (!allowedInScripts(spec)) {
            return fail(raise, "This Redis command is not allowed from script");
        }
        if (spec.isWrite() && (run.readOnly || !run.context.writable())) {
            return fail(raise, "Write commands are not allowed from read-only scripts.");
        }
        Reply reply = CommandTable.execute(run.context, argv);
        if (reply instanceof Reply.Error error) {
            LuaTable table = Conversions.errorTable(error.line());
            if (raise) {
                throw new LuaError(table);
            }
            return table;
        }
        return Conversions.toLua(reply);
    }

    /** Commands a script may not call (Redis's "noscript" ones): transactions, scripts, node-local commands. */
    static boolean allowedInScripts(CommandSpec spec) {
        String name = spec.name();
        return spec.handler() != null && spec.kind() != CommandSpec.Kind.TRANSACTION
                && !name.startsWith("EVAL") && !name.startsWith("SCRIPT");
    }

    /**
     * The arguments as Redis takes them: strings as they are, numbers by {@code %.17g}; null for anything else
     * (or, with {@code lenient}, its tostring).
     */
    private static List<byte[]> arguments(Varargs args, boolean lenient) {
        List<byte[]> argv = new ArrayList<>(args.narg());
        for (int i = 1; i <= args.narg(); i++) {
            LuaValue value = args.arg(i);
            if (value instanceof LuaString string) {
                argv.add(Conversions.bytes(string));
            } else if (value.type() == LuaValue.TNUMBER) {
                argv.add(RedisNumbers.formatDouble(value.todouble()).getBytes(StandardCharsets.US_ASCII));
            } else if (lenient) {
                argv.add(value.tojstring().getBytes(StandardCharsets.UTF_8));
            } else {
                return null;
            }
        }
        return argv;
    }

    private static Varargs fail(boolean raise, String message) {
        LuaTable table = errorTable(message);
        if (raise) {
            throw new LuaError(table);
        }
        return table;
    }

    private static LuaError raise(String message) {
        return new LuaError(errorTable(message));
    }

    /**
     * Redis's luaPushErrorBuff: "-CODE message" keeps its code, anything else gets ERR; the table is
     * {@code {err="CODE message"}}.
     */
    static LuaTable errorTable(String message) {
        String code = "ERR";
        String text = message;
        if (message.startsWith("-")) {
            int space = message.indexOf(' ');
            if (space < 0) {
                text = message.substring(1);
            } else {
                code = message.substring(1, space);
                text = message.substring(space + 1);
            }
        }
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\r' || text.charAt(end - 1) == '\n')) {
            end--;
        }
        int start = 0;
        while (start < end && (text.charAt(start) == '\r' || text.charAt(start) == '\n')) {
            start++;
        }
        return Conversions.errorTable(code + " " + text.substring(start, end));
    }
}
