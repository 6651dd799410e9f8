package io.caucus.kv.command;

import static io.caucus.kv.command.Arguments.integer;
import static io.caucus.kv.command.Arguments.is;
import static io.caucus.kv.command.CommandContext.zset;
import static io.caucus.kv.command.StringCommands.read;
import static io.caucus.kv.command.StringCommands.write;

import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.command.SortedSetRanges.LexRange;
import io.caucus.kv.command.SortedSetRanges.ScoreRange;
import io.caucus.kv.state.Dict;
import io.caucus.kv.state.KeyEntry;
import io.caucus.kv.state.ZSetValue;
import io.caucus.kv.state.ZSetValue.Node;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;
import java.util.function.Predicate;

/**
 * The sorted set commands, answering as redis-server 7.0 does over RESP2: the same replies, the same errors, the
 * same order of checks (so a refused command changes nothing), and Redis's quirks where a client could see them
 * (ZINCRBY reading NX as an option, score bounds read by C's strtod, lexicographic ranges walked as a small
 * sorted set walks them).
 *
 * <p>Scores are replied as Redis prints them: {@code %.17g} ({@link RedisNumbers#formatDouble}), with integral
 * scores as integers and infinities as {@code inf} and {@code -inf}. Random picks (ZRANDMEMBER) draw from the
 * log-seeded {@link CommandContext#nextRandom()}, so every replica picks the same members.
 */
public final class SortedSetCommands {

    /**
     * Caucus's bound on ZRANDMEMBER with a negative count, which Redis answers however large (it repeats members):
     * a reply of billions of elements would exhaust the memory of every replica at once, on every replay.
     */
    static final long MAX_RANDOM_PICKS = 1_000_000;


    private SortedSetCommands() {
    }

    /** How a ZRANGE-like command reads its min and max. AUTO: ZRANGE and ZRANGESTORE, until BYSCORE or BYLEX. */
    private enum RangeType { AUTO, RANK, SCORE, LEX }

    /** Which way a ZRANGE-like command walks. AUTO: ZRANGE and ZRANGESTORE, until REV. */
    private enum Direction { AUTO, FORWARD, REVERSE }

    public static List<CommandSpec> commands() {
        return List.of(
                write("ZADD", -4, (c, a) -> add(c, a, false)),
                write("ZINCRBY", 4, (c, a) -> add(c, a, true)),
                write("ZREM", -3, SortedSetCommands::remove),
                read("ZSCORE", 3, (c, a) -> {
                    ZSetValue zset = zset(c.read(a.get(1)));
                    return scoreOrNil(zset == null ? null : zset.score(a.get(2)));
                }),
                read("ZMSCORE", -3, SortedSetCommands::scores),
                read("ZCARD", 2, (c, a) -> {
                    ZSetValue zset = zset(c.read(a.get(1)));
                    return new Reply.Int(zset == null ? 0 : zset.size());
                }),
                read("ZCOUNT", 4, SortedSetCommands::count),
                read("ZLEXCOUNT", 4, SortedSetCommands::lexCount),
                read("ZRANK", 3, (c, a) -> rank(c, a, false)),
                read("ZREVRANK", 3, (c, a) -> rank(c, a, true)),
                read("ZRANGE", -4, (c, a) -> range(c, a, 1, null, RangeType.AUTO, Direction.AUTO)),
                new CommandSpec("ZRANGESTORE", -5, Kind.WRITE, 1, 2, 1,
                        (c, a) -> range(c, a, 2, a.get(1), RangeType.AUTO, Direction.AUTO)),
                read("ZREVRANGE", -4, (c, a) -> range(c, a, 1, null, RangeType.RANK, Direction.REVERSE)),
                read("ZRANGEBYSCORE", -4, (c, a) -> range(c, a, 1, null, RangeType.SCORE, Direction.FORWARD)),
                read("ZREVRANGEBYSCORE", -4, (c, a) -> range(c, a, 1, null, RangeType.SCORE, Direction.REVERSE)),
                read("ZRANGEBYLEX", -4, (c, a) -> range(c, a, 1, null, RangeType.LEX, Direction.FORWARD)),
                read("ZREVRANGEBYLEX", -4, (c, a) -> range(c, a, 1, null, RangeType.LEX, Direction.REVERSE)),
                write("ZPOPMIN", -2, (c, a) -> pop(c, a, false)),
                write("ZPOPMAX", -2, (c, a) -> pop(c, a, true)),
                write("ZREMRANGEBYRANK", 4, (c, a) -> removeRange(c, a, RangeType.RANK)),
                write("ZREMRANGEBYSCORE", 4, (c, a) -> removeRange(c, a, RangeType.SCORE)),
                write("ZREMRANGEBYLEX", 4, (c, a) -> removeRange(c, a, RangeType.LEX)),
                read("ZRANDMEMBER", -2, SortedSetCommands::randomMembers),
                read("ZSCAN", -3, SortedSetCommands::scan));
    }

    // ------------------------------------------------------------------ ZADD, ZINCRBY

    /**
     * ZADD's options, read as Redis reads them: every leading argument that names an option is one, so ZINCRBY
     * (which is ZADD with INCR) also takes "NX" in its increment's place and then lacks a pair.
     */
    private record AddOptions(boolean nx, boolean xx, boolean gt, boolean lt, boolean ch, boolean incr,
                              int firstPair, int pairs) {

        /** ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]; ZINCRBY key increment member. */
        static AddOptions parse(List<byte[]> args, boolean incr) {
            boolean nx = false;
            boolean xx = false;
            boolean gt = false;
            boolean lt = false;
            boolean ch = false;
            int index = 2;
            for (; index < args.size(); index++) {
                byte[] option = args.get(index);
                if (is(option, "NX")) {
                    nx = true;
                } else if (is(option, "XX")) {
                    xx = true;
                } else if (is(option, "CH")) {
                    ch = true;
                } else if (is(option, "INCR")) {
                    incr = true;
                } else if (is(option, "GT")) {
                    gt = true;
                } else if (is(option, "LT")) {
                    lt = true;
                } else {
                    break;
                }
            }
            int elements = args.size() - index;
            if (elements == 0 || elements % 2 != 0) {
                throw CommandException.syntax();
            }
            if (nx && xx) {
                throw CommandException.err("XX and NX options at the same time are not compatible");
            }
            if (nx && (gt || lt) || gt && lt) {
                throw CommandException.err("GT, LT, and/or NX options at the same time are not compatible");
            }
            if (incr && elements > 2) {
                throw CommandException.err("INCR option supports a single increment-element pair");
            }
            return new AddOptions(nx, xx, gt, lt, ch, incr, index, elements / 2);
        }
    }

    /** What adding one pair did. */
    private enum AddOutcome { ADDED, UPDATED, SAME_SCORE, SKIPPED }

    /** One pair's outcome and the member's score after it (INCR replies it). */
    private record Added(AddOutcome outcome, double score) {
        static final Added SKIPPED = new Added(AddOutcome.SKIPPED, 0);
    }

    private static Reply add(CommandContext context, List<byte[]> args, boolean incrementCommand) {
        AddOptions options = AddOptions.parse(args, incrementCommand);
        double[] scores = new double[options.pairs()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = Arguments.number(args.get(options.firstPair() + 2 * i));
        }
        byte[] key = args.get(1);
        KeyEntry entry = context.write(key);
        ZSetValue existing = zset(entry);
        if (existing == null && options.xx()) {
            return options.incr() ? Reply.NIL : Reply.ZERO;
        }
        ZSetValue zset = existing != null ? existing : new ZSetValue();
        long added = 0;
        long updated = 0;
        Added last = Added.SKIPPED;
        for (int i = 0; i < scores.length; i++) {
            last = addOne(zset, args.get(options.firstPair() + 2 * i + 1), scores[i], options);
            added += last.outcome() == AddOutcome.ADDED ? 1 : 0;
            updated += last.outcome() == AddOutcome.UPDATED ? 1 : 0;
        }
        if (existing == null) {
            context.create(key, zset); // not empty: without XX the first pair always adds its member
        } else if (added + updated > 0) {
            context.changed(entry);
        }
        if (options.incr()) {
            return last.outcome() == AddOutcome.SKIPPED ? Reply.NIL : scoreReply(last.score()); // INCR: one pair
        }
        return new Reply.Int(options.ch() ? added + updated : added);
    }

    /**
     * Adds or updates one member under the options. Only INCR can make a NaN score, and INCR takes one pair, so
     * its refusal comes before anything changed.
     */
    private static Added addOne(ZSetValue zset, byte[] member, double score, AddOptions options) {
        Double current = zset.score(member);
        if (current == null) {
            if (options.xx()) {
                return Added.SKIPPED;
            }
            zset.put(member, score);
            return new Added(AddOutcome.ADDED, score); // Redis replies -0 to INCR -0 of a new member (stores 0)
        }
        if (options.nx()) {
            return Added.SKIPPED;
        }
        double next = options.incr() ? current + score : score;
        if (Double.isNaN(next)) {
            throw CommandException.err("resulting score is not a number (NaN)");
        }
        if (options.lt() && next >= current || options.gt() && next <= current) {
            return Added.SKIPPED;
        }
        if (next == current) { // -0 and 0 are equal: not an update
            return new Added(AddOutcome.SAME_SCORE, next);
        }
        zset.put(member, next);
        return new Added(AddOutcome.UPDATED, next);
    }

    // ------------------------------------------------------------------ ZREM, ZREMRANGEBY*, ZPOP*

    /** ZREM key member [member ...]. */
    private static Reply remove(CommandContext context, List<byte[]> args) {
        KeyEntry entry = context.write(args.get(1));
        ZSetValue zset = zset(entry);
        if (zset == null) {
            return Reply.ZERO;
        }
        long removed = 0;
        for (byte[] member : args.subList(2, args.size())) {
            removed += zset.remove(member) ? 1 : 0;
            if (zset.isEmpty()) {
                break;
            }
        }
        if (removed > 0) {
            context.changed(entry);
            context.deleteIfEmpty(entry);
        }
        return new Reply.Int(removed);
    }

    /** A range's two bounds as the command gives them: ranks, scores or lexicographic bounds, by its type. */
    private record Bounds(long start, long stop, ScoreRange score, LexRange lex) {
        static Bounds parse(RangeType type, byte[] min, byte[] max) {
            return switch (type) {
                case RANK -> new Bounds(integer(min), integer(max), null, null);
                case SCORE -> new Bounds(0, 0, ScoreRange.parse(min, max), null);
                default -> new Bounds(0, 0, null, LexRange.parse(min, max));
            };
        }
    }

    /** ZREMRANGEBYRANK key start stop; ZREMRANGEBYSCORE key min max; ZREMRANGEBYLEX key min max. */
    private static Reply removeRange(CommandContext context, List<byte[]> args, RangeType type) {
        Bounds bounds = Bounds.parse(type, args.get(2), args.get(3));
        KeyEntry entry = context.write(args.get(1));
        ZSetValue zset = zset(entry);
        if (zset == null) {
            return Reply.ZERO;
        }
        List<Node> doomed = switch (type) {
            case RANK -> byRank(zset, bounds.start(), bounds.stop(), false);
            case SCORE -> new ArrayList<>(bounds.score().in(zset));
            default -> byLex(zset, bounds.lex(), 0, -1, false);
        };
        for (Node node : doomed) {
            zset.remove(node.member());
        }
        if (!doomed.isEmpty()) {
            context.changed(entry);
            context.deleteIfEmpty(entry);
        }
        return new Reply.Int(doomed.size());
    }

    /** ZPOPMIN key [count]; ZPOPMAX key [count]: a flat array of member, score pairs. */
    private static Reply pop(CommandContext context, List<byte[]> args, boolean highest) {
        if (args.size() > 3) {
            throw CommandException.syntax();
        }
        long count = args.size() == 3 ? nonNegativeCount(args.get(2)) : 1;
        KeyEntry entry = context.write(args.get(1));
        ZSetValue zset = zset(entry);
        if (zset == null || count == 0) {
            return Reply.EMPTY_ARRAY;
        }
        List<Reply> reply = new ArrayList<>();
        for (long i = 0; i < count && !zset.isEmpty(); i++) {
            Node node = highest ? zset.ascending().last() : zset.ascending().first();
            zset.remove(node.member());
            reply.add(new Reply.Bulk(node.member()));
            reply.add(scoreReply(node.score()));
        }
        context.changed(entry);
        context.deleteIfEmpty(entry);
        return new Reply.Array(reply);
    }

    /** A count that must not be negative; Redis words a malformed one the same way. */
    private static long nonNegativeCount(byte[] arg) {
        long count;
        try {
            count = RedisNumbers.parseLong(arg);
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0) {
            throw CommandException.err("value is out of range, must be positive");
        }
        return count;
    }

    // ------------------------------------------------------------------ ZSCORE, ZMSCORE, ZCOUNT, ZLEXCOUNT, ZRANK

    /** ZMSCORE key member [member ...]: a missing key is an empty sorted set. */
    private static Reply scores(CommandContext context, List<byte[]> args) {
        ZSetValue zset = zset(context.read(args.get(1)));
        List<Reply> scores = new ArrayList<>(args.size() - 2);
        for (byte[] member : args.subList(2, args.size())) {
            scores.add(scoreOrNil(zset == null ? null : zset.score(member)));
        }
        return new Reply.Array(scores);
    }

    /** ZCOUNT key min max. */
    private static Reply count(CommandContext context, List<byte[]> args) {
        ScoreRange range = ScoreRange.parse(args.get(2), args.get(3));
        ZSetValue zset = zset(context.read(args.get(1)));
        return new Reply.Int(zset == null ? 0 : range.in(zset).size());
    }

    /** ZLEXCOUNT key min max. */
    private static Reply lexCount(CommandContext context, List<byte[]> args) {
        LexRange range = LexRange.parse(args.get(2), args.get(3));
        ZSetValue zset = zset(context.read(args.get(1)));
        return new Reply.Int(zset == null ? 0 : byLex(zset, range, 0, -1, false).size());
    }

    /** ZRANK key member; ZREVRANK key member (Redis 7.0 has no WITHSCORE). */
    private static Reply rank(CommandContext context, List<byte[]> args, boolean reverse) {
        ZSetValue zset = zset(context.read(args.get(1)));
        long rank = zset == null ? -1 : zset.rank(args.get(2));
        if (rank < 0) {
            return Reply.NIL;
        }
        return new Reply.Int(reverse ? zset.size() - 1 - rank : rank);
    }

    // ------------------------------------------------------------------ ZRANGE and its older forms

    /**
     * ZRANGE key min max [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES], and ZRANGESTORE dst src min
     * max [BYSCORE | BYLEX] [REV] [LIMIT offset count] ({@code destination} not null), and the older ZREVRANGE,
     * Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, which fix the type and direction and so refuse those options. Checks
     * in Redis's order: options, their conflicts, then the range, then the key.
     */
    private static Reply range(CommandContext context, List<byte[]> args, int sourceIndex, byte[] destination,
                               RangeType type, Direction direction) {
        boolean store = destination != null;
        boolean withScores = false;
        long offset = 0;
        long limit = -1;
        for (int i = sourceIndex + 3; i < args.size(); i++) {
            byte[] option = args.get(i);
            if (!store && is(option, "WITHSCORES")) {
                withScores = true;
            } else if (is(option, "LIMIT") && args.size() - i - 1 >= 2) {
                offset = integer(args.get(i + 1));
                limit = integer(args.get(i + 2));
                i += 2;
            } else if (direction == Direction.AUTO && is(option, "REV")) {
                direction = Direction.REVERSE;
            } else if (type == RangeType.AUTO && is(option, "BYLEX")) {
                type = RangeType.LEX;
            } else if (type == RangeType.AUTO && is(option, "BYSCORE")) {
                type = RangeType.SCORE;
            } else {
                throw CommandException.syntax();
            }
        }
        type = type == RangeType.AUTO ? RangeType.RANK : type;
        boolean reverse = direction == Direction.REVERSE;
        if (limit != -1 && type == RangeType.RANK) { // as in Redis, "LIMIT n -1" is taken for no LIMIT
            throw CommandException.err(
                    "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        }
        if (withScores && type == RangeType.LEX) {
            throw CommandException.err("syntax error, WITHSCORES not supported in combination with BYLEX");
        }
        // By score or lex, a reverse range names its maximum first.
        boolean swapped = reverse && type != RangeType.RANK;
        byte[] min = args.get(sourceIndex + (swapped ? 2 : 1));
        byte[] max = args.get(sourceIndex + (swapped ? 1 : 2));
        Bounds bounds = Bounds.parse(type, min, max);
        ZSetValue zset = zset(context.read(args.get(sourceIndex)));
        List<Node> nodes;
        if (zset == null) {
            nodes = List.of();
        } else {
            nodes = switch (type) {
                case RANK -> byRank(zset, bounds.start(), bounds.stop(), reverse);
                case SCORE -> page(reverse ? bounds.score().in(zset).descendingSet() : bounds.score().in(zset),
                        offset, limit);
                default -> byLex(zset, bounds.lex(), offset, limit, reverse);
            };
        }
        return store ? store(context, destination, nodes) : nodesReply(nodes, withScores);
    }

    /**
     * ZRANGESTORE's result: the destination becomes a sorted set of the nodes, whatever it held (its time to live
     * dropped), or is deleted when there are none.
     */
    private static Reply store(CommandContext context, byte[] destination, List<Node> nodes) {
        KeyEntry existing = context.write(destination);
        if (existing != null) {
            context.delete(destination);
        }
        if (nodes.isEmpty()) {
            return Reply.ZERO;
        }
        ZSetValue result = new ZSetValue();
        for (Node node : nodes) {
            result.put(node.member(), node.score());
        }
        context.create(destination, result);
        return new Reply.Int(nodes.size());
    }

    private static Reply nodesReply(List<Node> nodes, boolean withScores) {
        List<Reply> reply = new ArrayList<>(withScores ? nodes.size() * 2 : nodes.size());
        for (Node node : nodes) {
            reply.add(new Reply.Bulk(node.member()));
            if (withScores) {
                reply.add(scoreReply(node.score()));
            }
        }
        return new Reply.Array(reply);
    }

    /**
     * The nodes from rank {@code start} to {@code stop} (inclusive), counted from the top when {@code reverse};
     * negative ranks count from the other end, as in Redis.
     */
    private static List<Node> byRank(ZSetValue zset, long start, long stop, boolean reverse) {
        long size = zset.size();
        start = start < 0 ? Math.max(0, size + start) : start;
        stop = stop < 0 ? size + stop : stop;
        if (start > stop || start >= size) {
            return List.of();
        }
        stop = Math.min(stop, size - 1);
        List<Node> nodes = new ArrayList<>((int) (stop - start + 1));
        Iterator<Node> walk = zset.fromRank((int) start, reverse);
        for (long i = start; i <= stop; i++) {
            nodes.add(walk.next());
        }
        return nodes;
    }

    /**
     * LIMIT offset count over nodes already in range: as in Redis, a negative offset leaves nothing and a negative
     * count means all.
     */
    private static List<Node> page(Iterable<Node> inRange, long offset, long limit) {
        return page(inRange.iterator(), offset, limit, node -> true);
    }

    /** As {@link #page(Iterable, long, long)}, the walk ending at the first node {@code inRange} refuses. */
    private static List<Node> page(Iterator<Node> walk, long offset, long limit, Predicate<Node> inRange) {
        if (offset < 0) {
            return List.of();
        }
        for (long skipped = 0; skipped < offset && walk.hasNext(); skipped++) {
            walk.next();
        }
        List<Node> nodes = new ArrayList<>();
        while (walk.hasNext() && (limit < 0 || nodes.size() < limit)) {
            Node node = walk.next();
            if (!inRange.test(node)) {
                break;
            }
            nodes.add(node);
        }
        return nodes;
    }

    /**
     * The nodes of a lexicographic range, walked as Redis 7.0 walks a small (listpack) sorted set: from the first
     * node at or above the minimum (the last at or below the maximum when {@code reverse}), skipping
     * {@code offset} nodes, then while the other bound holds. When all scores are equal (the documented use) that
     * is exactly the range; with unequal scores it is Redis's own answer for a small set (for a large one Redis's
     * answer depends on its skip list's random levels).
     */
    private static List<Node> byLex(ZSetValue zset, LexRange range, long offset, long limit, boolean reverse) {
        if (zset.isEmpty() || range.isEmpty()) {
            return List.of();
        }
        NavigableSet<Node> all = zset.ascending();
        if (!range.aboveMin(all.last().member()) || !range.belowMax(all.first().member())) {
            return List.of();
        }
        boolean equalScores = all.first().score() == all.last().score();
        if (reverse) {
            Node start = equalScores ? range.lastBelowMax(all) : firstMatching(all.descendingSet(),
                    node -> range.belowMax(node.member()));
            if (start == null || !range.aboveMin(start.member())) {
                return List.of();
            }
            return page(all.headSet(start, true).descendingIterator(), offset, limit,
                    node -> range.aboveMin(node.member()));
        }
        Node start = equalScores ? range.firstAboveMin(all)
                : firstMatching(all, node -> range.aboveMin(node.member()));
        if (start == null || !range.belowMax(start.member())) {
            return List.of();
        }
        return page(all.tailSet(start, true).iterator(), offset, limit, node -> range.belowMax(node.member()));
    }

    private static Node firstMatching(Iterable<Node> nodes, Predicate<Node> test) {
        for (Node node : nodes) {
            if (test.test(node)) {
                return node;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ ZRANDMEMBER, ZSCAN

    /** ZRANDMEMBER key [count [WITHSCORES]]. */
    private static Reply randomMembers(CommandContext context, List<byte[]> args) {
        if (args.size() == 2) {
            ZSetValue zset = zset(context.read(args.get(1)));
            return zset == null ? Reply.NIL : new Reply.Bulk(randomNode(context, zset).member());
        }
        long count = integer(args.get(2));
        if (count == Long.MIN_VALUE) {
            throw CommandException.err("value is out of range, value must between -9223372036854775807 and "
                    + "9223372036854775807");
        }
        if (args.size() > 4 || args.size() == 4 && !is(args.get(3), "WITHSCORES")) {
            throw CommandException.syntax();
        }
        boolean withScores = args.size() == 4;
        if (withScores && (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2)) {
            throw CommandException.err("value is out of range");
        }
        ZSetValue zset = zset(context.read(args.get(1)));
        if (zset == null || count == 0) {
            return Reply.EMPTY_ARRAY;
        }
        return nodesReply(pickRandomly(context, zset, count), withScores);
    }

    /**
     * Redis's four ways to pick: a negative count (or 1) picks with repetition; a count at least the size is the
     * whole set, descending; a count above a third of the size removes random members from a copy until the count
     * remains; a smaller count picks until it has that many distinct members.
     */
    private static List<Node> pickRandomly(CommandContext context, ZSetValue zset, long count) {
        if (count < 0 || count == 1) {
            long picks = count < 0 ? -count : 1;
            if (picks > MAX_RANDOM_PICKS) {
                throw CommandException.err("ZRANDMEMBER count is too large (at most " + MAX_RANDOM_PICKS
                        + " picks with repetition)");
            }
            List<Node> nodes = new ArrayList<>((int) picks);
            for (long i = 0; i < picks; i++) {
                nodes.add(randomNode(context, zset));
            }
            return nodes;
        }
        if (count >= zset.size()) {
            return new ArrayList<>(zset.ascending().descendingSet()); // Redis walks the set from the top here
        }
        if (count * 3 > zset.size()) {
            Dict<Node> remaining = zset.members().copy();
            while (remaining.size() > count) {
                remaining.remove(remaining.near((int) context.nextRandom()).key());
            }
            return remaining.sortedEntries().stream().map(Dict.Entry::value).toList();
        }
        Dict<Boolean> picked = new Dict<>();
        List<Node> nodes = new ArrayList<>((int) count);
        while (nodes.size() < count) {
            Node node = randomNode(context, zset);
            if (picked.add(node.member(), Boolean.TRUE)) {
                nodes.add(node);
            }
        }
        return nodes;
    }

    private static Node randomNode(CommandContext context, ZSetValue zset) {
        return zset.members().near((int) context.nextRandom()).value();
    }

    /**
     * ZSCAN key cursor [MATCH pattern] [COUNT count]: the whole set at once, ascending, with cursor 0 when Redis
     * would hold it as a listpack; else a step of the members table's scan. The cursor is read before the key,
     * the options after it (so a missing key ignores bad options, as in Redis).
     */
    private static Reply scan(CommandContext context, List<byte[]> args) {
        long cursor = KeyCommands.parseCursor(args.get(2));
        ZSetValue zset = zset(context.read(args.get(1)));
        if (zset == null) {
            return KeyCommands.scanReply(0, List.of());
        }
        KeyCommands.ScanOptions options = KeyCommands.ScanOptions.parse(args, 3, false);
        boolean compact = Encodings.of(zset).equals("listpack");
        List<Node> found = new ArrayList<>();
        long next = 0;
        if (compact) {
            found.addAll(zset.ascending());
        } else {
            next = cursor;
            long steps = options.count() * 2 * 10; // Redis counts a member and its score as two
            do {
                next = zset.members().scan(next, entry -> found.add(entry.value()));
            } while (next != 0 && steps-- > 0 && found.size() < options.count());
        }
        List<Reply> elements = new ArrayList<>(found.size() * 2);
        for (Node node : found) {
            if (options.matches(node.member())) {
                elements.add(new Reply.Bulk(node.member()));
                elements.add(Reply.bulk(compact ? listpackScoreText(node.score()) : scoreText(node.score())));
            }
        }
        return KeyCommands.scanReply(next, elements);
    }

    // ------------------------------------------------------------------ scores as Redis prints them

    /** A score as Redis 7.0 replies it (addReplyDouble): "%.17g", "inf" or "-inf". */
    static String scoreText(double score) {
        if (Double.isInfinite(score)) {
            return score > 0 ? "inf" : "-inf";
        }
        if (score == 0) {
            return 1 / score < 0 ? "-0" : "0";
        }
        if (score == Math.rint(score) && Math.abs(score) < 1e17) {
            return Long.toString((long) score); // what %.17g prints for an integer of at most 17 digits
        }
        return RedisNumbers.formatDouble(score);
    }

    /**
     * A score as a listpack holds it (ZSCAN of a small set shows the stored text): Redis stores integral scores
     * up to 2^62 as integers, so 1e17 is shown as "100000000000000000" where ZSCORE says "1e+17".
     */
    static String listpackScoreText(double score) {
        boolean storedAsInteger = !Double.isInfinite(score) && score == Math.rint(score)
                && Math.abs(score) <= (double) (Long.MAX_VALUE / 2);
        if (storedAsInteger) {
            return Long.toString((long) score);
        }
        return scoreText(score);
    }

    static Reply scoreReply(double score) {
        return Reply.bulk(scoreText(score));
    }

    private static Reply scoreOrNil(Double score) {
        return score == null ? Reply.NIL : scoreReply(score);
    }
}
