package io.caucus.kv.command;

import static io.caucus.kv.command.Arguments.integer;
import static io.caucus.kv.command.Arguments.is;
import static io.caucus.kv.command.CommandContext.list;
import static io.caucus.kv.command.StringCommands.read;
import static io.caucus.kv.command.StringCommands.write;

import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.state.KeyEntry;
import io.caucus.kv.state.ListValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The list commands of Redis 7.0, without the blocking ones (BLPOP, BRPOP, BLMOVE, BLMPOP, BRPOPLPUSH): a command
 * applied from the log cannot wait for another one.
 *
 * <p>Each command checks its arguments in the order Redis does, so that a command with two faults gets the same
 * error as from Redis: some look the key up before they read an index (LINDEX, LSET), most the other way round.
 */
public final class ListCommands {

    private ListCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of(
                write("LPUSH", -3, (c, a) -> push(c, a, true, false)),
                write("RPUSH", -3, (c, a) -> push(c, a, false, false)),
                write("LPUSHX", -3, (c, a) -> push(c, a, true, true)),
                write("RPUSHX", -3, (c, a) -> push(c, a, false, true)),
                write("LPOP", -2, (c, a) -> pop(c, a, true)),
                write("RPOP", -2, (c, a) -> pop(c, a, false)),
                read("LLEN", 2, (c, a) -> {
                    ListValue list = list(c.read(a.get(1)));
                    return new Reply.Int(list == null ? 0 : list.size());
                }),
                read("LRANGE", 4, ListCommands::lrange),
                read("LINDEX", 3, ListCommands::lindex),
                write("LSET", 4, ListCommands::lset),
                write("LREM", 4, ListCommands::lrem),
                write("LTRIM", 4, ListCommands::ltrim),
                write("LINSERT", 5, ListCommands::linsert),
                read("LPOS", -3, ListCommands::lpos),
                new CommandSpec("LMOVE", 5, Kind.WRITE, 1, 2, 1, (c, a) ->
                        move(c, a.get(1), a.get(2), isLeft(a.get(3)), isLeft(a.get(4)))),
                new CommandSpec("RPOPLPUSH", 3, Kind.WRITE, 1, 2, 1, (c, a) ->
                        move(c, a.get(1), a.get(2), false, true)),
                // Keys are found through numkeys, so COMMAND reports none (Redis's "movablekeys").
                new CommandSpec("LMPOP", -4, Kind.WRITE, 0, 0, 0, ListCommands::lmpop));
    }

    // ------------------------------------------------------------------ push and pop

    /** LPUSH, RPUSH key element [element ...]; LPUSHX, RPUSHX ({@code onlyIfExists}) never create the key. */
    private static Reply push(CommandContext context, List<byte[]> args, boolean toHead, boolean onlyIfExists) {
        byte[] key = args.get(1);
        KeyEntry entry = context.write(key);
        ListValue list = list(entry);
        if (list == null) {
            if (onlyIfExists) {
                return Reply.ZERO;
            }
            list = new ListValue();
            entry = context.create(key, list);
        }
        for (byte[] element : args.subList(2, args.size())) {
            pushTo(list, element, toHead);
        }
        context.changed(entry);
        return new Reply.Int(list.size());
    }

    /**
     * LPOP, RPOP key [count]: without a count one element (nil for a missing key); with one, an array of up to
     * count elements in the order they were popped (a null array for a missing key, as Redis 7.0 answers).
     */
    private static Reply pop(CommandContext context, List<byte[]> args, boolean fromHead) {
        if (args.size() > 3) {
            throw CommandException.wrongArity(Arguments.text(args.getFirst()));
        }
        boolean counted = args.size() == 3;
        long count = counted ? positive(args.get(2), "value is out of range, must be positive") : 1;
        KeyEntry entry = context.write(args.get(1));
        ListValue list = list(entry);
        if (list == null) {
            return counted ? Reply.NULL_ARRAY : Reply.NIL;
        }
        if (count == 0) {
            return Reply.EMPTY_ARRAY; // nothing popped, nothing changed
        }
        List<byte[]> popped = popFrom(list, count, fromHead);
        context.changed(entry);
        context.deleteIfEmpty(entry);
        return counted ? Reply.bulks(popped) : new Reply.Bulk(popped.getFirst());
    }

    /** Up to {@code count} elements popped from one end, in the order they left it. */
    private static List<byte[]> popFrom(ListValue list, long count, boolean fromHead) {
        int popping = (int) Math.min(count, list.size());
        List<byte[]> popped = new ArrayList<>(popping);
        for (int i = 0; i < popping; i++) {
            popped.add(fromHead ? list.removeFirst() : list.removeLast());
        }
        return popped;
    }

    private static void pushTo(ListValue list, byte[] element, boolean toHead) {
        if (toHead) {
            list.addFirst(element);
        } else {
            list.addLast(element);
        }
    }

    // ------------------------------------------------------------------ by index and range

    /** LRANGE key start stop: indexes read before the key is looked up, as Redis does. */
    private static Reply lrange(CommandContext context, List<byte[]> args) {
        long start = integer(args.get(2));
        long stop = integer(args.get(3));
        ListValue list = list(context.read(args.get(1)));
        if (list == null) {
            return Reply.EMPTY_ARRAY;
        }
        Range range = Range.of(start, stop, list.size());
        List<byte[]> elements = new ArrayList<>(range.length());
        for (int i = range.from(); i < range.to(); i++) {
            elements.add(list.get(i));
        }
        return Reply.bulks(elements);
    }

    /** LINDEX key index: Redis looks the key up first, so a missing key answers nil whatever the index. */
    private static Reply lindex(CommandContext context, List<byte[]> args) {
        ListValue list = list(context.read(args.get(1)));
        if (list == null) {
            return Reply.NIL;
        }
        int index = position(integer(args.get(2)), list.size());
        return index < 0 ? Reply.NIL : new Reply.Bulk(list.get(index));
    }

    /** LSET key index element: as LINDEX, the key is looked up before the index is read. */
    private static Reply lset(CommandContext context, List<byte[]> args) {
        KeyEntry entry = context.write(args.get(1));
        ListValue list = list(entry);
        if (list == null) {
            throw CommandException.err("no such key");
        }
        int index = position(integer(args.get(2)), list.size());
        if (index < 0) {
            throw CommandException.err("index out of range");
        }
        list.set(index, args.get(3));
        context.changed(entry);
        return Reply.OK;
    }

    /** The position of a Redis index (negative: from the end) in a list of {@code size}, or -1 if outside it. */
    private static int position(long index, int size) {
        long at = index < 0 ? size + index : index;
        return at >= 0 && at < size ? (int) at : -1;
    }

    /**
     * The elements a Redis range (inclusive start and stop, negative ones from the end) covers: positions
     * {@code from} to {@code to} exclusive, empty when they do not meet the list.
     */
    private record Range(int from, int to) {
        static Range of(long start, long stop, int size) {
            start = start < 0 ? Math.max(0, size + start) : start;
            stop = stop < 0 ? size + stop : stop;
            if (start > stop || start >= size) {
                return new Range(0, 0);
            }
            return new Range((int) start, (int) Math.min(stop, size - 1) + 1);
        }

        int length() {
            return to - from;
        }
    }

    /** LTRIM key start stop: keeps the range; Redis counts the key as changed even when nothing went. */
    private static Reply ltrim(CommandContext context, List<byte[]> args) {
        long start = integer(args.get(2));
        long stop = integer(args.get(3));
        KeyEntry entry = context.write(args.get(1));
        ListValue list = list(entry);
        if (list == null) {
            return Reply.OK;
        }
        Range range = Range.of(start, stop, list.size());
        list.retainRange(range.from(), range.to());
        context.changed(entry);
        context.deleteIfEmpty(entry);
        return Reply.OK;
    }

    // ------------------------------------------------------------------ by value

    /** LREM key count element: count > 0 from the head, < 0 from the tail, 0 all of them. */
    private static Reply lrem(CommandContext context, List<byte[]> args) {
        long count = integer(args.get(2));
        KeyEntry entry = context.write(args.get(1));
        ListValue list = list(entry);
        if (list == null) {
            return Reply.ZERO;
        }
        // Redis negates the count in C, so LONG_MIN stays negative and removes them all; so does Long.MAX_VALUE.
        long limit = count == 0 || count == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(count);
        int removed = list.removeEqual(args.get(3), limit, count < 0);
        if (removed > 0) {
            context.changed(entry);
            context.deleteIfEmpty(entry);
        }
        return new Reply.Int(removed);
    }

    /** LINSERT key BEFORE|AFTER pivot element: the new length, -1 without the pivot, 0 without the key. */
    private static Reply linsert(CommandContext context, List<byte[]> args) {
        boolean after;
        if (is(args.get(2), "AFTER")) {
            after = true;
        } else if (is(args.get(2), "BEFORE")) {
            after = false;
        } else {
            throw CommandException.syntax();
        }
        KeyEntry entry = context.write(args.get(1));
        ListValue list = list(entry);
        if (list == null) {
            return Reply.ZERO;
        }
        int pivot = indexOf(list, args.get(3));
        if (pivot < 0) {
            return new Reply.Int(-1);
        }
        list.insert(after ? pivot + 1 : pivot, args.get(4));
        context.changed(entry);
        return new Reply.Int(list.size());
    }

    private static int indexOf(ListValue list, byte[] element) {
        for (int i = 0; i < list.size(); i++) {
            if (Arrays.equals(list.get(i), element)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]: the index of the rank-th match (negative:
     * counted from the tail), or with COUNT an array of up to that many matches from there (0: all of them),
     * looking at no more than MAXLEN elements (0: all).
     */
    private static Reply lpos(CommandContext context, List<byte[]> args) {
        long rank = 1;
        long count = -1; // no COUNT: reply with one index rather than an array
        long maxLength = 0;
        for (int i = 3; i < args.size(); i++) {
            byte[] option = args.get(i);
            boolean hasValue = i + 1 < args.size();
            if (is(option, "RANK") && hasValue) {
                rank = integer(args.get(++i));
                if (rank == 0) {
                    throw CommandException.err("RANK can't be zero: use 1 to start from the first match, 2 from the "
                            + "second ... or use negative to start from the end of the list");
                }
            } else if (is(option, "COUNT") && hasValue) {
                count = positive(args.get(++i), "COUNT can't be negative");
            } else if (is(option, "MAXLEN") && hasValue) {
                maxLength = positive(args.get(++i), "MAXLEN can't be negative");
            } else {
                throw CommandException.syntax();
            }
        }
        ListValue list = list(context.read(args.get(1)));
        if (list == null) {
            return count == -1 ? Reply.NIL : Reply.EMPTY_ARRAY;
        }
        List<Reply> matches = matches(list, args.get(2), rank, count == -1 ? 1 : count, maxLength);
        if (count != -1) {
            return new Reply.Array(matches);
        }
        return matches.isEmpty() ? Reply.NIL : matches.getFirst();
    }

    /**
     * The indexes of the matches of {@code element}, from the {@code |rank|}-th on, at most {@code count} of them
     * (0: no limit), among the first {@code maxLength} elements walked (0: no limit). As in Redis, a rank of
     * Long.MIN_VALUE negates to itself: it walks from the tail and every match counts (Java's long arithmetic
     * wraps as Redis's C does on this machine).
     */
    private static List<Reply> matches(ListValue list, byte[] element, long rank, long count, long maxLength) {
        boolean fromTail = rank < 0;
        if (fromTail) {
            rank = -rank;
        }
        int size = list.size();
        long walkLimit = maxLength == 0 ? size : Math.min(maxLength, size);
        List<Reply> found = new ArrayList<>();
        long matched = 0;
        for (int walked = 0; walked < walkLimit; walked++) {
            int index = fromTail ? size - 1 - walked : walked;
            if (!Arrays.equals(list.get(index), element)) {
                continue;
            }
            matched++;
            if (matched >= rank) {
                found.add(new Reply.Int(index));
                if (count != 0 && matched - rank + 1 >= count) {
                    break;
                }
            }
        }
        return found;
    }

    // ------------------------------------------------------------------ between keys

    /** LEFT or RIGHT of LMOVE; {@code ERR syntax error} otherwise. */
    private static boolean isLeft(byte[] side) {
        if (is(side, "LEFT")) {
            return true;
        }
        if (is(side, "RIGHT")) {
            return false;
        }
        throw CommandException.syntax();
    }

    /**
     * LMOVE source destination LEFT|RIGHT LEFT|RIGHT, RPOPLPUSH source destination: the element moved, or nil if
     * the source is missing. The destination's type is checked before anything is popped; source and
     * destination may be the same list (a rotation).
     */
    private static Reply move(CommandContext context, byte[] sourceKey, byte[] destinationKey, boolean fromHead,
                              boolean toHead) {
        KeyEntry sourceEntry = context.write(sourceKey);
        ListValue source = list(sourceEntry);
        if (source == null) {
            return Reply.NIL;
        }
        KeyEntry destinationEntry = context.write(destinationKey);
        ListValue destination = list(destinationEntry);
        byte[] element = fromHead ? source.removeFirst() : source.removeLast();
        if (destination == null) {
            destination = new ListValue();
            destinationEntry = context.create(destinationKey, destination);
        }
        pushTo(destination, element, toHead);
        context.changed(destinationEntry);
        context.changed(sourceEntry);
        context.deleteIfEmpty(sourceEntry);
        return new Reply.Bulk(element);
    }

    /**
     * LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first of the keys that holds a list,
     * answering [key, [elements]], or a null array if none does. A key of another type is an error only if it is
     * met before a list.
     */
    private static Reply lmpop(CommandContext context, List<byte[]> args) {
        long keyCount = atLeastOne(args.get(1), "numkeys should be greater than 0");
        if (keyCount > args.size() - 3) { // no room left for LEFT|RIGHT
            throw CommandException.syntax();
        }
        int sideAt = 2 + (int) keyCount;
        boolean fromHead = isLeft(args.get(sideAt));
        long count = -1;
        for (int i = sideAt + 1; i < args.size(); i++) {
            if (count == -1 && is(args.get(i), "COUNT") && i + 1 < args.size()) {
                count = atLeastOne(args.get(++i), "count should be greater than 0");
            } else {
                throw CommandException.syntax();
            }
        }
        for (byte[] key : args.subList(2, sideAt)) {
            KeyEntry entry = context.write(key);
            ListValue list = list(entry);
            if (list != null) {
                List<byte[]> popped = popFrom(list, count == -1 ? 1 : count, fromHead);
                context.changed(entry);
                context.deleteIfEmpty(entry);
                return new Reply.Array(List.of(new Reply.Bulk(key), Reply.bulks(popped)));
            }
        }
        return Reply.NULL_ARRAY;
    }

    // ------------------------------------------------------------------ arguments

    /** A non-negative integer; {@code message} both for a negative one and for one that is not an integer. */
    private static long positive(byte[] arg, String message) {
        long value;
        try {
            value = RedisNumbers.parseLong(arg);
        } catch (NumberFormatException e) {
            throw CommandException.err(message);
        }
        if (value < 0) {
            throw CommandException.err(message);
        }
        return value;
    }

    /** An integer of at least 1; {@code message} both for a smaller one and for one that is not an integer. */
    private static long atLeastOne(byte[] arg, String message) {
        long value = positive(arg, message);
        if (value == 0) {
            throw CommandException.err(message);
        }
        return value;
    }
}
