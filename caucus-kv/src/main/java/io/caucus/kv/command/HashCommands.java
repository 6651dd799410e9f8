package io.caucus.kv.command;

import static io.caucus.kv.command.Arguments.is;
import static io.caucus.kv.command.CommandContext.hash;
import static io.caucus.kv.command.StringCommands.read;
import static io.caucus.kv.command.StringCommands.write;

import io.caucus.kv.command.KeyCommands.ScanOptions;
import io.caucus.kv.state.Dict;
import io.caucus.kv.state.HashValue;
import io.caucus.kv.state.KeyEntry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The hash commands, as redis-server 7.0 answers them.
 *
 * <p>Where Redis leaves the order of fields undefined (HKEYS, HVALS, HGETALL, HRANDFIELD with a count that takes
 * everything) fields come in the content order of {@link Dict#sortedEntries()}, so every replica answers alike;
 * HRANDFIELD draws from {@link CommandContext#nextRandom()} (see {@link SetCommands#drawDistinct}).
 */
public final class HashCommands {

    private HashCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of(
                write("HSET", -4, (c, a) -> new Reply.Int(setFields(c, a))),
                write("HMSET", -4, (c, a) -> {
                    setFields(c, a);
                    return Reply.OK;
                }),
                write("HSETNX", 4, HashCommands::hsetnx),
                read("HGET", 3, (c, a) -> Reply.bulkOrNil(field(hash(c.read(a.get(1))), a.get(2)))),
                read("HMGET", -3, HashCommands::hmget),
                write("HDEL", -3, HashCommands::hdel),
                read("HEXISTS", 3, (c, a) -> Reply.bool(field(hash(c.read(a.get(1))), a.get(2)) != null)),
                read("HLEN", 2, (c, a) -> {
                    HashValue hash = hash(c.read(a.get(1)));
                    return new Reply.Int(hash == null ? 0 : hash.size());
                }),
                read("HSTRLEN", 3, (c, a) -> {
                    byte[] value = field(hash(c.read(a.get(1))), a.get(2));
                    return new Reply.Int(value == null ? 0 : value.length);
                }),
                read("HKEYS", 2, (c, a) -> everything(hash(c.read(a.get(1))), true, false)),
                read("HVALS", 2, (c, a) -> everything(hash(c.read(a.get(1))), false, true)),
                read("HGETALL", 2, (c, a) -> everything(hash(c.read(a.get(1))), true, true)),
                write("HINCRBY", 4, HashCommands::hincrby),
                write("HINCRBYFLOAT", 4, HashCommands::hincrbyfloat),
                read("HRANDFIELD", -2, HashCommands::hrandfield),
                read("HSCAN", -3, HashCommands::hscan));
    }

    /** The value of a field, or null if the hash (null: missing) has no such field. */
    private static byte[] field(HashValue hash, byte[] field) {
        return hash == null ? null : hash.get(field);
    }

    /** The entry of a hash key for a change (created empty if missing: only once every check has passed). */
    private static KeyEntry hashForWrite(CommandContext context, byte[] key) {
        KeyEntry entry = context.write(key);
        if (entry == null) {
            return context.create(key, new HashValue());
        }
        hash(entry); // WRONGTYPE
        return entry;
    }

    /** HSET and HMSET key field value [field value ...]: how many fields are new. */
    private static long setFields(CommandContext context, List<byte[]> args) {
        if (args.size() % 2 != 0) {
            throw CommandException.wrongArity(Arguments.text(args.getFirst()));
        }
        KeyEntry entry = hashForWrite(context, args.get(1));
        HashValue hash = (HashValue) entry.value();
        long added = 0;
        for (int i = 2; i < args.size(); i += 2) {
            if (hash.add(args.get(i), args.get(i + 1))) {
                added++;
            } else {
                hash.put(args.get(i), args.get(i + 1));
            }
        }
        context.changed(entry); // Redis counts the key as changed even when no value differs
        return added;
    }

    /** HSETNX key field value: 1 if the field was new and is now set. */
    private static Reply hsetnx(CommandContext context, List<byte[]> args) {
        KeyEntry entry = context.write(args.get(1));
        if (field(hash(entry), args.get(2)) != null) {
            return Reply.ZERO;
        }
        entry = entry != null ? entry : context.create(args.get(1), new HashValue());
        ((HashValue) entry.value()).put(args.get(2), args.get(3));
        context.changed(entry);
        return Reply.ONE;
    }

    private static Reply hmget(CommandContext context, List<byte[]> args) {
        HashValue hash = hash(context.read(args.get(1)));
        List<byte[]> values = new ArrayList<>(args.size() - 2);
        for (byte[] field : args.subList(2, args.size())) {
            values.add(field(hash, field));
        }
        return Reply.bulks(values);
    }

    /** HDEL key field [field ...]: how many fields were there; an emptied hash is deleted. */
    private static Reply hdel(CommandContext context, List<byte[]> args) {
        KeyEntry entry = context.write(args.get(1));
        HashValue hash = hash(entry);
        if (hash == null) {
            return Reply.ZERO;
        }
        long deleted = 0;
        for (byte[] field : args.subList(2, args.size())) {
            deleted += hash.remove(field) != null ? 1 : 0;
        }
        if (deleted > 0) {
            context.changed(entry);
            context.deleteIfEmpty(entry);
        }
        return new Reply.Int(deleted);
    }

    /** HKEYS, HVALS, HGETALL: fields and/or values in content order. */
    private static Reply everything(HashValue hash, boolean fields, boolean values) {
        if (hash == null) {
            return Reply.EMPTY_ARRAY;
        }
        List<Reply> elements = new ArrayList<>(fields && values ? hash.size() * 2 : hash.size());
        for (Dict.Entry<byte[]> entry : hash.sortedEntries()) {
            if (fields) {
                elements.add(new Reply.Bulk(entry.key()));
            }
            if (values) {
                elements.add(new Reply.Bulk(entry.value()));
            }
        }
        return new Reply.Array(elements);
    }

    // ------------------------------------------------------------------ counters

    /** HINCRBY key field increment: the new value; a missing field counts as 0. */
    private static Reply hincrby(CommandContext context, List<byte[]> args) {
        long increment = Arguments.integer(args.get(3));
        KeyEntry entry = context.write(args.get(1));
        byte[] current = field(hash(entry), args.get(2));
        long value = 0;
        if (current != null) {
            try {
                value = RedisNumbers.parseLong(current);
            } catch (NumberFormatException e) {
                throw CommandException.err("hash value is not an integer");
            }
        }
        long next;
        try {
            next = Math.addExact(value, increment);
        } catch (ArithmeticException e) {
            throw CommandException.err("increment or decrement would overflow");
        }
        setField(context, entry, args.get(1), args.get(2), Arguments.bytes(next));
        return new Reply.Int(next);
    }

    /**
     * HINCRBYFLOAT key field increment, in long double arithmetic as INCRBYFLOAT, with Redis's checks in its
     * order (see {@link RedisNumbers#hincrByFloat}).
     */
    private static Reply hincrbyfloat(CommandContext context, List<byte[]> args) {
        try {
            RedisNumbers.checkHashIncrement(args.get(3)); // refused before the key's type is looked at
            KeyEntry entry = context.write(args.get(1));
            byte[] current = field(hash(entry), args.get(2));
            byte[] result = RedisNumbers.hincrByFloat(current, args.get(3)).getBytes(StandardCharsets.US_ASCII);
            setField(context, entry, args.get(1), args.get(2), result);
            return new Reply.Bulk(result);
        } catch (NumberFormatException | ArithmeticException e) {
            throw CommandException.ofLine(e.getMessage());
        }
    }

    /** Sets one field of the hash at {@code entry} (null: the key is created) to {@code value}. */
    private static void setField(CommandContext context, KeyEntry entry, byte[] key, byte[] field, byte[] value) {
        KeyEntry target = entry != null ? entry : context.create(key, new HashValue());
        ((HashValue) target.value()).put(field, value);
        context.changed(target);
    }

    // ------------------------------------------------------------------ random fields, scanning

    /**
     * HRANDFIELD key [count [WITHVALUES]]: one field (a bulk string), or an array of fields (with their values):
     * a positive count asks for distinct fields, a negative one allows repeats.
     */
    private static Reply hrandfield(CommandContext context, List<byte[]> args) {
        if (args.size() == 2) {
            HashValue hash = hash(context.read(args.get(1)));
            return hash == null ? Reply.NIL : new Reply.Bulk(hash.near((int) context.nextRandom()).key());
        }
        long count = SetCommands.randomCount(args.get(2));
        if (args.size() > 4 || args.size() == 4 && !is(args.get(3), "WITHVALUES")) {
            throw CommandException.syntax();
        }
        boolean withValues = args.size() == 4;
        if (withValues && (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2)) {
            throw CommandException.err("value is out of range");
        }
        SetCommands.checkDraws(count);
        HashValue hash = hash(context.read(args.get(1)));
        if (hash == null || count == 0) {
            return Reply.EMPTY_ARRAY;
        }
        List<Dict.Entry<byte[]>> drawn = count < 0 ? SetCommands.drawWithRepetition(context, hash, -count)
                : count >= hash.size() ? hash.sortedEntries()
                : SetCommands.drawDistinct(context, hash, (int) count);
        List<Reply> elements = new ArrayList<>(withValues ? drawn.size() * 2 : drawn.size());
        for (Dict.Entry<byte[]> entry : drawn) {
            elements.add(new Reply.Bulk(entry.key()));
            if (withValues) {
                elements.add(new Reply.Bulk(entry.value()));
            }
        }
        return new Reply.Array(elements);
    }

    /** HSCAN key cursor [MATCH pattern] [COUNT count]: fields and their values. */
    private static Reply hscan(CommandContext context, List<byte[]> args) {
        long cursor = KeyCommands.parseCursor(args.get(2));
        HashValue hash = hash(context.read(args.get(1)));
        if (hash == null) {
            return KeyCommands.scanReply(0, List.of());
        }
        ScanOptions options = ScanOptions.parse(args, 3, false);
        return SetCommands.scanStep(hash, cursor, options, Encodings.of(hash).equals("listpack"),
                Dict.Entry::value);
    }
}
