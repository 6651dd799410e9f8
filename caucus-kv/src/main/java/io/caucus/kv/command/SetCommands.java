package io.caucus.kv.command;

import static io.caucus.kv.command.Arguments.is;
import static io.caucus.kv.command.CommandContext.set;
import static io.caucus.kv.command.StringCommands.read;
import static io.caucus.kv.command.StringCommands.write;

import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.command.KeyCommands.ScanOptions;
import io.caucus.kv.state.Dict;
import io.caucus.kv.state.KeyEntry;
import io.caucus.kv.state.SetValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * The set commands, as redis-server 7.0 answers them.
 *
 * <p>Where Redis leaves the order of members undefined (SMEMBERS, SINTER, SUNION, SDIFF, SPOP with a count
 * that takes everything...) members come in the content order of {@link Dict#sortedEntries()}, so every replica
 * answers alike. Random choices (SPOP, SRANDMEMBER) draw from {@link CommandContext#nextRandom()} and pick with
 * {@link Dict#near}, which depends on the members alone, not on the table's history.
 *
 * <p>Also home to what HRANDFIELD and HSCAN share with SRANDMEMBER and SSCAN: {@link #drawWithRepetition},
 * {@link #drawDistinct} and {@link #scanStep}.
 */
public final class SetCommands {

    /**
     * The most members a negative count may ask SRANDMEMBER or HRANDFIELD for. Redis 7.0 has no limit and runs out
     * of memory on a count such as -2^62; a replica must not, so a larger count is refused as out of range.
     */
    static final long MAX_DRAWS = 1 << 20;

    /** Redis draws distinct members one by one while it wants at most a third of the set (else it removes). */
    private static final int DISTINCT_DRAW_RATIO = 3;

    private SetCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of(
                write("SADD", -3, SetCommands::sadd),
                write("SREM", -3, SetCommands::srem),
                read("SISMEMBER", 3, (c, a) -> Reply.bool(contains(set(c.read(a.get(1))), a.get(2)))),
                read("SMISMEMBER", -3, SetCommands::smismember),
                read("SMEMBERS", 2, (c, a) -> members(set(c.read(a.get(1))))),
                read("SCARD", 2, (c, a) -> {
                    SetValue set = set(c.read(a.get(1)));
                    return new Reply.Int(set == null ? 0 : set.size());
                }),
                write("SPOP", -2, SetCommands::spop),
                read("SRANDMEMBER", -2, SetCommands::srandmember),
                new CommandSpec("SMOVE", 4, Kind.WRITE, 1, 2, 1, SetCommands::smove),
                new CommandSpec("SINTER", -2, Kind.READ, 1, -1, 1,
                        (c, a) -> members(intersection(readSets(c, a.subList(1, a.size()))))),
                new CommandSpec("SUNION", -2, Kind.READ, 1, -1, 1,
                        (c, a) -> members(union(readSets(c, a.subList(1, a.size()))))),
                new CommandSpec("SDIFF", -2, Kind.READ, 1, -1, 1,
                        (c, a) -> members(difference(readSets(c, a.subList(1, a.size()))))),
                // Keys are counted by numkeys: COMMAND reports no fixed key positions, as Redis does.
                new CommandSpec("SINTERCARD", -3, Kind.READ, 0, 0, 0, SetCommands::sintercard),
                new CommandSpec("SINTERSTORE", -3, Kind.WRITE, 1, -1, 1,
                        (c, a) -> store(c, a.get(1), intersection(writeSets(c, a.subList(2, a.size()))))),
                new CommandSpec("SUNIONSTORE", -3, Kind.WRITE, 1, -1, 1,
                        (c, a) -> store(c, a.get(1), union(writeSets(c, a.subList(2, a.size()))))),
                new CommandSpec("SDIFFSTORE", -3, Kind.WRITE, 1, -1, 1,
                        (c, a) -> store(c, a.get(1), difference(writeSets(c, a.subList(2, a.size()))))),
                read("SSCAN", -3, SetCommands::sscan));
    }

    private static boolean contains(SetValue set, byte[] member) {
        return set != null && set.containsKey(member);
    }

    /** The members of a set (null: none) in content order. */
    private static Reply members(SetValue set) {
        if (set == null) {
            return Reply.EMPTY_ARRAY;
        }
        List<Reply> members = new ArrayList<>(set.size());
        for (Dict.Entry<Boolean> entry : set.sortedEntries()) {
            members.add(new Reply.Bulk(entry.key()));
        }
        return new Reply.Array(members);
    }

    /** SADD key member [member ...]: how many were not there. */
    private static Reply sadd(CommandContext context, List<byte[]> args) {
        byte[] key = args.get(1);
        KeyEntry entry = context.write(key);
        SetValue set = set(entry);
        if (set == null) {
            set = new SetValue();
            entry = context.create(key, set);
        }
        long added = 0;
        for (byte[] member : args.subList(2, args.size())) {
            added += set.addMember(member) ? 1 : 0;
        }
        if (added > 0) {
            context.changed(entry);
        }
        return new Reply.Int(added);
    }

    /** SREM key member [member ...]: how many were there; an emptied set is deleted. */
    private static Reply srem(CommandContext context, List<byte[]> args) {
        KeyEntry entry = context.write(args.get(1));
        SetValue set = set(entry);
        if (set == null) {
            return Reply.ZERO;
        }
        long removed = 0;
        for (byte[] member : args.subList(2, args.size())) {
            removed += set.remove(member) != null ? 1 : 0;
        }
        if (removed > 0) {
            context.changed(entry);
            context.deleteIfEmpty(entry);
        }
        return new Reply.Int(removed);
    }

    private static Reply smismember(CommandContext context, List<byte[]> args) {
        SetValue set = set(context.read(args.get(1)));
        List<Reply> answers = new ArrayList<>(args.size() - 2);
        for (byte[] member : args.subList(2, args.size())) {
            answers.add(Reply.bool(contains(set, member)));
        }
        return new Reply.Array(answers);
    }

    // ------------------------------------------------------------------ random members

    /** SPOP key [count]: removes and returns one member (a bulk string), or count members (an array). */
    private static Reply spop(CommandContext context, List<byte[]> args) {
        if (args.size() > 3) {
            throw CommandException.syntax();
        }
        if (args.size() == 3) {
            return spopCount(context, args.get(1), positiveCount(args.get(2)));
        }
        KeyEntry entry = context.write(args.get(1));
        SetValue set = set(entry);
        if (set == null) {
            return Reply.NIL;
        }
        Dict.Entry<Boolean> popped = set.remove(set.near((int) context.nextRandom()).key());
        context.changed(entry);
        context.deleteIfEmpty(entry);
        return new Reply.Bulk(popped.key());
    }

    private static Reply spopCount(CommandContext context, byte[] key, long count) {
        KeyEntry entry = context.write(key);
        SetValue set = set(entry);
        if (set == null || count == 0) {
            return Reply.EMPTY_ARRAY;
        }
        if (count >= set.size()) {
            Reply everything = members(set);
            context.delete(key);
            return everything;
        }
        List<Reply> popped = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) { // removing each pick keeps them distinct
            popped.add(new Reply.Bulk(set.remove(set.near((int) context.nextRandom()).key()).key()));
        }
        context.changed(entry);
        return new Reply.Array(popped);
    }

    /** SPOP's count: 0 or more, else Redis's "must be positive" refusal (for any bad integer too). */
    private static long positiveCount(byte[] arg) {
        try {
            long count = RedisNumbers.parseLong(arg);
            if (count >= 0) {
                return count;
            }
        } catch (NumberFormatException e) {
            // refused below with the same words, as Redis does
        }
        throw CommandException.err("value is out of range, must be positive");
    }

    /** SRANDMEMBER key [count]: a positive count asks for distinct members, a negative one allows repeats. */
    private static Reply srandmember(CommandContext context, List<byte[]> args) {
        if (args.size() > 3) {
            throw CommandException.syntax();
        }
        if (args.size() == 2) {
            SetValue set = set(context.read(args.get(1)));
            return set == null ? Reply.NIL : new Reply.Bulk(set.near((int) context.nextRandom()).key());
        }
        long count = randomCount(args.get(2));
        checkDraws(count);
        SetValue set = set(context.read(args.get(1)));
        if (set == null || count == 0) {
            return Reply.EMPTY_ARRAY;
        }
        List<Dict.Entry<Boolean>> drawn = count < 0 ? drawWithRepetition(context, set, -count)
                : count >= set.size() ? set.sortedEntries() : drawDistinct(context, set, (int) count);
        List<Reply> members = new ArrayList<>(drawn.size());
        for (Dict.Entry<Boolean> entry : drawn) {
            members.add(new Reply.Bulk(entry.key()));
        }
        return new Reply.Array(members);
    }

    /** The count of SRANDMEMBER and HRANDFIELD: an integer in [-2^63+1, 2^63-1], as Redis takes it. */
    static long randomCount(byte[] arg) {
        long count = Arguments.integer(arg);
        if (count == Long.MIN_VALUE) {
            throw CommandException.err("value is out of range, value must between " + -Long.MAX_VALUE + " and "
                    + Long.MAX_VALUE);
        }
        return count;
    }

    /** Caucus's limit on a negative count (see {@link #MAX_DRAWS}), checked after Redis's own checks. */
    static void checkDraws(long count) {
        if (count < -MAX_DRAWS) {
            throw CommandException.err("value is out of range");
        }
    }

    /** {@code count} entries drawn independently (the same entry may come more than once); the dict is not empty. */
    static <V> List<Dict.Entry<V>> drawWithRepetition(CommandContext context, Dict<V> dict, long count) {
        List<Dict.Entry<V>> drawn = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            drawn.add(dict.near((int) context.nextRandom()));
        }
        return drawn;
    }

    /**
     * {@code count} distinct entries, fewer than the dict holds. A few out of many are drawn one by one, skipping
     * repeats; otherwise (or when repeats keep coming, as with keys whose hashes collide, which {@link Dict#near}
     * cannot tell apart) a partial shuffle of the content order picks them.
     */
    static <V> List<Dict.Entry<V>> drawDistinct(CommandContext context, Dict<V> dict, int count) {
        if ((long) count * DISTINCT_DRAW_RATIO <= dict.size()) {
            Dict<Boolean> seen = new Dict<>();
            List<Dict.Entry<V>> drawn = new ArrayList<>(count);
            for (long attempts = 8L * count + 64; attempts > 0 && drawn.size() < count; attempts--) {
                Dict.Entry<V> entry = dict.near((int) context.nextRandom());
                if (seen.add(entry.key(), Boolean.TRUE)) {
                    drawn.add(entry);
                }
            }
            if (drawn.size() == count) {
                return drawn;
            }
        }
        List<Dict.Entry<V>> all = dict.sortedEntries();
        for (int i = 0; i < count; i++) {
            Collections.swap(all, i, i + context.nextRandom(all.size() - i));
        }
        return new ArrayList<>(all.subList(0, count));
    }

    // ------------------------------------------------------------------ moving, combining

    /** SMOVE source destination member: 1 if the member was in source (and is now in destination). */
    private static Reply smove(CommandContext context, List<byte[]> args) {
        byte[] source = args.get(1);
        byte[] destination = args.get(2);
        byte[] member = args.get(3);
        KeyEntry from = context.write(source);
        KeyEntry to = context.write(destination);
        if (from == null) {
            return Reply.ZERO; // even if the destination is not a set, as Redis answers
        }
        SetValue fromSet = set(from);
        SetValue toSet = set(to);
        if (Arrays.equals(source, destination)) {
            return Reply.bool(fromSet.containsKey(member));
        }
        if (fromSet.remove(member) == null) {
            return Reply.ZERO;
        }
        context.changed(from);
        context.deleteIfEmpty(from);
        if (toSet == null) {
            SetValue created = new SetValue();
            created.addMember(member);
            context.create(destination, created);
        } else if (toSet.addMember(member)) {
            context.changed(to);
        }
        return Reply.ONE;
    }

    /** The sets at {@code keys} for a read (a missing key: null); WRONGTYPE if any key holds another type. */
    private static List<SetValue> readSets(CommandContext context, List<byte[]> keys) {
        List<SetValue> sets = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            sets.add(set(context.read(key)));
        }
        return sets;
    }

    /** As {@link #readSets}, looked up for a write as Redis's *STORE commands do (an expired key is deleted). */
    private static List<SetValue> writeSets(CommandContext context, List<byte[]> keys) {
        List<SetValue> sets = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            sets.add(set(context.write(key)));
        }
        return sets;
    }

    /** The members common to every set (a missing set is empty), as a new set. */
    private static SetValue intersection(List<SetValue> sets) {
        SetValue result = new SetValue();
        if (sets.contains(null)) {
            return result;
        }
        List<SetValue> bySize = new ArrayList<>(sets);
        bySize.sort(Comparator.comparingInt(SetValue::size));
        SetValue smallest = bySize.getFirst();
        for (Dict.Entry<Boolean> entry : smallest.entries()) {
            if (inAll(bySize, entry.key())) {
                result.addMember(entry.key());
            }
        }
        return result;
    }

    private static boolean inAll(List<SetValue> sets, byte[] member) {
        for (SetValue set : sets) {
            if (!set.containsKey(member)) {
                return false;
            }
        }
        return true;
    }

    private static SetValue union(List<SetValue> sets) {
        SetValue result = new SetValue();
        for (SetValue set : sets) {
            if (set != null) {
                set.forEach(entry -> result.addMember(entry.key()));
            }
        }
        return result;
    }

    /** The members of the first set that no other set holds (a missing first set: none). */
    private static SetValue difference(List<SetValue> sets) {
        SetValue result = new SetValue();
        SetValue first = sets.getFirst();
        if (first == null) {
            return result;
        }
        List<SetValue> others = sets.subList(1, sets.size());
        for (Dict.Entry<Boolean> entry : first.entries()) {
            if (!inAny(others, entry.key())) {
                result.addMember(entry.key());
            }
        }
        return result;
    }

    private static boolean inAny(List<SetValue> sets, byte[] member) {
        for (SetValue set : sets) {
            if (set != null && set.containsKey(member)) {
                return true;
            }
        }
        return false;
    }

    /**
     * SINTERSTORE, SUNIONSTORE, SDIFFSTORE: {@code destination} becomes the result, whatever it held, without a time
     * to live; an empty result deletes it. Replies with the result's size.
     */
    private static Reply store(CommandContext context, byte[] destination, SetValue result) {
        KeyEntry entry = context.write(destination);
        if (result.isEmpty()) {
            if (entry != null) {
                context.delete(destination);
            }
            return Reply.ZERO;
        }
        if (entry == null) {
            context.create(destination, result);
        } else {
            entry.value(result);
            if (entry.hasExpiry()) {
                context.setExpiry(entry, KeyEntry.NO_EXPIRY);
            }
            context.changed(entry);
        }
        return new Reply.Int(result.size());
    }

    /** SINTERCARD numkeys key [key ...] [LIMIT limit]: the intersection's size, counting up to limit (0: all). */
    private static Reply sintercard(CommandContext context, List<byte[]> args) {
        long numKeys = integerOr(args.get(1), "numkeys should be greater than 0");
        if (numKeys < 1) {
            throw CommandException.err("numkeys should be greater than 0");
        }
        if (numKeys > args.size() - 2) {
            throw CommandException.err("Number of keys can't be greater than number of args");
        }
        int keysEnd = 2 + (int) numKeys;
        long limit = 0;
        for (int i = keysEnd; i < args.size(); i++) {
            if (is(args.get(i), "LIMIT") && i + 1 < args.size()) {
                limit = integerOr(args.get(++i), "LIMIT can't be negative");
                if (limit < 0) {
                    throw CommandException.err("LIMIT can't be negative");
                }
            } else {
                throw CommandException.syntax();
            }
        }
        List<SetValue> sets = readSets(context, args.subList(2, keysEnd));
        return new Reply.Int(intersectionSize(sets, limit));
    }

    private static long integerOr(byte[] arg, String refusal) {
        try {
            return RedisNumbers.parseLong(arg);
        } catch (NumberFormatException e) {
            throw CommandException.err(refusal);
        }
    }

    private static long intersectionSize(List<SetValue> sets, long limit) {
        if (sets.contains(null)) {
            return 0;
        }
        SetValue smallest = Collections.min(sets, Comparator.comparingInt(SetValue::size));
        long count = 0;
        for (Dict.Entry<Boolean> entry : smallest.entries()) {
            if (inAll(sets, entry.key()) && ++count == limit) {
                break;
            }
        }
        return count;
    }

    // ------------------------------------------------------------------ scanning

    /** SSCAN key cursor [MATCH pattern] [COUNT count]. */
    private static Reply sscan(CommandContext context, List<byte[]> args) {
        long cursor = KeyCommands.parseCursor(args.get(2));
        SetValue set = set(context.read(args.get(1)));
        if (set == null) {
            return KeyCommands.scanReply(0, List.of());
        }
        ScanOptions options = ScanOptions.parse(args, 3, false);
        return scanStep(set, cursor, options, Encodings.of(set).equals("intset"), null);
    }

    /**
     * One step of SSCAN or HSCAN. A value Redis would keep compact (intset, listpack) is answered whole with cursor
     * 0, whatever the cursor; a larger one is walked from {@code cursor} until COUNT entries were visited (or ten
     * times COUNT buckets), as Redis's hashtable scan does. MATCH filters what was visited. With {@code valueOf},
     * each key is followed by its value (HSCAN).
     */
    static <V> Reply scanStep(Dict<V> dict, long cursor, ScanOptions options, boolean compact,
                              Function<Dict.Entry<V>, byte[]> valueOf) {
        List<Dict.Entry<V>> visited;
        long next = 0;
        if (compact) {
            visited = dict.sortedEntries();
        } else {
            visited = new ArrayList<>();
            long buckets = options.count() * 10;
            next = cursor;
            do {
                next = dict.scan(next, visited::add);
            } while (next != 0 && buckets-- > 0 && visited.size() < options.count());
        }
        List<Reply> elements = new ArrayList<>();
        for (Dict.Entry<V> entry : visited) {
            if (options.matches(entry.key())) {
                elements.add(new Reply.Bulk(entry.key()));
                if (valueOf != null) {
                    elements.add(new Reply.Bulk(valueOf.apply(entry)));
                }
            }
        }
        return KeyCommands.scanReply(next, elements);
    }
}
