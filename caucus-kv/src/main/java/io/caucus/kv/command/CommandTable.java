package io.caucus.kv.command;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every command Caucus serves, by name: one table maps a name to its {@link CommandSpec} (arity, kind, keys,
 * handler). Each family of commands is one class ({@link StringCommands}, {@link KeyCommands},
 * {@link HashCommands}, {@link SetCommands}, {@link ListCommands}, {@link SortedSetCommands},
 * {@link ConnectionCommands}, {@link ScriptCommands}, {@link ClusterCommands}); a new command goes into its
 * family's list.
 *
 * <p>A command with subcommands whose kinds differ (SCRIPT: LOAD is a write, EXISTS a read) or whose arities
 * differ (CLUSTER KEYSLOT) is a container: its subcommands have their own specs, named {@code SCRIPT|LOAD} as Redis
 * names them, and {@link #resolve} finds the
 * one an argument vector runs.
 */
public final class CommandTable {

    private static final Map<String, CommandSpec> BY_NAME = build();
    /** Subcommands of the container commands, by container name, then by subcommand name (upper case). */
    private static final Map<String, Map<String, CommandSpec>> SUBCOMMANDS = Map.of(
            "SCRIPT", ScriptCommands.scriptSubcommands(), "OBJECT", KeyCommands.objectSubcommands(),
            "CLUSTER", ClusterCommands.subcommands());

    private CommandTable() {
    }

    private static Map<String, CommandSpec> build() {
        Map<String, CommandSpec> table = new HashMap<>();
        List<List<CommandSpec>> families = List.of(StringCommands.commands(), KeyCommands.commands(),
                HashCommands.commands(), SetCommands.commands(), ListCommands.commands(),
                SortedSetCommands.commands(), ConnectionCommands.commands(), ScriptCommands.commands(),
                ClusterCommands.commands());
        for (List<CommandSpec> family : families) {
            for (CommandSpec spec : family) {
                if (table.put(spec.name(), spec) != null) {
                    throw new IllegalStateException("command " + spec.name() + " is defined twice");
                }
            }
        }
        return Collections.unmodifiableMap(table);
    }

    /** The command named by {@code name} (any case), or null. */
    public static CommandSpec lookup(byte[] name) {
        if (name.length > 64) {
            return null;
        }
        String asSent = new String(name, StandardCharsets.ISO_8859_1);
        CommandSpec spec = BY_NAME.get(asSent); // most clients send names in upper case
        return spec != null ? spec : BY_NAME.get(asSent.toUpperCase(Locale.ROOT));
    }

    /**
     * The spec that runs {@code argv}: the command's, or for a container (SCRIPT) its subcommand's; null if the
     * command or the subcommand is unknown (or a container lacks its subcommand).
     */
    public static CommandSpec resolve(List<byte[]> argv) {
        if (argv.isEmpty()) {
            return null;
        }
        CommandSpec spec = lookup(argv.getFirst());
        if (spec == null) {
            return null;
        }
        Map<String, CommandSpec> subcommands = SUBCOMMANDS.get(spec.name());
        if (subcommands == null) {
            return spec;
        }
        return argv.size() < 2 || argv.get(1).length > 64 ? null : subcommands.get(Arguments.upper(argv.get(1)));
    }

    public static Collection<CommandSpec> all() {
        return BY_NAME.values();
    }

    /**
     * The spec that serves {@code argv} (its subcommand's, for SCRIPT or OBJECT) if the command is known and has an
     * acceptable number of arguments; null if {@link #refusal} has an answer for it.
     */
    public static CommandSpec accepted(List<byte[]> argv) {
        CommandSpec spec = resolve(argv);
        return spec != null && spec.arityAllows(argv.size()) ? spec : null;
    }

    /**
     * Checks a command before it is run or queued: its reply if it is unknown or has the wrong number of
     * arguments (exactly as Redis words them), else null.
     */
    public static Reply.Error refusal(List<byte[]> argv) {
        if (argv.isEmpty()) {
            return Reply.error("empty command");
        }
        CommandSpec spec = lookup(argv.getFirst());
        if (spec == null) {
            return unknownCommand(argv);
        }
        if (!spec.arityAllows(argv.size())) {
            return CommandException.wrongArity(spec.name()).reply();
        }
        if (SUBCOMMANDS.containsKey(spec.name())) {
            CommandSpec subcommand = resolve(argv);
            if (subcommand == null) {
                return Reply.error("unknown subcommand '" + printable(argv.get(1)) + "'. Try " + spec.name()
                        + " HELP.");
            }
            if (!subcommand.arityAllows(argv.size())) {
                return CommandException.wrongArity(subcommand.name()).reply();
            }
        }
        return null;
    }

    /**
     * Runs one command against {@code context}: the reply, an error reply for a refusal. Deterministic for a
     * given state, argument vector and context (time, index).
     */
    public static Reply execute(CommandContext context, List<byte[]> argv) {
        CommandSpec spec = accepted(argv);
        return spec == null ? refusal(argv) : run(context, spec, argv);
    }

    /** Runs a command already found by {@link #accepted}: its reply, or its refusal as an error reply. */
    public static Reply run(CommandContext context, CommandSpec spec, List<byte[]> argv) {
        if (spec.handler() == null || spec.isWrite() && !context.writable()) {
            return Reply.error("'" + spec.name().toLowerCase(Locale.ROOT) + "' cannot run here");
        }
        try {
            return spec.handler().run(context, argv);
        } catch (CommandException e) {
            return e.reply();
        }
    }

    /** Redis's reply to an unknown command: the name and the first arguments, quoted, each followed by a space. */
    static Reply.Error unknownCommand(List<byte[]> argv) {
        StringBuilder args = new StringBuilder();
        for (byte[] arg : argv.subList(1, argv.size())) {
            if (args.length() >= 128) {
                break;
            }
            String text = printable(arg);
            args.append('\'').append(text, 0, Math.min(text.length(), 128 - args.length())).append("' ");
        }
        String name = printable(argv.getFirst());
        return Reply.error("unknown command '" + name.substring(0, Math.min(name.length(), 128))
                + "', with args beginning with: " + args);
    }

    /** Error replies are one line: Redis turns CR and LF into spaces. */
    private static String printable(byte[] arg) {
        return new String(arg, StandardCharsets.UTF_8).replace('\r', ' ').replace('\n', ' ');
    }

    /** Names of every command, sorted (for tests and COMMAND COUNT). */
    public static List<String> names() {
        List<String> names = new ArrayList<>(BY_NAME.keySet());
        Collections.sort(names);
        return names;
    }
}
