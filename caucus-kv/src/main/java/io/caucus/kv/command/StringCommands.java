package io.caucus.kv.command;

import static io.caucus.kv.command.Arguments.integer;
import static io.caucus.kv.command.Arguments.is;
import static io.caucus.kv.command.CommandContext.string;

import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.state.KeyEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The string commands, and SET's expiry options (the expiry commands themselves are in {@link KeyCommands}). */
public final class StringCommands {

    /** Redis's proto-max-bulk-len default: no string may grow past it. */
    static final long MAX_STRING_BYTES = 512L * 1024 * 1024;

    private StringCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of(
                read("GET", 2, (c, a) -> Reply.bulkOrNil(string(c.read(a.get(1))))),
                read("STRLEN", 2, (c, a) -> {
                    byte[] value = string(c.read(a.get(1)));
                    return new Reply.Int(value == null ? 0 : value.length);
                }),
                new CommandSpec("MGET", -2, Kind.READ, 1, -1, 1, StringCommands::mget),
                read("GETRANGE", 4, StringCommands::getrange),
                write("SET", -3, StringCommands::set),
                write("SETNX", 3, (c, a) -> Reply.bool(setIf(c, a.get(1), a.get(2), false))),
                write("SETEX", 4, (c, a) -> setWithTtl(c, a, 1000)),
                write("PSETEX", 4, (c, a) -> setWithTtl(c, a, 1)),
                write("GETSET", 3, (c, a) -> {
                    byte[] old = string(c.read(a.get(1)));
                    setString(c, a.get(1), a.get(2), false);
                    return Reply.bulkOrNil(old);
                }),
                write("GETDEL", 2, (c, a) -> {
                    byte[] old = string(c.write(a.get(1)));
                    if (old != null) {
                        c.delete(a.get(1));
                    }
                    return Reply.bulkOrNil(old);
                }),
                write("GETEX", -2, StringCommands::getex),
                new CommandSpec("MSET", -3, Kind.WRITE, 1, -1, 2, StringCommands::mset),
                new CommandSpec("MSETNX", -3, Kind.WRITE, 1, -1, 2, StringCommands::msetnx),
                write("INCR", 2, (c, a) -> incrementBy(c, a.get(1), 1)),
                write("DECR", 2, (c, a) -> incrementBy(c, a.get(1), -1)),
                write("INCRBY", 3, (c, a) -> incrementBy(c, a.get(1), integer(a.get(2)))),
                write("DECRBY", 3, (c, a) -> {
                    long delta = integer(a.get(2));
                    if (delta == Long.MIN_VALUE) {
                        throw CommandException.err("decrement would overflow");
                    }
                    return incrementBy(c, a.get(1), -delta);
                }),
                write("INCRBYFLOAT", 3, StringCommands::incrbyfloat),
                write("APPEND", 3, StringCommands::append),
                write("SETRANGE", 4, StringCommands::setrange),
                // Caucus's own compare-and-set: 1 if the key held exactly `expected` and now holds `new`.
                write("CAS", 4, (c, a) -> {
                    KeyEntry entry = c.write(a.get(1));
                    byte[] current = string(entry);
                    if (current == null || !Arrays.equals(current, a.get(2))) {
                        return Reply.ZERO;
                    }
                    setString(c, a.get(1), a.get(3), true);
                    return Reply.ONE;
                }));
    }

    static CommandSpec read(String name, int arity, CommandSpec.Handler handler) {
        return new CommandSpec(name, arity, Kind.READ, 1, 1, 1, handler);
    }

    static CommandSpec write(String name, int arity, CommandSpec.Handler handler) {
        return new CommandSpec(name, arity, Kind.WRITE, 1, 1, 1, handler);
    }

    /**
     * Makes {@code key} hold the string {@code value}, whatever it held before; its time to live is kept only
     * with {@code keepTtl} (SET drops it, as Redis does). Returns the entry.
     */
    static KeyEntry setString(CommandContext context, byte[] key, byte[] value, boolean keepTtl) {
        return setString(context, key, context.write(key), value, keepTtl);
    }

    /** As above, for a caller that has just looked the key up for write and found {@code entry} (or null). */
    static KeyEntry setString(CommandContext context, byte[] key, KeyEntry entry, byte[] value, boolean keepTtl) {
        if (entry == null) {
            return context.create(key, value);
        }
        entry.value(value);
        if (!keepTtl && entry.hasExpiry()) {
            context.setExpiry(entry, KeyEntry.NO_EXPIRY);
        }
        context.changed(entry);
        return entry;
    }

    /** SET with NX ({@code onlyIfExists} false) or XX: true if it set the key. */
    private static boolean setIf(CommandContext context, byte[] key, byte[] value, boolean onlyIfExists) {
        boolean exists = context.write(key) != null;
        if (exists != onlyIfExists) {
            return false;
        }
        setString(context, key, value, false);
        return true;
    }

    private static Reply mget(CommandContext context, List<byte[]> args) {
        List<Reply> values = new ArrayList<>(args.size() - 1);
        for (byte[] key : args.subList(1, args.size())) {
            KeyEntry entry = context.read(key);
            values.add(entry != null && entry.value() instanceof byte[] value ? new Reply.Bulk(value) : Reply.NIL);
        }
        return new Reply.Array(values);
    }

    /** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL], parsed as Redis 7.0 does. */
    private static Reply set(CommandContext context, List<byte[]> args) {
        boolean nx = false;
        boolean xx = false;
        boolean get = false;
        boolean keepTtl = false;
        String unit = null;
        byte[] expiry = null;
        for (int i = 3; i < args.size(); i++) {
            byte[] option = args.get(i);
            boolean hasNext = i + 1 < args.size();
            if (is(option, "NX") && !xx) {
                nx = true;
            } else if (is(option, "XX") && !nx) {
                xx = true;
            } else if (is(option, "GET")) {
                get = true;
            } else if (is(option, "KEEPTTL") && unit == null) {
                keepTtl = true;
            } else if ((is(option, "EX") || is(option, "PX") || is(option, "EXAT") || is(option, "PXAT"))
                    && unit == null && !keepTtl && hasNext) {
                unit = Arguments.upper(option);
                expiry = args.get(++i);
            } else {
                throw CommandException.syntax();
            }
        }
        long expireAt = KeyEntry.NO_EXPIRY;
        if (unit != null) {
            expireAt = absoluteExpiry(context, integer(expiry), unit, "set");
        }
        byte[] key = args.get(1);
        KeyEntry existing = context.write(key);
        byte[] old = get ? string(existing) : null; // WRONGTYPE before anything changes
        if (nx && existing != null || xx && existing == null) {
            return get ? Reply.bulkOrNil(old) : Reply.NIL;
        }
        KeyEntry entry = setString(context, key, existing, args.get(2), keepTtl);
        if (unit != null) {
            context.setExpiry(entry, expireAt);
        }
        return get ? Reply.bulkOrNil(old) : Reply.OK;
    }

    /**
     * The absolute expiry time in milliseconds for {@code amount} in {@code unit} (EX, PX, EXAT, PXAT), with Redis's
     * "invalid expire time" refusals for a non-positive amount or an overflow.
     */
    static long absoluteExpiry(CommandContext context, long amount, String unit, String command) {
        CommandException invalid = CommandException.err("invalid expire time in '" + command + "' command");
        if (amount <= 0) {
            throw invalid;
        }
        boolean seconds = unit.equals("EX") || unit.equals("EXAT");
        if (seconds && amount > Long.MAX_VALUE / 1000) {
            throw invalid;
        }
        long millis = seconds ? amount * 1000 : amount;
        if (unit.equals("EX") || unit.equals("PX")) {
            if (millis > Long.MAX_VALUE - context.nowMillis()) {
                throw invalid;
            }
            millis += context.nowMillis();
        }
        return millis;
    }

    private static Reply setWithTtl(CommandContext context, List<byte[]> args, long unitMillis) {
        long amount = integer(args.get(2));
        String command = unitMillis == 1000 ? "setex" : "psetex";
        long expireAt = absoluteExpiry(context, amount, unitMillis == 1000 ? "EX" : "PX", command);
        KeyEntry entry = setString(context, args.get(1), args.get(3), false);
        context.setExpiry(entry, expireAt);
        return Reply.OK;
    }

    /**
     * GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST], checked in Redis 7.0's order: the options' syntax,
     * then the key (a missing key answers nil whatever the time says), its type, and only then the time.
     */
    private static Reply getex(CommandContext context, List<byte[]> args) {
        String unit = null;
        byte[] amount = null;
        boolean persist = false;
        for (int i = 2; i < args.size(); i++) {
            byte[] option = args.get(i);
            if ((is(option, "EX") || is(option, "PX") || is(option, "EXAT") || is(option, "PXAT"))
                    && unit == null && !persist && i + 1 < args.size()) {
                unit = Arguments.upper(option);
                amount = args.get(++i);
            } else if (is(option, "PERSIST") && unit == null) {
                persist = true;
            } else {
                throw CommandException.syntax();
            }
        }
        KeyEntry entry = context.write(args.get(1));
        byte[] value = string(entry);
        if (value == null) {
            return Reply.NIL;
        }
        if (unit != null) {
            long expireAt = absoluteExpiry(context, integer(amount), unit, "getex");
            if (expireAt <= context.nowMillis()) {
                context.delete(args.get(1));
            } else {
                context.setExpiry(entry, expireAt);
            }
        } else if (persist && entry.hasExpiry()) {
            context.setExpiry(entry, KeyEntry.NO_EXPIRY);
        }
        return new Reply.Bulk(value);
    }

    private static Reply mset(CommandContext context, List<byte[]> args) {
        if (args.size() % 2 != 1) {
            throw CommandException.wrongArity("mset");
        }
        for (int i = 1; i < args.size(); i += 2) {
            setString(context, args.get(i), args.get(i + 1), false);
        }
        return Reply.OK;
    }

    private static Reply msetnx(CommandContext context, List<byte[]> args) {
        if (args.size() % 2 != 1) {
            throw CommandException.wrongArity("msetnx");
        }
        for (int i = 1; i < args.size(); i += 2) {
            if (context.write(args.get(i)) != null) {
                return Reply.ZERO;
            }
        }
        mset(context, args);
        return Reply.ONE;
    }

    /** INCR, DECR, INCRBY, DECRBY: the new value; the time to live is kept. */
    private static Reply incrementBy(CommandContext context, byte[] key, long delta) {
        KeyEntry entry = context.write(key);
        byte[] current = string(entry);
        long value = current == null ? 0 : integer(current);
        long next;
        try {
            next = Math.addExact(value, delta);
        } catch (ArithmeticException e) {
            throw CommandException.err("increment or decrement would overflow");
        }
        setString(context, key, entry, Arguments.bytes(next), true);
        return new Reply.Int(next);
    }

    private static Reply incrbyfloat(CommandContext context, List<byte[]> args) {
        KeyEntry entry = context.write(args.get(1));
        byte[] current = string(entry);
        byte[] result;
        try {
            result = RedisNumbers.incrByFloat(current, args.get(2)).getBytes(StandardCharsets.US_ASCII);
        } catch (NumberFormatException | ArithmeticException e) {
            throw CommandException.ofLine(e.getMessage());
        }
        setString(context, args.get(1), entry, result, true);
        return new Reply.Bulk(result);
    }

    private static Reply append(CommandContext context, List<byte[]> args) {
        KeyEntry entry = context.write(args.get(1));
        byte[] current = string(entry);
        byte[] suffix = args.get(2);
        byte[] joined = current == null ? suffix : concat(current, suffix);
        checkSize(joined.length);
        setString(context, args.get(1), entry, joined, true);
        return new Reply.Int(joined.length);
    }

    private static Reply setrange(CommandContext context, List<byte[]> args) {
        long offset = integer(args.get(2));
        if (offset < 0) {
            throw CommandException.err("offset is out of range");
        }
        byte[] patch = args.get(3);
        KeyEntry entry = context.write(args.get(1));
        byte[] current = string(entry);
        int currentLength = current == null ? 0 : current.length;
        if (patch.length == 0) {
            return new Reply.Int(currentLength);
        }
        checkSize(offset + patch.length);
        byte[] next = Arrays.copyOf(current == null ? new byte[0] : current,
                (int) Math.max(currentLength, offset + patch.length));
        System.arraycopy(patch, 0, next, (int) offset, patch.length);
        setString(context, args.get(1), entry, next, true);
        return new Reply.Int(next.length);
    }

    private static Reply getrange(CommandContext context, List<byte[]> args) {
        long start = integer(args.get(2));
        long end = integer(args.get(3));
        byte[] value = string(context.read(args.get(1)));
        if (value == null || value.length == 0) {
            return new Reply.Bulk(new byte[0]);
        }
        long length = value.length;
        if (start < 0 && end < 0 && start > end) {
            return new Reply.Bulk(new byte[0]);
        }
        start = start < 0 ? Math.max(0, length + start) : start;
        end = end < 0 ? Math.max(0, length + end) : end;
        end = Math.min(end, length - 1);
        if (start > end || start >= length) {
            return new Reply.Bulk(new byte[0]);
        }
        return new Reply.Bulk(Arrays.copyOfRange(value, (int) start, (int) end + 1));
    }

    private static void checkSize(long length) {
        if (length > MAX_STRING_BYTES) {
            throw CommandException.err("string exceeds maximum allowed size (proto-max-bulk-len)");
        }
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
