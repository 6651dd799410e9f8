package io.caucus.kv.command.script;

import io.caucus.kv.command.CommandContext;
import io.caucus.kv.command.CommandException;
import io.caucus.kv.command.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;

/**
 * The bridge between the script commands and Lua (luaj): compiling a script, and running it against a command's
 * context with Redis 7.0's conversions and error messages. A run is a pure function of the script, its keys and
 * arguments, the context's state, time and log index: see {@link ScriptRun} for its bounds and {@link Sandbox}
 * for its environment.
 */
public final class LuaScripts {

    /** The largest script accepted (a log entry is at most 1 MiB by default anyway). */
    public static final int MAX_SCRIPT_BYTES = 1 << 20;

    private static final List<String> FLAGS = List.of("no-writes", "allow-oom", "allow-stale", "no-cluster",
            "allow-cross-slot-keys");

    private LuaScripts() {
    }

    /**
     * A compiled script. {@code shebang}: it starts with {@code #!lua} (Redis 7.0's new mode: writes only
     * without {@code flags=no-writes}); {@code noWrites}: the shebang says {@code no-writes}.
     */
    public record Compiled(Prototype prototype, boolean shebang, boolean noWrites) {
    }

    /**
     * Compiles a script, as EVAL and SCRIPT LOAD do; a refusal has Redis's message (a bad shebang, or
     * {@code Error compiling script (new function): user_script:1: ...}).
     */
    public static Compiled compile(byte[] body) {
        if (body.length > MAX_SCRIPT_BYTES) {
            throw CommandException.err("script is larger than the " + MAX_SCRIPT_BYTES + " bytes a Caucus script "
                    + "may have");
        }
        boolean shebang = false;
        boolean noWrites = false;
        byte[] source = body;
        if (body.length >= 2 && body[0] == '#' && body[1] == '!') {
            int end = indexOf(body, (byte) '\n');
            if (end < 0) {
                throw CommandException.err("Invalid script shebang");
            }
            String[] parts = new String(body, 0, end, StandardCharsets.UTF_8).trim().split("[ \t]+");
            if (parts.length == 0 || parts[0].isEmpty()) {
                throw CommandException.err("Invalid engine in script shebang");
            }
            if (!parts[0].equals("#!lua")) {
                throw CommandException.err("Unexpected engine in script shebang: " + parts[0]);
            }
            shebang = true;
            for (int i = 1; i < parts.length; i++) {
                if (!parts[i].startsWith("flags=")) {
                    throw CommandException.err("Unknown lua shebang option: " + parts[i]);
                }
                for (String flag : parts[i].substring(6).split(",", -1)) {
                    if (!FLAGS.contains(flag)) {
                        throw CommandException.err("Unexpected flag in script shebang: " + flag);
                    }
                    noWrites |= flag.equals("no-writes");
                }
            }
            // Redis skips the shebang line but keeps its line feed, so that line numbers stay the user's.
            source = Arrays.copyOfRange(body, end, body.length);
        }
        try {
            return new Compiled(Sandbox.compile(source), shebang, noWrites);
        } catch (LuaError e) {
            throw CommandException.err("Error compiling script (new function): " + oneLine(e.getMessage()));
        } catch (StackOverflowError e) {
            throw CommandException.err("Error compiling script (new function): user_script: chunk has too many "
                    + "syntax levels");
        }
    }

    /**
     * Runs a compiled script: the reply of its first return value, or the error it raised (with Redis's
     * {@code script: <sha>, on @user_script:<line>.} suffix).
     *
     * @param readOnly EVAL_RO/EVALSHA_RO (or a context that cannot write): writes are refused inside
     */
    public static Reply run(CommandContext context, Compiled script, String sha, List<byte[]> keys,
                            List<byte[]> args, boolean readOnly) {
        ScriptRun run = new ScriptRun(context, readOnly || script.noWrites() || !context.writable(), sha);
        ScriptGlobals globals = Sandbox.globals(run, keys, args);
        LuaClosure function = new LuaClosure(script.prototype(), globals);
        run.enter();
        try {
            return Conversions.toReply(function.call());
        } catch (LuaError e) {
            return failure(Sandbox.messageOf(e), run);
        } catch (ScriptRun.Abort e) {
            return withPlace("ERR " + e.getMessage(), run.errorLine(), run);
        } catch (StackOverflowError e) {
            return withPlace("ERR stack overflow (the script nests calls too deeply)", run.errorLine(), run);
        } finally {
            run.exit();
        }
    }

    /** Redis's reply to a script error: {@code {err=...}} as it is, anything else as "ERR " .. tostring(it). */
    private static Reply failure(LuaValue raised, ScriptRun run) {
        String message;
        if (raised instanceof LuaTable table) {
            LuaValue err = table.rawget(Conversions.ERR);
            message = err.type() == LuaValue.TSTRING || err.type() == LuaValue.TNUMBER
                    ? Sandbox.tostring(err).tojstring()
                    : "ERR the script raised a table without an 'err' field";
        } else {
            message = "ERR " + Sandbox.tostring(raised).tojstring();
        }
        return withPlace(message, run.errorLine(), run);
    }

    private static Reply withPlace(String message, int line, ScriptRun run) {
        String text = line > 0 ? message + " script: " + run.sha + ", on @" + Sandbox.CHUNK_NAME + ":" + line + "."
                : message;
        return Conversions.errorReply(text);
    }

    private static String oneLine(String message) {
        return message == null ? "unknown error" : message.replace('\r', ' ').replace('\n', ' ');
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The string a Lua value prints as (for tests). */
    static String text(LuaValue value) {
        return value instanceof LuaString s ? s.tojstring() : value.tojstring();
    }
}
