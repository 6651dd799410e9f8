package io.caucus.kv.command;

import static io.caucus.kv.command.Arguments.integer;
import static io.caucus.kv.command.Arguments.is;

import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.state.KeyEntry;
import io.caucus.kv.state.Keyspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Commands on keys whatever their type: deletion, existence, renaming, scanning, and expiry. */
public final class KeyCommands {

    private KeyCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of(
                new CommandSpec("DEL", -2, Kind.WRITE, 1, -1, 1, KeyCommands::delete),
                new CommandSpec("UNLINK", -2, Kind.WRITE, 1, -1, 1, KeyCommands::delete),
                new CommandSpec("EXISTS", -2, Kind.READ, 1, -1, 1, KeyCommands::countExisting),
                new CommandSpec("TOUCH", -2, Kind.READ, 1, -1, 1, KeyCommands::countExisting),
                StringCommands.read("TYPE", 2, (c, a) -> {
                    KeyEntry entry = c.read(a.get(1));
                    return new Reply.Status(entry == null ? "none" : CommandContext.typeName(entry.value()));
                }),
                new CommandSpec("KEYS", 2, Kind.READ, 0, 0, 0, KeyCommands::keys),
                new CommandSpec("SCAN", -2, Kind.READ, 0, 0, 0, KeyCommands::scan),
                new CommandSpec("RANDOMKEY", 1, Kind.READ, 0, 0, 0, (c, a) -> {
                    KeyEntry entry = c.keyspace().near((int) c.nextRandom(), c.nowMillis());
                    return entry == null ? Reply.NIL : new Reply.Bulk(entry.key());
                }),
                new CommandSpec("DBSIZE", 1, Kind.READ, 0, 0, 0, (c, a) -> new Reply.Int(c.keyspace().size())),
                new CommandSpec("FLUSHDB", -1, Kind.WRITE, 0, 0, 0, KeyCommands::flush),
                new CommandSpec("FLUSHALL", -1, Kind.WRITE, 0, 0, 0, KeyCommands::flush),
                new CommandSpec("RENAME", 3, Kind.WRITE, 1, 2, 1, (c, a) -> rename(c, a, false)),
                new CommandSpec("RENAMENX", 3, Kind.WRITE, 1, 2, 1, (c, a) -> rename(c, a, true)),
                new CommandSpec("COPY", -3, Kind.WRITE, 1, 2, 1, KeyCommands::copy),
                new CommandSpec("OBJECT", -2, Kind.READ, 2, 2, 1, KeyCommands::object), // see objectSubcommands
                StringCommands.write("EXPIRE", -3, (c, a) -> expire(c, a, "EX", "expire")),
                StringCommands.write("PEXPIRE", -3, (c, a) -> expire(c, a, "PX", "pexpire")),
                StringCommands.write("EXPIREAT", -3, (c, a) -> expire(c, a, "EXAT", "expireat")),
                StringCommands.write("PEXPIREAT", -3, (c, a) -> expire(c, a, "PXAT", "pexpireat")),
                StringCommands.read("TTL", 2, (c, a) -> ttl(c, a.get(1), false, false)),
                StringCommands.read("PTTL", 2, (c, a) -> ttl(c, a.get(1), true, false)),
                StringCommands.read("EXPIRETIME", 2, (c, a) -> ttl(c, a.get(1), false, true)),
                StringCommands.read("PEXPIRETIME", 2, (c, a) -> ttl(c, a.get(1), true, true)),
                StringCommands.write("PERSIST", 2, (c, a) -> {
                    KeyEntry entry = c.write(a.get(1));
                    if (entry == null || !entry.hasExpiry()) {
                        return Reply.ZERO;
                    }
                    c.setExpiry(entry, KeyEntry.NO_EXPIRY);
                    return Reply.ONE;
                }));
    }

    private static Reply delete(CommandContext context, List<byte[]> args) {
        long deleted = 0;
        for (byte[] key : args.subList(1, args.size())) {
            if (context.write(key) != null) { // an expired key is deleted by the lookup and not counted
                context.delete(key);
                deleted++;
            }
        }
        return new Reply.Int(deleted);
    }

    /** EXISTS and TOUCH: how many of the keys exist, a key named twice counted twice. */
    private static Reply countExisting(CommandContext context, List<byte[]> args) {
        long count = 0;
        for (byte[] key : args.subList(1, args.size())) {
            count += context.read(key) != null ? 1 : 0;
        }
        return new Reply.Int(count);
    }

    private static Reply keys(CommandContext context, List<byte[]> args) {
        byte[] pattern = args.get(1);
        boolean all = pattern.length == 1 && pattern[0] == '*';
        List<Reply> keys = new ArrayList<>();
        context.keyspace().forEachLive(context.nowMillis(), entry -> {
            if (all || GlobPattern.matches(pattern, entry.key())) {
                keys.add(new Reply.Bulk(entry.key()));
            }
        });
        return new Reply.Array(keys);
    }

    /** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. */
    private static Reply scan(CommandContext context, List<byte[]> args) {
        long cursor = parseCursor(args.get(1));
        ScanOptions options = ScanOptions.parse(args, 2, true);
        List<KeyEntry> found = new ArrayList<>();
        Keyspace keyspace = context.keyspace();
        long next = cursor;
        long steps = options.count() * 10;
        do {
            next = keyspace.scan(next, context.nowMillis(), found::add);
        } while (next != 0 && steps-- > 0 && found.size() < options.count());
        List<Reply> keys = new ArrayList<>(found.size());
        for (KeyEntry entry : found) {
            if (options.matches(entry.key()) && (options.type() == null
                    || options.type().equalsIgnoreCase(CommandContext.typeName(entry.value())))) {
                keys.add(new Reply.Bulk(entry.key()));
            }
        }
        return scanReply(next, keys);
    }

    static Reply scanReply(long nextCursor, List<Reply> elements) {
        return new Reply.Array(List.of(Reply.bulk(Long.toUnsignedString(nextCursor)), new Reply.Array(elements)));
    }

    /**
     * A SCAN cursor as Redis reads it (C's strtoul): an optional sign and decimal digits, no leading space, at
     * most 2^64 - 1; a minus sign negates modulo 2^64 and an empty cursor is 0. {@code ERR invalid cursor}
     * otherwise.
     */
    static long parseCursor(byte[] arg) {
        String text = Arguments.text(arg);
        if (text.isEmpty()) {
            return 0;
        }
        boolean negative = text.charAt(0) == '-';
        String digits = text.charAt(0) == '-' || text.charAt(0) == '+' ? text.substring(1) : text;
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw CommandException.err("invalid cursor");
        }
        try {
            long value = Long.parseUnsignedLong(digits);
            return negative ? -value : value;
        } catch (NumberFormatException e) { // beyond 2^64 - 1
            throw CommandException.err("invalid cursor");
        }
    }

    /** The options of SCAN and of HSCAN, SSCAN, ZSCAN (which take no TYPE). */
    record ScanOptions(byte[] pattern, long count, String type) {
        static ScanOptions parse(List<byte[]> args, int from, boolean typeAllowed) {
            byte[] pattern = null;
            long count = 10;
            String type = null;
            for (int i = from; i < args.size(); i += 2) {
                byte[] option = args.get(i);
                if (i + 1 >= args.size()) {
                    throw CommandException.syntax();
                }
                if (is(option, "COUNT")) {
                    count = integer(args.get(i + 1));
                    if (count < 1) {
                        throw CommandException.syntax();
                    }
                } else if (is(option, "MATCH")) {
                    pattern = args.get(i + 1);
                } else if (is(option, "TYPE") && typeAllowed) {
                    type = Arguments.text(args.get(i + 1));
                } else {
                    throw CommandException.syntax();
                }
            }
            return new ScanOptions(pattern, count, type);
        }

        boolean matches(byte[] subject) {
            return pattern == null || pattern.length == 1 && pattern[0] == '*'
                    || GlobPattern.matches(pattern, subject);
        }
    }

    private static Reply flush(CommandContext context, List<byte[]> args) {
        if (args.size() > 2 || args.size() == 2 && !is(args.get(1), "ASYNC") && !is(args.get(1), "SYNC")) {
            throw CommandException.syntax();
        }
        context.keyspace().clear(context.index());
        return Reply.OK;
    }

    private static Reply rename(CommandContext context, List<byte[]> args, boolean onlyIfAbsent) {
        byte[] source = args.get(1);
        byte[] target = args.get(2);
        KeyEntry from = context.write(source);
        if (from == null) {
            throw CommandException.err("no such key");
        }
        if (java.util.Arrays.equals(source, target)) {
            return onlyIfAbsent ? Reply.ZERO : Reply.OK;
        }
        if (onlyIfAbsent && context.write(target) != null) {
            return Reply.ZERO;
        }
        Object value = from.value();
        long expireAt = from.expireAtMillis();
        context.delete(source);
        context.delete(target);
        KeyEntry moved = context.create(target, value);
        if (expireAt != KeyEntry.NO_EXPIRY) {
            context.setExpiry(moved, expireAt);
        }
        return onlyIfAbsent ? Reply.ONE : Reply.OK;
    }

    /** COPY source destination [DB 0] [REPLACE]: only database 0 exists. */
    private static Reply copy(CommandContext context, List<byte[]> args) {
        boolean replace = false;
        for (int i = 3; i < args.size(); i++) {
            if (is(args.get(i), "REPLACE")) {
                replace = true;
            } else if (is(args.get(i), "DB") && i + 1 < args.size()) {
                long db = integer(args.get(++i));
                if (db != 0) {
                    throw CommandException.err("DB index is out of range");
                }
            } else {
                throw CommandException.syntax();
            }
        }
        byte[] source = args.get(1);
        byte[] target = args.get(2);
        if (java.util.Arrays.equals(source, target)) {
            throw CommandException.err("source and destination objects are the same");
        }
        KeyEntry from = context.write(source);
        if (from == null) {
            return Reply.ZERO;
        }
        if (context.write(target) != null) {
            if (!replace) {
                return Reply.ZERO;
            }
            context.delete(target);
        }
        KeyEntry copy = context.create(target, Keyspace.copyValue(from.value()));
        if (from.hasExpiry()) {
            context.setExpiry(copy, from.expireAtMillis());
        }
        return Reply.ONE;
    }

    /** OBJECT's subcommands, each with its arity: the table checks them before OBJECT runs or is queued. */
    public static Map<String, CommandSpec> objectSubcommands() {
        return Map.of("ENCODING", objectSubcommand("ENCODING", 3), "REFCOUNT", objectSubcommand("REFCOUNT", 3),
                "IDLETIME", objectSubcommand("IDLETIME", 3), "FREQ", objectSubcommand("FREQ", 3),
                "HELP", new CommandSpec("OBJECT|HELP", 2, Kind.READ, 0, 0, 0, KeyCommands::object));
    }

    private static CommandSpec objectSubcommand(String name, int arity) {
        return new CommandSpec("OBJECT|" + name, arity, Kind.READ, 2, 2, 1, KeyCommands::object);
    }

    /**
     * OBJECT ENCODING | REFCOUNT | IDLETIME | FREQ | HELP, for clients that ask. The subcommand and its arity were
     * checked by the table ({@link CommandTable#refusal}).
     */
    private static Reply object(CommandContext context, List<byte[]> args) {
        String sub = Arguments.upper(args.get(1));
        if (sub.equals("HELP")) {
            return Reply.bulks(List.of(Arguments.bytes("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
                    Arguments.bytes("ENCODING <key>"), Arguments.bytes("REFCOUNT <key>"),
                    Arguments.bytes("IDLETIME <key>")));
        }
        KeyEntry entry = context.read(args.get(2));
        if (entry == null) {
            return Reply.NIL;
        }
        return switch (sub) {
            case "ENCODING" -> Reply.bulk(Encodings.of(entry.value()));
            case "REFCOUNT" -> Reply.ONE;
            case "IDLETIME" -> Reply.ZERO;
            default -> throw CommandException.err("An LFU maxmemory policy is not selected, access frequency "
                    + "not tracked. Please note that when switching between policies at runtime LRU and LFU data "
                    + "will take some time to adjust.");
        };
    }

    /** EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT key time [NX | XX | GT | LT], checked in Redis 7.0's order. */
    private static Reply expire(CommandContext context, List<byte[]> args, String unit, String command) {
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        for (byte[] option : args.subList(3, args.size())) {
            switch (Arguments.upper(option)) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "GT" -> gt = true;
                case "LT" -> lt = true;
                default -> throw CommandException.err("Unsupported option " + Arguments.text(option));
            }
        }
        if (nx && (xx || gt || lt)) {
            throw CommandException.err("NX and XX, GT or LT options at the same time are not compatible");
        }
        if (gt && lt) {
            throw CommandException.err("GT and LT options at the same time are not compatible");
        }
        long when = integer(args.get(2));
        long at = absoluteExpiryAllowingPast(context, when, unit, command);
        KeyEntry entry = context.write(args.get(1));
        if (entry == null) {
            return Reply.ZERO;
        }
        long current = entry.expireAtMillis();
        boolean hasTtl = entry.hasExpiry();
        if (nx && hasTtl || xx && !hasTtl || gt && (!hasTtl || at <= current) || lt && hasTtl && at >= current) {
            return Reply.ZERO;
        }
        if (at <= context.nowMillis()) {
            context.delete(args.get(1));
        } else {
            context.setExpiry(entry, at);
        }
        return Reply.ONE;
    }

    /** As {@link StringCommands#absoluteExpiry} but a time in the past is allowed (it deletes the key). */
    private static long absoluteExpiryAllowingPast(CommandContext context, long when, String unit, String command) {
        CommandException invalid = CommandException.err("invalid expire time in '" + command + "' command");
        boolean seconds = unit.equals("EX") || unit.equals("EXAT");
        if (seconds && (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000)) {
            throw invalid;
        }
        long millis = seconds ? when * 1000 : when;
        if (unit.equals("EX") || unit.equals("PX")) {
            if (millis > Long.MAX_VALUE - context.nowMillis()) {
                throw invalid;
            }
            millis += context.nowMillis();
        }
        return millis;
    }

    /** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for no key, -1 for no expiry; seconds are rounded as Redis does. */
    private static Reply ttl(CommandContext context, byte[] key, boolean millis, boolean absolute) {
        KeyEntry entry = context.read(key);
        if (entry == null) {
            return new Reply.Int(-2);
        }
        if (!entry.hasExpiry()) {
            return new Reply.Int(-1);
        }
        long value = absolute ? entry.expireAtMillis() : entry.expireAtMillis() - context.nowMillis();
        value = Math.max(0, value);
        // Rounded to the nearest second without (value + 500), which overflows for an expiry near Long.MAX_VALUE ms.
        return new Reply.Int(millis ? value : value / 1000 + (value % 1000 >= 500 ? 1 : 0));
    }
}
