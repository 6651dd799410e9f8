package io.caucus.kv.command;

import static io.caucus.kv.command.Arguments.is;

import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.command.script.LuaScripts;
import io.caucus.kv.state.ScriptCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scripts: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD / EXISTS / FLUSH / KILL / HELP.
 *
 * <p>A script runs where its command runs: EVAL and EVALSHA are WRITE commands, so the script runs on every replica
 * as the apply of one log entry, atomically, at that entry's time and index (so its {@code redis.call}s, its
 * {@code math.random} and its outcome are the same everywhere); EVAL_RO and EVALSHA_RO are READ commands (a
 * linearizable read, where {@code redis.call} of a write is refused). The script cache
 * ({@link ScriptCache}, part of the replicated state) is filled by SCRIPT LOAD and EVAL (log entries both) and
 * emptied by SCRIPT FLUSH; the Lua side is {@link LuaScripts}.
 */
public final class ScriptCommands {

    private static final String NOSCRIPT = "NOSCRIPT";

    private ScriptCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of(
                new CommandSpec("EVAL", -3, Kind.WRITE, 0, 0, 0, (c, a) -> eval(c, a, false)),
                new CommandSpec("EVALSHA", -3, Kind.WRITE, 0, 0, 0, (c, a) -> evalsha(c, a, false)),
                new CommandSpec("EVAL_RO", -3, Kind.READ, 0, 0, 0, (c, a) -> eval(c, a, true)),
                new CommandSpec("EVALSHA_RO", -3, Kind.READ, 0, 0, 0, (c, a) -> evalsha(c, a, true)),
                // A container: what runs is one of its subcommands (CommandTable.resolve).
                new CommandSpec("SCRIPT", -2, Kind.LOCAL, 0, 0, 0, null));
    }

    /** SCRIPT's subcommands, by name; each is served as its kind says (LOAD and FLUSH go through the log). */
    public static Map<String, CommandSpec> scriptSubcommands() {
        return Map.of(
                "LOAD", new CommandSpec("SCRIPT|LOAD", 3, Kind.WRITE, 0, 0, 0, ScriptCommands::load),
                "EXISTS", new CommandSpec("SCRIPT|EXISTS", -3, Kind.READ, 0, 0, 0, ScriptCommands::exists),
                "FLUSH", new CommandSpec("SCRIPT|FLUSH", -2, Kind.WRITE, 0, 0, 0, ScriptCommands::flush),
                "KILL", new CommandSpec("SCRIPT|KILL", 2, Kind.LOCAL, 0, 0, 0, (c, a) ->
                        new Reply.Error("NOTBUSY", "No scripts in execution right now.")),
                "HELP", new CommandSpec("SCRIPT|HELP", 2, Kind.LOCAL, 0, 0, 0, (c, a) -> help()));
    }

    // ------------------------------------------------------------------ EVAL and EVALSHA

    private static Reply eval(CommandContext context, List<byte[]> args, boolean readOnly) {
        int keys = numberOfKeys(args);
        ScriptCache cache = cache(context);
        byte[] body = args.get(1);
        String sha = ScriptCache.sha1Hex(body);
        ScriptCache.Script cached = cache.get(sha);
        LuaScripts.Compiled compiled = cached == null ? null : (LuaScripts.Compiled) cached.compiled();
        if (compiled == null) {
            compiled = LuaScripts.compile(body);
            // EVAL caches the script as Redis does. EVAL_RO cannot: it is a read, and the cache is replicated
            // state. A full cache does not stop the script: it runs, uncached (EVALSHA answers NOSCRIPT).
            if (cached == null && !readOnly && context.writable() && cache.hasRoomFor(body.length)) {
                cached = cache.add(sha, body);
            }
            if (cached != null) {
                cached.compiled(compiled);
            }
        }
        return run(context, compiled, sha, args, keys, readOnly);
    }

    private static Reply evalsha(CommandContext context, List<byte[]> args, boolean readOnly) {
        int keys = numberOfKeys(args);
        ScriptCache.Script cached = cache(context).get(args.get(1));
        if (cached == null) {
            return new Reply.Error(NOSCRIPT, "No matching script. Please use EVAL.");
        }
        LuaScripts.Compiled compiled = (LuaScripts.Compiled) cached.compiled();
        if (compiled == null) {
            compiled = LuaScripts.compile(cached.body());
            cached.compiled(compiled);
        }
        return run(context, compiled, cached.sha(), args, keys, readOnly);
    }

    private static Reply run(CommandContext context, LuaScripts.Compiled compiled, String sha, List<byte[]> args,
                             int keys, boolean readOnly) {
        if (readOnly && compiled.shebang() && !compiled.noWrites()) {
            throw CommandException.err("Can not execute a script with write flag using *_ro command.");
        }
        List<byte[]> keyList = new ArrayList<>(args.subList(3, 3 + keys));
        List<byte[]> argList = new ArrayList<>(args.subList(3 + keys, args.size()));
        return LuaScripts.run(context, compiled, sha, keyList, argList, readOnly);
    }

    /** The numkeys argument, checked as Redis 7.0 checks it (before the script is even looked at). */
    private static int numberOfKeys(List<byte[]> args) {
        long keys = Arguments.integer(args.get(2));
        if (keys > args.size() - 3) {
            throw CommandException.err("Number of keys can't be greater than number of args");
        }
        if (keys < 0) {
            throw CommandException.err("Number of keys can't be negative");
        }
        return (int) keys;
    }

    private static ScriptCache cache(CommandContext context) {
        ScriptCache cache = context.scripts();
        if (cache == null) {
            throw CommandException.err("scripts cannot run here");
        }
        return cache;
    }

    // ------------------------------------------------------------------ SCRIPT

    private static Reply load(CommandContext context, List<byte[]> args) {
        ScriptCache cache = cache(context);
        byte[] body = args.get(2);
        String sha = ScriptCache.sha1Hex(body);
        ScriptCache.Script cached = cache.get(sha);
        if (cached == null) {
            LuaScripts.Compiled compiled = LuaScripts.compile(body);
            try {
                cached = cache.add(sha, body);
            } catch (IllegalStateException full) {
                throw CommandException.err(full.getMessage());
            }
            cached.compiled(compiled);
        }
        return Reply.bulk(sha);
    }

    private static Reply exists(CommandContext context, List<byte[]> args) {
        ScriptCache cache = cache(context);
        List<Reply> found = new ArrayList<>(args.size() - 2);
        for (byte[] sha : args.subList(2, args.size())) {
            found.add(Reply.bool(cache.get(sha) != null));
        }
        return new Reply.Array(found);
    }

    private static Reply flush(CommandContext context, List<byte[]> args) {
        if (args.size() > 3 || args.size() == 3 && !is(args.get(2), "ASYNC") && !is(args.get(2), "SYNC")) {
            throw CommandException.err("SCRIPT FLUSH only support SYNC|ASYNC option");
        }
        cache(context).flush();
        return Reply.OK;
    }

    private static Reply help() {
        String[] lines = {
            "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache (on every replica: it is part of the replicated state).",
            "KILL",
            "    Kill the currently executing Lua script (never needed: a script stops at its instruction limit).",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
            "HELP",
            "    Prints this help."};
        List<Reply> replies = new ArrayList<>(lines.length);
        for (String line : lines) {
            replies.add(new Reply.Status(line));
        }
        return new Reply.Array(replies);
    }
}
