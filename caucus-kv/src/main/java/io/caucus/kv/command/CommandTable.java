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
 * {@link ConnectionCommands}); a new command goes into its family's list.
 */
public final class CommandTable {

    private static final Map<String, CommandSpec> BY_NAME = build();

    /**
     * Arities of the subcommands of commands that have them (Redis's convention), checked before a command runs
     * or is queued in MULTI, as Redis 7.0 checks them.
     */
    private static final Map<String, Map<String, Integer>> SUBCOMMAND_ARITY = Map.of(
            "OBJECT", Map.of("ENCODING", 3, "REFCOUNT", 3, "IDLETIME", 3, "FREQ", 3, "HELP", 2));

    private CommandTable() {
    }

    private static Map<String, CommandSpec> build() {
        Map<String, CommandSpec> table = new HashMap<>();
        List<List<CommandSpec>> families = List.of(StringCommands.commands(), KeyCommands.commands(),
                HashCommands.commands(), SetCommands.commands(), ListCommands.commands(),
                SortedSetCommands.commands(), ConnectionCommands.commands());
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
        return name.length > 64 ? null : BY_NAME.get(new String(name, StandardCharsets.ISO_8859_1)
                .toUpperCase(Locale.ROOT));
    }

    public static Collection<CommandSpec> all() {
        return BY_NAME.values();
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
        Map<String, Integer> subcommands = SUBCOMMAND_ARITY.get(spec.name());
        if (subcommands == null) {
            return null;
        }
        String sub = new String(argv.get(1), StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
        Integer arity = subcommands.get(sub);
        if (arity == null) {
            return Reply.error("unknown subcommand '" + printable(argv.get(1)) + "'. Try " + spec.name() + " HELP.");
        }
        boolean fits = arity >= 0 ? argv.size() == arity : argv.size() >= -arity;
        return fits ? null : CommandException.wrongArity(spec.name() + "|" + sub).reply();
    }

    /**
     * Runs one command against {@code context}: the reply, an error reply for a refusal. Deterministic for a
     * given state, argument vector and context (time, index).
     */
    public static Reply execute(CommandContext context, List<byte[]> argv) {
        Reply.Error refusal = refusal(argv);
        if (refusal != null) {
            return refusal;
        }
        CommandSpec spec = lookup(argv.getFirst());
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
