package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.state.KeyEntry;
import io.caucus.kv.state.Keyspace;
import io.caucus.kv.state.ZSetValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The sorted set commands against the replies of redis-server 7.0.15: every {@link #expect} was checked against
 * a real server (the plain {@code assertThat}s check what Redis leaves open: random picks, cursors, Caucus's
 * own limits). Tests marked {@code EXACT-FORMAT} need the exact {@link RedisNumbers#formatDouble} (Redis's %.17g,
 * 1.1 as "1.1000000000000001"), and {@code EXACT-PARSE} the exact {@link RedisNumbers#parseDouble} (strtod's
 * "inf"); both replace placeholders, and those tests fail until they land.
 */
class SortedSetCommandsTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final String WRONGTYPE = "-WRONGTYPE Operation against a key holding the wrong kind of value";
    private static final String SYNTAX = "-ERR syntax error";
    private static final String NOT_INTEGER = "-ERR value is not an integer or out of range";
    private static final String NOT_FLOAT = "-ERR value is not a valid float";
    private static final String NOT_FLOAT_RANGE = "-ERR min or max is not a float";
    private static final String NOT_LEX_RANGE = "-ERR min or max not valid string range item";
    private static final Object NIL = null;

    private Keyspace keyspace;
    private long index;

    @BeforeEach
    void setUp() {
        keyspace = new Keyspace();
        index = 1;
    }

    // ------------------------------------------------------------------ helpers

    /** Runs a command at the next log index; the reply as plain values (see {@link #value}). */
    private Object run(String... argv) {
        return runAt(NOW, argv);
    }

    private Object runAt(long nowMillis, String... argv) {
        List<byte[]> args = Arrays.stream(argv).map(a -> a.getBytes(StandardCharsets.UTF_8)).toList();
        return value(CommandTable.execute(new CommandContext(keyspace, nowMillis, index++, true), args));
    }

    private Object runReadOnly(String... argv) {
        List<byte[]> args = Arrays.stream(argv).map(a -> a.getBytes(StandardCharsets.UTF_8)).toList();
        return value(CommandTable.execute(new CommandContext(keyspace, NOW, index, false), args));
    }

    private void expect(Object expected, String... argv) {
        assertThat(run(argv)).as(String.join(" ", argv)).isEqualTo(expected);
    }

    /**
     * A reply as redis-cli would show it: integers as Long, bulk strings as String, nil as null, arrays as
     * List, errors as "-" + line, statuses as "+" + text.
     */
    private static Object value(Reply reply) {
        return switch (reply) {
            case Reply.Int i -> i.value();
            case Reply.Bulk b -> new String(b.value(), StandardCharsets.UTF_8);
            case Reply.Nil ignored -> null;
            case Reply.Array a -> {
                List<Object> values = new ArrayList<>();
                a.elements().forEach(e -> values.add(value(e)));
                yield values;
            }
            case Reply.Error e -> "-" + e.line();
            case Reply.Status s -> "+" + s.text();
            case Reply.NullArray ignored -> "NULL_ARRAY";
        };
    }

    private static List<Object> list(Object... values) {
        return Arrays.asList(values);
    }

    private KeyEntry entry(String key) {
        return keyspace.lookup(key.getBytes(StandardCharsets.UTF_8), NOW);
    }

    private long modifiedIndex(String key) {
        return entry(key).modifiedIndex();
    }

    /** Runs a command that must be refused and checks that it changed nothing (neither the values nor WATCH's view). */
    private void expectRefusedUnchanged(String error, String... argv) {
        Object before = run("ZRANGE", "z", "0", "-1", "WITHSCORES");
        long modified = entry("z") == null ? -1 : modifiedIndex("z");
        expect(error, argv);
        assertThat(run("ZRANGE", "z", "0", "-1", "WITHSCORES")).isEqualTo(before);
        assertThat(entry("z") == null ? -1 : modifiedIndex("z")).isEqualTo(modified);
    }

    private void abcde() {
        expect(5L, "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
    }

    // ------------------------------------------------------------------ ZADD

    @Nested
    class Zadd {

        @Test
        void addsUpdatesAndCountsOnlyNewMembers() {
            expect(2L, "ZADD", "z", "1", "a", "2", "b");
            expect(1L, "ZADD", "z", "3", "a", "4", "c");
            expect(list("b", "2", "a", "3", "c", "4"), "ZRANGE", "z", "0", "-1", "WITHSCORES");
            expect(0L, "ZADD", "z", "5", "a", "5", "a");
            expect("5", "ZSCORE", "z", "a");
        }

        @Test
        void chCountsChangedScoresToo() {
            expect(2L, "ZADD", "z", "1", "a", "2", "b");
            expect(3L, "ZADD", "z", "CH", "5", "b", "2", "a", "1", "d");
            expect(1L, "ZADD", "z", "ch", "5", "b", "3", "a");
        }

        @Test
        void nxOnlyAddsAndXxOnlyUpdates() {
            expect(1L, "ZADD", "z", "1", "a");
            expect(1L, "ZADD", "z", "NX", "7", "a", "8", "b");
            expect(list("a", "1", "b", "8"), "ZRANGE", "z", "0", "-1", "WITHSCORES");
            expect(0L, "ZADD", "z", "XX", "9", "a", "9", "q");
            expect(list("b", "8", "a", "9"), "ZRANGE", "z", "0", "-1", "WITHSCORES");
        }

        @Test
        void gtAndLtOnlyMoveScoresTheirWayButStillAdd() {
            expect(2L, "ZADD", "z", "5", "b", "10", "c");
            expect(1L, "ZADD", "z", "GT", "CH", "1", "b", "20", "c");
            expect(1L, "ZADD", "z", "LT", "CH", "1", "b", "30", "c");
            expect(1L, "ZADD", "z", "GT", "5", "new");
            expect(1L, "ZADD", "z", "GT", "XX", "CH", "100", "new", "1", "absent");
            expect(list("b", "1", "c", "20", "new", "100"), "ZRANGE", "z", "0", "-1", "WITHSCORES");
        }

        @Test
        void incrRepliesTheNewScoreOrNilWhenAnOptionStoppedIt() {
            expect("2.5", "ZADD", "z", "INCR", "2.5", "a");
            expect("3", "ZADD", "z", "incr", "0.5", "a");
            expect("4", "ZADD", "z", "GT", "INCR", "1", "a");
            expect(NIL, "ZADD", "z", "LT", "INCR", "1", "a");
            expect(NIL, "ZADD", "z", "NX", "INCR", "1", "a");
            expect(NIL, "ZADD", "z", "XX", "INCR", "1", "zz");
            expect("4", "ZADD", "z", "INCR", "0", "a");
            expect(NIL, "ZADD", "nokey", "XX", "INCR", "1", "a");
            expect(0L, "EXISTS", "nokey");
        }

        @Test
        void optionsAreCaseInsensitiveAndRepeatable() {
            expect(1L, "ZADD", "z", "nx", "Nx", "ch", "1", "a");
        }

        @Test
        void refusesIncompatibleOptionsInRedisOrder() {
            expect("-ERR XX and NX options at the same time are not compatible", "ZADD", "z", "NX", "XX", "1", "a");
            expect("-ERR XX and NX options at the same time are not compatible",
                    "ZADD", "z", "XX", "GT", "LT", "NX", "1", "a");
            expect("-ERR GT, LT, and/or NX options at the same time are not compatible",
                    "ZADD", "z", "NX", "GT", "1", "a");
            expect("-ERR GT, LT, and/or NX options at the same time are not compatible",
                    "ZADD", "z", "LT", "NX", "1", "a");
            expect("-ERR GT, LT, and/or NX options at the same time are not compatible",
                    "ZADD", "z", "GT", "LT", "1", "a");
            expect("-ERR INCR option supports a single increment-element pair",
                    "ZADD", "z", "INCR", "1", "a", "2", "b");
            expect("-ERR INCR option supports a single increment-element pair",
                    "ZADD", "z", "INCR", "x", "a", "2", "b");
            expect(0L, "EXISTS", "z");
        }

        @Test
        void refusesMissingPairsBeforeIncompatibleOptions() {
            expect(SYNTAX, "ZADD", "z", "INCR", "1", "a", "2");
            expect(SYNTAX, "ZADD", "z", "NX", "XX", "1");
            expect(SYNTAX, "ZADD", "z", "NX", "CH", "GT");
            expect("-ERR wrong number of arguments for 'zadd' command", "ZADD", "z", "1");
            expect("-ERR wrong number of arguments for 'zadd' command", "ZADD", "z", "NX");
        }

        @Test
        void refusesBadScoresBeforeAddingAnything() {
            expect(1L, "ZADD", "z", "1", "a");
            expectRefusedUnchanged(NOT_FLOAT, "ZADD", "z", "2", "b", "x", "c");
            expectRefusedUnchanged(NOT_FLOAT, "ZADD", "z", "nan", "b");
            expectRefusedUnchanged(NOT_FLOAT, "ZADD", "z", "1", "b", "", "c");
            expect(NOT_FLOAT, "ZADD", "new", "1", "b", "1x", "c");
            expect(0L, "EXISTS", "new");
        }

        @Test
        void acceptsInfinitiesButRefusesANaNResult() {
            // EXACT-PARSE: needs the exact RedisNumbers.parseDouble (strtod's "inf")
            expect(2L, "ZADD", "z", "inf", "a", "-inf", "b");
            expect(list("b", "-inf", "a", "inf"), "ZRANGE", "z", "0", "-1", "WITHSCORES");
            expectRefusedUnchanged("-ERR resulting score is not a number (NaN)", "ZADD", "z", "INCR", "-inf", "a");
            expectRefusedUnchanged("-ERR resulting score is not a number (NaN)", "ZINCRBY", "z", "+inf", "b");
            expect(NIL, "ZADD", "z", "NX", "INCR", "-inf", "a"); // NX stops it before the sum
        }

        @Test
        void negativeZeroIsStoredAsZeroButIncrRepliesIt() {
            // Redis 7.0 stores small sets' integral scores as integers: -0 comes back as 0.
            expect(1L, "ZADD", "z", "-0", "a");
            expect("0", "ZSCORE", "z", "a");
            expect("-0", "ZADD", "z", "INCR", "-0", "b");
            expect("0", "ZSCORE", "z", "b");
            expect(2L, "ZADD", "z", "0", "c", "-0", "d");
            expect(list("a", "0", "b", "0", "c", "0", "d", "0"), "ZRANGE", "z", "0", "-1", "WITHSCORES");
            expect(0L, "ZADD", "z", "CH", "-0", "c");
        }

        @Test
        void negativeZeroIsZeroInALargeSetToo() {
            // Redis 7.0 keeps -0 in a set that is already a skip list (here, over 128 members); Caucus does not.
            List<String> argv = new ArrayList<>(List.of("ZADD", "big"));
            for (int i = 0; i < 200; i++) {
                argv.add(Integer.toString(i));
                argv.add("m" + i);
            }
            run(argv.toArray(String[]::new));
            assertThat(run("ZADD", "big", "-0", "neg")).isEqualTo(1L);
            assertThat(run("ZSCORE", "big", "neg")).isEqualTo("0");
            assertThat(run("ZRANGEBYSCORE", "big", "-0", "0")).isEqualTo(list("m0", "neg"));
        }

        @Test
        void wrongTypeAndMissingKeyWithXx() {
            expect("+OK", "SET", "s", "x");
            expect(WRONGTYPE, "ZADD", "s", "1", "a");
            expect(WRONGTYPE, "ZADD", "s", "XX", "1", "a");
            expect(NOT_FLOAT, "ZADD", "s", "x", "a"); // the scores are read before the key
            expect(0L, "ZADD", "nokey", "XX", "1", "a");
            expect(0L, "EXISTS", "nokey");
        }

        @Test
        void marksTheKeyChangedOnlyWhenSomethingChanged() {
            run("ZADD", "z", "1", "a");
            long created = modifiedIndex("z");
            assertThat(created).isEqualTo(index - 1);
            run("ZADD", "z", "1", "a");
            run("ZADD", "z", "NX", "2", "a");
            run("ZADD", "z", "GT", "0", "a");
            run("ZADD", "z", "INCR", "0", "a");
            assertThat(modifiedIndex("z")).isEqualTo(created);
            run("ZADD", "z", "2", "a");
            assertThat(modifiedIndex("z")).isEqualTo(index - 1);
            run("ZADD", "z", "XX", "1", "b");
            assertThat(modifiedIndex("z")).isEqualTo(index - 2);
        }

        @Test
        void ordersEqualScoresByUnsignedBytes() {
            expect(4L, "ZADD", "z", "1", "b", "1", "\u00e9", "1", "B", "1", "");
            expect(list("", "B", "b", "\u00e9"), "ZRANGE", "z", "0", "-1");
        }

        @Test
        void anExpiredKeyIsReplaced() {
            run("ZADD", "z", "1", "a");
            run("PEXPIRE", "z", "100");
            assertThat(runAt(NOW + 100, "ZADD", "z", "2", "b")).isEqualTo(1L);
            assertThat(runAt(NOW + 100, "ZRANGE", "z", "0", "-1")).isEqualTo(list("b"));
            assertThat(runAt(NOW + 100, "TTL", "z")).isEqualTo(-1L);
        }

        @Test
        void changesACopyWhileTheKeyspaceIsFrozen() {
            run("ZADD", "z", "1", "a", "2", "b");
            Keyspace.Frozen frozen = keyspace.freeze();
            run("ZADD", "z", "3", "a", "4", "c");
            run("ZREM", "z", "b");
            ZSetValue before = (ZSetValue) frozen.keys().get("z".getBytes(StandardCharsets.UTF_8));
            assertThat(before.size()).isEqualTo(2);
            assertThat(before.score("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(1.0);
            expect(list("c", "4", "a", "3"), "ZREVRANGE", "z", "0", "-1", "WITHSCORES");
            keyspace.thaw(frozen.freeze());
            expect(list("a", "3", "c", "4"), "ZRANGE", "z", "0", "-1", "WITHSCORES");
        }
    }

    // ------------------------------------------------------------------ ZINCRBY

    @Nested
    class Zincrby {

        @Test
        void incrementsOrCreates() {
            expect("1", "ZINCRBY", "z", "1", "new");
            expect("2.5", "ZINCRBY", "z", "1.5", "new");
            expect("-1.5", "ZINCRBY", "z", "-4", "new");
            expect("inf", "ZINCRBY", "z", "Infinity", "new");
            assertThat(modifiedIndex("z")).isEqualTo(index - 1);
        }

        @Test
        void readsAnOptionNameAsZaddDoes() {
            expect(SYNTAX, "ZINCRBY", "z", "NX", "m");
            expect(SYNTAX, "ZINCRBY", "z", "incr", "m");
            expect(NOT_FLOAT, "ZINCRBY", "z", "abc", "m");
            expect(0L, "EXISTS", "z");
        }

        @Test
        void wrongType() {
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZINCRBY", "s", "1", "a");
        }

        @Test
        void repliesScoresAsPercent17g() {
            // EXACT-FORMAT: needs the exact RedisNumbers.formatDouble
            expect("1.1000000000000001", "ZINCRBY", "z", "1.1", "m");
            expect("3.3000000000000003", "ZINCRBY", "z", "2.2", "m");
        }
    }

    // ------------------------------------------------------------------ ZREM

    @Nested
    class Zrem {

        @Test
        void removesAndCountsEachMemberOnce() {
            abcde();
            expect(0L, "ZREM", "z", "x", "y");
            expect(2L, "ZREM", "z", "a", "x", "a", "c");
            expect(list("b", "d", "e"), "ZRANGE", "z", "0", "-1");
            assertThat(modifiedIndex("z")).isEqualTo(index - 2);
        }

        @Test
        void deletesTheKeyWhenEmptied() {
            run("ZADD", "z", "1", "a", "2", "b");
            expect(2L, "ZREM", "z", "a", "b", "c");
            expect(0L, "EXISTS", "z");
            assertThat(keyspace.changedSince("z".getBytes(StandardCharsets.UTF_8), index - 3)).isTrue();
        }

        @Test
        void missingKeyAndWrongType() {
            expect(0L, "ZREM", "nokey", "a");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZREM", "s", "a");
            expect("-ERR wrong number of arguments for 'zrem' command", "ZREM", "z");
        }

        @Test
        void removingNothingIsNotAChange() {
            run("ZADD", "z", "1", "a");
            long created = modifiedIndex("z");
            run("ZREM", "z", "b");
            assertThat(modifiedIndex("z")).isEqualTo(created);
        }
    }

    // ------------------------------------------------------------------ ZSCORE, ZMSCORE, ZCARD

    @Nested
    class Scores {

        @Test
        void zscoreAndZmscore() {
            run("ZADD", "z", "2", "b", "3", "c", "0.5", "half", "-Infinity", "low", "1e16", "big");
            expect("2", "ZSCORE", "z", "b");
            expect("0.5", "ZSCORE", "z", "half");
            expect("-inf", "ZSCORE", "z", "low");
            expect("10000000000000000", "ZSCORE", "z", "big");
            expect(NIL, "ZSCORE", "z", "x");
            expect(NIL, "ZSCORE", "nokey", "x");
            expect(list("2", NIL, "3"), "ZMSCORE", "z", "b", "x", "c");
            expect(list(NIL, NIL), "ZMSCORE", "nokey", "a", "b");
        }

        @Test
        void scoresNeedingPercent17g() {
            // EXACT-FORMAT: needs the exact RedisNumbers.formatDouble
            run("ZADD", "z", "1.1", "f", "1e17", "g", "123456789.125", "h", "1e-5", "i");
            expect("1.1000000000000001", "ZSCORE", "z", "f");
            expect("1e+17", "ZSCORE", "z", "g");
            expect("123456789.125", "ZSCORE", "z", "h");
            expect("1.0000000000000001e-05", "ZSCORE", "z", "i");
        }

        @Test
        void zcard() {
            abcde();
            expect(5L, "ZCARD", "z");
            expect(0L, "ZCARD", "nokey");
        }

        @Test
        void wrongType() {
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZSCORE", "s", "a");
            expect(WRONGTYPE, "ZMSCORE", "s", "a");
            expect(WRONGTYPE, "ZCARD", "s");
        }

        @Test
        void readsRunInAReadOnlyContext() {
            abcde();
            assertThat(runReadOnly("ZSCORE", "z", "c")).isEqualTo("3");
            assertThat(runReadOnly("ZRANGE", "z", "0", "0")).isEqualTo(list("a"));
            assertThat(runReadOnly("ZRANDMEMBER", "z", "-2")).asList().hasSize(2);
            assertThat(runReadOnly("ZSCAN", "z", "0")).asList().hasSize(2);
            assertThat(runReadOnly("ZADD", "z", "1", "x")).isEqualTo("-ERR 'zadd' cannot run here");
        }
    }

    // ------------------------------------------------------------------ ZCOUNT, ZLEXCOUNT

    @Nested
    class Counts {

        @Test
        void zcountWithInclusiveExclusiveAndInfiniteBounds() {
            run("ZADD", "z", "0", "a", "1", "b", "2", "c", "3", "d", "Infinity", "e", "-Infinity", "f");
            expect(2L, "ZCOUNT", "z", "1", "2");
            expect(2L, "ZCOUNT", "z", "(0", "(3");
            expect(1L, "ZCOUNT", "z", "1", "1");
            expect(0L, "ZCOUNT", "z", "(1", "(1");
            expect(0L, "ZCOUNT", "z", "3", "1");
            expect(6L, "ZCOUNT", "z", "-inf", "+inf");
            expect(4L, "ZCOUNT", "z", "(-inf", "(inf");
            expect(0L, "ZCOUNT", "z", "(inf", "inf");
            expect(0L, "ZCOUNT", "z", "-inf", "(-inf");
            expect(1L, "ZCOUNT", "z", "infinity", "+inf");
            expect(2L, "ZCOUNT", "z", "-Infinity", "0");
        }

        @Test
        void zcountReadsBoundsAsStrtodDoes() {
            run("ZADD", "z", "0", "a", "1", "b", "2", "c", "3", "d", "Infinity", "e", "-Infinity", "f");
            expect(1L, "ZCOUNT", "z", "", "");
            expect(1L, "ZCOUNT", "z", "(", "1");
            expect(2L, "ZCOUNT", "z", " 1", "2");
            expect(2L, "ZCOUNT", "z", "( 1", "3");
            expect(2L, "ZCOUNT", "z", "0x1", "2");
            expect(2L, "ZCOUNT", "z", "0x1p1", "3");
            expect(3L, "ZCOUNT", "z", "0x.8", "3");
            expect(3L, "ZCOUNT", "z", ".5", "3");
            expect(0L, "ZCOUNT", "z", "5.", "3");
            expect(3L, "ZCOUNT", "z", "+1", "3");
            expect(1L, "ZCOUNT", "z", "1e400", "inf");
            expect(3L, "ZCOUNT", "z", "-1e400", "1");
            expect(2L, "ZCOUNT", "z", "1e-400", "1");
            expect(3L, "ZCOUNT", "z", "1\u0000abc", "3"); // C reads up to the NUL byte
            expect(4L, "ZCOUNT", "z", "\u00001", "3");
            for (String bad : List.of("1 ", "   ", "nan", "((1", "1e", "1_0", "0x", "abc", "1e+", "inf1")) {
                expect(NOT_FLOAT_RANGE, "ZCOUNT", "z", bad, "3");
            }
        }

        @Test
        void zcountChecksTheRangeBeforeTheKey() {
            expect(NOT_FLOAT_RANGE, "ZCOUNT", "nokey", "a", "b");
            expect(0L, "ZCOUNT", "nokey", "1", "2");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZCOUNT", "s", "1", "2");
            expect(NOT_FLOAT_RANGE, "ZCOUNT", "s", "a", "2");
        }

        @Test
        void zlexcount() {
            run("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e");
            expect(5L, "ZLEXCOUNT", "z", "-", "+");
            expect(0L, "ZLEXCOUNT", "z", "+", "-");
            expect(0L, "ZLEXCOUNT", "z", "-", "-");
            expect(0L, "ZLEXCOUNT", "z", "+", "+");
            expect(3L, "ZLEXCOUNT", "z", "[b", "[d");
            expect(1L, "ZLEXCOUNT", "z", "(b", "(d");
            expect(0L, "ZLEXCOUNT", "z", "(b", "(b");
            expect(1L, "ZLEXCOUNT", "z", "[b", "[b");
            expect(3L, "ZLEXCOUNT", "z", "[bb", "+");
            expect(5L, "ZLEXCOUNT", "z", "(", "+");
            expect(0L, "ZLEXCOUNT", "z", "[", "[");
        }

        @Test
        void zlexcountRefusesBadBoundsBeforeTheKey() {
            run("ZADD", "z", "0", "a");
            for (String bad : List.of("a", "", "+x", "-x", "{a")) {
                expect(NOT_LEX_RANGE, "ZLEXCOUNT", "z", bad, "+");
                expect(NOT_LEX_RANGE, "ZLEXCOUNT", "z", "-", bad);
            }
            expect(NOT_LEX_RANGE, "ZLEXCOUNT", "nokey", "a", "b");
            expect(0L, "ZLEXCOUNT", "nokey", "-", "+");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZLEXCOUNT", "s", "-", "+");
            expect(NOT_LEX_RANGE, "ZLEXCOUNT", "s", "a", "b");
        }
    }

    // ------------------------------------------------------------------ ZRANK, ZREVRANK

    @Nested
    class Ranks {

        @Test
        void rankAndReverseRank() {
            abcde();
            expect(0L, "ZRANK", "z", "a");
            expect(3L, "ZRANK", "z", "d");
            expect(1L, "ZREVRANK", "z", "d");
            expect(4L, "ZREVRANK", "z", "a");
            expect(NIL, "ZRANK", "z", "x");
            expect(NIL, "ZREVRANK", "nokey", "x");
            expect("-ERR wrong number of arguments for 'zrank' command", "ZRANK", "z", "b", "WITHSCORE");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZRANK", "s", "x");
            expect(WRONGTYPE, "ZREVRANK", "s", "x");
        }

        @Test
        void ranksOfALargeSetFromEitherEnd() {
            List<String> argv = new ArrayList<>(List.of("ZADD", "big"));
            List<Long> scores = new ArrayList<>();
            for (int i = 0; i < 1001; i++) {
                scores.add(i * 7L % 1009); // distinct, in no order
                argv.add(Long.toString(scores.get(i)));
                argv.add("m" + i);
            }
            run(argv.toArray(String[]::new));
            List<Long> ascending = scores.stream().sorted().toList();
            for (int i = 0; i < 1001; i += 25) {
                long rank = ascending.indexOf(scores.get(i));
                assertThat(run("ZRANK", "big", "m" + i)).isEqualTo(rank);
                assertThat(run("ZREVRANK", "big", "m" + i)).isEqualTo(1000 - rank);
            }
        }
    }

    // ------------------------------------------------------------------ ZRANGE and friends

    @Nested
    class Zrange {

        @Test
        void byRankWithNegativeAndOutOfRangeIndexes() {
            abcde();
            expect(list("a", "b", "c", "d", "e"), "ZRANGE", "z", "0", "-1");
            expect(list("d", "4", "e", "5"), "ZRANGE", "z", "-2", "-1", "WITHSCORES");
            expect(list(), "ZRANGE", "z", "3", "1");
            expect(list(), "ZRANGE", "z", "5", "10");
            expect(list(), "ZRANGE", "z", "-1", "-2");
            expect(list("a", "b", "c", "d", "e"), "ZRANGE", "z", "-100", "100");
            expect(list("e", "d"), "ZRANGE", "z", "0", "1", "REV");
            expect(list("b", "a"), "ZRANGE", "z", "-2", "-1", "rev");
            expect(list("a"), "ZRANGE", "z", "-9223372036854775808", "-5");
            expect(list("a", "1", "b", "2"), "ZRANGE", "z", "0", "1", "WITHSCORES", "WITHSCORES");
        }

        @Test
        void byRankOfALargeSetFromTheMiddle() {
            List<String> argv = new ArrayList<>(List.of("ZADD", "big"));
            for (int i = 0; i < 300; i++) {
                argv.add(Integer.toString(i));
                argv.add("m" + i);
            }
            run(argv.toArray(String[]::new));
            expect(list("m150", "150", "m151", "151"), "ZRANGE", "big", "150", "151", "WITHSCORES");
            expect(list("m250", "m249"), "ZRANGE", "big", "49", "50", "REV");
            expect(list("m10", "m9"), "ZREVRANGE", "big", "-11", "-10");
        }

        @Test
        void byScore() {
            abcde();
            expect(list("b", "c", "d"), "ZRANGE", "z", "2", "4", "BYSCORE");
            expect(list("c"), "ZRANGE", "z", "(2", "(4", "BYSCORE");
            expect(list("e", "5", "d", "4", "c", "3", "b", "2"), "ZRANGE", "z", "5", "2", "BYSCORE", "REV",
                    "WITHSCORES");
            expect(list(), "ZRANGE", "z", "2", "5", "BYSCORE", "REV");
            expect(list("c", "d"), "ZRANGE", "z", "2", "5", "BYSCORE", "LIMIT", "1", "2");
            expect(list("c", "d", "e"), "ZRANGE", "z", "2", "5", "BYSCORE", "LIMIT", "1", "-1");
            expect(list(), "ZRANGE", "z", "2", "5", "BYSCORE", "LIMIT", "-1", "2");
            expect(list(), "ZRANGE", "z", "2", "5", "BYSCORE", "LIMIT", "1", "0");
            expect(list(), "ZRANGE", "z", "2", "5", "BYSCORE", "LIMIT", "10", "1");
            expect(list("d", "c"), "ZRANGE", "z", "(5", "-inf", "BYSCORE", "REV", "LIMIT", "0", "2");
            expect(list("a"), "ZRANGE", "z", "0", "1", "LIMIT", "0", "1", "BYSCORE");
        }

        @Test
        void byLex() {
            run("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e");
            expect(list("a", "b"), "ZRANGE", "z", "[a", "(c", "BYLEX");
            expect(list("e", "d", "c", "b", "a"), "ZRANGE", "z", "[e", "[a", "BYLEX", "REV");
            expect(list(), "ZRANGE", "z", "[a", "[e", "BYLEX", "REV");
            expect(list("d", "c"), "ZRANGE", "z", "+", "-", "BYLEX", "REV", "LIMIT", "1", "2");
            expect(list("c", "d", "e"), "ZRANGE", "z", "(bz", "+", "BYLEX");
            expect(list("b", "c"), "ZRANGE", "z", "-", "[c", "BYLEX", "LIMIT", "1", "5");
        }

        @Test
        void byLexWithUnequalScoresWalksAsASmallSetDoes() {
            run("ZADD", "m", "1", "b", "2", "a", "3", "c", "4", "aa");
            expect(list("b", "a", "c", "aa"), "ZRANGEBYLEX", "m", "-", "+");
            expect(list(), "ZRANGEBYLEX", "m", "[b", "+"); // the last member, "aa", is below "b"
            expect(list("b", "a", "c", "aa"), "ZRANGEBYLEX", "m", "[a", "[c");
            expect(list(), "ZRANGEBYLEX", "m", "-", "[a");
            expect(list(), "ZRANGEBYLEX", "m", "[c", "+");
            expect(list("aa", "c"), "ZREVRANGEBYLEX", "m", "+", "[aa");
            expect(list("aa", "c", "a", "b"), "ZREVRANGEBYLEX", "m", "[c", "-");
            expect(4L, "ZLEXCOUNT", "m", "(a", "[c");
        }

        @Test
        void refusesOptionsInRedisOrder() {
            abcde();
            expect("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
                    "ZRANGE", "z", "0", "1", "LIMIT", "0", "1");
            expect("-ERR syntax error, WITHSCORES not supported in combination with BYLEX",
                    "ZRANGE", "z", "0", "1", "BYLEX", "WITHSCORES");
            expect(NOT_INTEGER, "ZRANGE", "z", "0", "1", "BYLEX", "LIMIT", "x", "1");
            expect(NOT_INTEGER, "ZRANGE", "z", "0", "1", "LIMIT", "x", "1");
            expect(SYNTAX, "ZRANGE", "z", "0", "1", "LIMIT", "1");
            expect(SYNTAX, "ZRANGE", "z", "0", "1", "BYSCORE", "BYSCORE");
            expect(SYNTAX, "ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX");
            expect(SYNTAX, "ZRANGE", "z", "0", "1", "REV", "REV");
            expect(SYNTAX, "ZRANGE", "z", "0", "1", "foo");
            expect(NOT_INTEGER, "ZRANGE", "z", "a", "b");
            expect(NOT_INTEGER, "ZRANGE", "z", "1.5", "2");
            expect(NOT_FLOAT_RANGE, "ZRANGE", "z", "a", "b", "BYSCORE");
            expect(NOT_LEX_RANGE, "ZRANGE", "z", "a", "b", "BYLEX");
            expect(list("a"), "ZRANGE", "z", "0", "0", "LIMIT", "3", "-1"); // Redis takes count -1 for no LIMIT
        }

        @Test
        void missingKeyAndWrongType() {
            expect(list(), "ZRANGE", "nokey", "0", "1");
            expect(NOT_INTEGER, "ZRANGE", "nokey", "a", "b");
            expect("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
                    "ZRANGE", "nokey", "0", "1", "LIMIT", "0", "1");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZRANGE", "s", "0", "1");
            expect(SYNTAX, "ZRANGE", "s", "0", "1", "foo");
            expect(WRONGTYPE, "ZRANGEBYSCORE", "s", "0", "1");
            expect(WRONGTYPE, "ZRANGEBYLEX", "s", "-", "+");
        }

        @Test
        void theOlderFormsRefuseWhatTheyFix() {
            abcde();
            expect(list("e", "5", "d", "4"), "ZREVRANGE", "z", "0", "1", "WITHSCORES");
            expect("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
                    "ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1");
            expect(SYNTAX, "ZREVRANGE", "z", "0", "1", "BYSCORE");
            expect(SYNTAX, "ZREVRANGE", "z", "0", "1", "REV");
            expect(SYNTAX, "ZRANGEBYSCORE", "z", "1", "2", "REV");
            expect(SYNTAX, "ZRANGEBYSCORE", "z", "1", "2", "BYSCORE");
            expect(SYNTAX, "ZRANGEBYLEX", "z", "-", "+", "BYLEX");
            expect("-ERR syntax error, WITHSCORES not supported in combination with BYLEX",
                    "ZRANGEBYLEX", "z", "-", "+", "WITHSCORES");
        }

        @Test
        void zrangebyscoreAndZrevrangebyscore() {
            abcde();
            expect(list("a", "1"), "ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "0", "1", "WITHSCORES");
            expect(list("b", "c", "d"), "ZRANGEBYSCORE", "z", "(1", "4");
            expect(list("c", "3", "b", "2"), "ZREVRANGEBYSCORE", "z", "4", "2", "WITHSCORES", "LIMIT", "1", "5");
            expect(list(), "ZREVRANGEBYSCORE", "z", "2", "4");
            expect(list("e", "d", "c", "b", "a"), "ZREVRANGEBYSCORE", "z", "+inf", "-inf");
        }

        @Test
        void zrangebylexAndZrevrangebylex() {
            run("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e");
            expect(list("b"), "ZRANGEBYLEX", "z", "-", "+", "LIMIT", "1", "1");
            expect(list("d"), "ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "1");
            expect(list("c", "b"), "ZREVRANGEBYLEX", "z", "(d", "[b");
            expect(list(), "ZREVRANGEBYLEX", "z", "[b", "(d");
        }

        @Test
        void withScoresNeedingPercent17g() {
            // EXACT-FORMAT: needs the exact RedisNumbers.formatDouble
            run("ZADD", "z", "1.1", "f", "1e18", "e");
            expect(list("f", "1.1000000000000001", "e", "1e+18"), "ZRANGE", "z", "0", "-1", "WITHSCORES");
        }
    }

    // ------------------------------------------------------------------ ZRANGESTORE

    @Nested
    class Zrangestore {

        @Test
        void storesTheRangeWithScores() {
            abcde();
            expect(3L, "ZRANGESTORE", "d", "z", "1", "3");
            expect(list("b", "2", "c", "3", "d", "4"), "ZRANGE", "d", "0", "-1", "WITHSCORES");
            expect(2L, "ZRANGESTORE", "d", "z", "[b", "[a", "BYLEX", "REV");
            expect(list("a", "1", "b", "2"), "ZRANGE", "d", "0", "-1", "WITHSCORES");
            expect(2L, "ZRANGESTORE", "d", "z", "(5", "0", "BYSCORE", "REV", "LIMIT", "1", "2");
            expect(list("b", "2", "c", "3"), "ZRANGE", "d", "0", "-1", "WITHSCORES");
            assertThat(modifiedIndex("d")).isEqualTo(index - 2);
        }

        @Test
        void replacesAnyValueAndDropsItsTimeToLive() {
            abcde();
            run("SET", "d", "x");
            run("EXPIRE", "d", "100");
            expect(1L, "ZRANGESTORE", "d", "z", "0", "0");
            expect(-1L, "TTL", "d");
            expect("+zset", "TYPE", "d");
        }

        @Test
        void anEmptyResultDeletesTheDestination() {
            abcde();
            run("SET", "d", "x");
            expect(0L, "ZRANGESTORE", "d", "z", "5", "6");
            expect(0L, "EXISTS", "d");
            run("SET", "d", "x");
            expect(0L, "ZRANGESTORE", "d", "nokey", "0", "1");
            expect(0L, "EXISTS", "d");
        }

        @Test
        void storesOverItsOwnSource() {
            abcde();
            expect(2L, "ZRANGESTORE", "z", "z", "1", "2");
            expect(list("b", "c"), "ZRANGE", "z", "0", "-1");
        }

        @Test
        void refusalsLeaveTheDestination() {
            abcde();
            run("SET", "d", "x");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZRANGESTORE", "d", "s", "0", "1");
            expect(SYNTAX, "ZRANGESTORE", "d", "z", "0", "1", "WITHSCORES");
            expect("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
                    "ZRANGESTORE", "d", "z", "0", "1", "LIMIT", "0", "1");
            expect(NOT_FLOAT_RANGE, "ZRANGESTORE", "d", "z", "x", "1", "BYSCORE");
            expect("x", "GET", "d");
            expect("-ERR wrong number of arguments for 'zrangestore' command", "ZRANGESTORE", "d", "z", "0");
        }
    }

    // ------------------------------------------------------------------ ZPOPMIN, ZPOPMAX

    @Nested
    class Zpop {

        @Test
        void popsFromEitherEnd() {
            abcde();
            expect(list("a", "1"), "ZPOPMIN", "z");
            expect(list("e", "5", "d", "4"), "ZPOPMAX", "z", "2");
            assertThat(modifiedIndex("z")).isEqualTo(index - 1);
            expect(list(), "ZPOPMIN", "z", "0");
            expect(list("b", "2", "c", "3"), "ZPOPMIN", "z", "10");
            expect(0L, "EXISTS", "z");
            expect(list(), "ZPOPMAX", "z");
        }

        @Test
        void refusesBadCountsBeforeTheKey() {
            abcde();
            expectRefusedUnchanged("-ERR value is out of range, must be positive", "ZPOPMIN", "z", "-1");
            expectRefusedUnchanged("-ERR value is out of range, must be positive", "ZPOPMIN", "z", "x");
            expectRefusedUnchanged(SYNTAX, "ZPOPMIN", "z", "1", "2");
            expect("-ERR value is out of range, must be positive", "ZPOPMAX", "nokey", "-1");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZPOPMIN", "s");
            expect(WRONGTYPE, "ZPOPMIN", "s", "0");
            expect("-ERR value is out of range, must be positive", "ZPOPMIN", "s", "-1");
        }

        @Test
        void aZeroCountIsNotAChange() {
            abcde();
            long created = modifiedIndex("z");
            run("ZPOPMIN", "z", "0");
            assertThat(modifiedIndex("z")).isEqualTo(created);
        }
    }

    // ------------------------------------------------------------------ ZREMRANGEBY*

    @Nested
    class Zremrange {

        @Test
        void byRank() {
            abcde();
            expect(0L, "ZREMRANGEBYRANK", "z", "3", "1");
            expect(2L, "ZREMRANGEBYRANK", "z", "-2", "-1");
            expect(1L, "ZREMRANGEBYRANK", "z", "1", "1");
            expect(list("a", "c"), "ZRANGE", "z", "0", "-1");
            expect(2L, "ZREMRANGEBYRANK", "z", "-100", "100");
            expect(0L, "EXISTS", "z");
        }

        @Test
        void byScore() {
            abcde();
            expect(1L, "ZREMRANGEBYSCORE", "z", "1", "(2");
            expect(2L, "ZREMRANGEBYSCORE", "z", "(2", "4");
            expect(0L, "ZREMRANGEBYSCORE", "z", "(5", "+inf");
            expect(list("b", "e"), "ZRANGE", "z", "0", "-1");
            expect(2L, "ZREMRANGEBYSCORE", "z", "-inf", "+inf");
            expect(0L, "EXISTS", "z");
        }

        @Test
        void byLex() {
            run("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d");
            expect(2L, "ZREMRANGEBYLEX", "z", "-", "[b");
            expect(0L, "ZREMRANGEBYLEX", "z", "(d", "+");
            expect(1L, "ZREMRANGEBYLEX", "z", "(c", "+");
            expect(list("c"), "ZRANGE", "z", "0", "-1");
            expect(1L, "ZREMRANGEBYLEX", "z", "-", "+");
            expect(0L, "EXISTS", "z");
        }

        @Test
        void refusesBadRangesBeforeTheKey() {
            abcde();
            expectRefusedUnchanged(NOT_INTEGER, "ZREMRANGEBYRANK", "z", "x", "1");
            expectRefusedUnchanged(NOT_FLOAT_RANGE, "ZREMRANGEBYSCORE", "z", "x", "1");
            expectRefusedUnchanged(NOT_LEX_RANGE, "ZREMRANGEBYLEX", "z", "a", "b");
            expect(0L, "ZREMRANGEBYRANK", "nokey", "0", "1");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZREMRANGEBYRANK", "s", "0", "1");
            expect(NOT_INTEGER, "ZREMRANGEBYRANK", "s", "x", "1");
            expect(WRONGTYPE, "ZREMRANGEBYSCORE", "s", "1", "2");
            expect(NOT_FLOAT_RANGE, "ZREMRANGEBYSCORE", "s", "x", "1");
            expect(WRONGTYPE, "ZREMRANGEBYLEX", "s", "-", "+");
        }

        @Test
        void removingNothingIsNotAChange() {
            abcde();
            long created = modifiedIndex("z");
            run("ZREMRANGEBYSCORE", "z", "10", "20");
            run("ZREMRANGEBYRANK", "z", "10", "20");
            run("ZREMRANGEBYLEX", "z", "(z", "+");
            assertThat(modifiedIndex("z")).isEqualTo(created);
            run("ZREMRANGEBYRANK", "z", "0", "0");
            assertThat(modifiedIndex("z")).isEqualTo(index - 1);
        }
    }

    // ------------------------------------------------------------------ ZRANDMEMBER

    @Nested
    class Zrandmember {

        @Test
        void refusals() {
            abcde();
            expect(NOT_INTEGER, "ZRANDMEMBER", "z", "x");
            expect("-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                    "ZRANDMEMBER", "z", "-9223372036854775808");
            expect("-ERR value is out of range", "ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES");
            expect("-ERR value is out of range", "ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES");
            expect(SYNTAX, "ZRANDMEMBER", "z", "1", "WITHSCORE");
            expect(SYNTAX, "ZRANDMEMBER", "z", "1", "WITHSCORES", "x");
            run("SET", "s", "x");
            expect(WRONGTYPE, "ZRANDMEMBER", "s");
            expect(WRONGTYPE, "ZRANDMEMBER", "s", "3");
            expect(NOT_INTEGER, "ZRANDMEMBER", "s", "x");
            expect("-ERR value is out of range", "ZRANDMEMBER", "s", "9223372036854775807", "WITHSCORES");
        }

        @Test
        void missingKeyAndZeroCount() {
            expect(NIL, "ZRANDMEMBER", "nokey");
            expect(list(), "ZRANDMEMBER", "nokey", "3");
            abcde();
            expect(list(), "ZRANDMEMBER", "z", "0");
            expect(list(), "ZRANDMEMBER", "z", "0", "WITHSCORES");
        }

        @Test
        void aCountAtLeastTheSizeIsTheWholeSetDescending() {
            abcde();
            expect(list("e", "5", "d", "4", "c", "3", "b", "2", "a", "1"), "ZRANDMEMBER", "z", "10", "WITHSCORES");
            expect(list("e", "d", "c", "b", "a"), "ZRANDMEMBER", "z", "5");
        }

        @Test
        void picksMembersOfTheSet() {
            abcde();
            Set<Object> members = Set.of("a", "b", "c", "d", "e");
            for (int i = 0; i < 20; i++) {
                assertThat(members).contains(run("ZRANDMEMBER", "z"));
            }
            @SuppressWarnings("unchecked")
            List<Object> repeated = (List<Object>) run("ZRANDMEMBER", "z", "-30");
            assertThat(repeated).hasSize(30);
            assertThat(members).containsAll(repeated);
            assertThat(new HashSet<>(repeated).size()).isGreaterThan(1);
        }

        @Test
        void positiveCountsPickDistinctMembersWithTheirScores() {
            List<String> argv = new ArrayList<>(List.of("ZADD", "big"));
            for (int i = 0; i < 200; i++) {
                argv.add(Integer.toString(i));
                argv.add("m" + i);
            }
            run(argv.toArray(String[]::new));
            for (String count : List.of("1", "10", "66", "67", "150", "199")) {
                @SuppressWarnings("unchecked")
                List<Object> pairs = (List<Object>) run("ZRANDMEMBER", "big", count, "WITHSCORES");
                int n = Integer.parseInt(count);
                assertThat(pairs).hasSize(2 * n);
                Set<Object> seen = new HashSet<>();
                for (int i = 0; i < pairs.size(); i += 2) {
                    assertThat(seen.add(pairs.get(i))).as("distinct").isTrue();
                    assertThat(pairs.get(i)).isEqualTo("m" + pairs.get(i + 1));
                }
            }
        }

        @Test
        void isTheSameOnEveryReplica() {
            abcde();
            Keyspace other = new Keyspace();
            // The other replica built the same set another way (another table history).
            List<byte[]> build = List.of("ZADD", "z", "5", "e", "4", "d", "9", "x", "3", "c", "2", "b", "1", "a")
                    .stream().map(Arguments::bytes).toList();
            CommandTable.execute(new CommandContext(other, NOW, 1, true), build);
            CommandTable.execute(new CommandContext(other, NOW, 2, true),
                    List.of(Arguments.bytes("ZREM"), Arguments.bytes("z"), Arguments.bytes("x")));
            long at = 40;
            for (String[] argv : List.<String[]>of(new String[] {"ZRANDMEMBER", "z"},
                    new String[] {"ZRANDMEMBER", "z", "-7", "WITHSCORES"}, new String[] {"ZRANDMEMBER", "z", "3"},
                    new String[] {"ZRANDMEMBER", "z", "1"})) {
                at++;
                List<byte[]> args = Arrays.stream(argv).map(Arguments::bytes).toList();
                Object here = value(CommandTable.execute(new CommandContext(keyspace, NOW, at, true), args));
                Object there = value(CommandTable.execute(new CommandContext(other, NOW, at, true), args));
                assertThat(here).isEqualTo(there);
            }
        }

        @Test
        void boundsRepeatedPicks() {
            abcde();
            assertThat(run("ZRANDMEMBER", "z", "-1000001"))
                    .isEqualTo("-ERR ZRANDMEMBER count is too large (at most 1000000 picks with repetition)");
        }
    }

    // ------------------------------------------------------------------ ZSCAN

    @Nested
    class Zscan {

        @Test
        void aSmallSetIsReturnedWholeAscendingWithCursorZero() {
            run("ZADD", "z", "3", "c", "1", "a", "2", "b", "1e17", "g", "-Infinity", "low");
            expect(list("0", list("low", "-inf", "a", "1", "b", "2", "c", "3", "g", "100000000000000000")),
                    "ZSCAN", "z", "0");
            expect(list("0", list("low", "-inf", "a", "1", "b", "2", "c", "3", "g", "100000000000000000")),
                    "ZSCAN", "z", "5", "COUNT", "1");
            expect(list("0", list("b", "2")), "ZSCAN", "z", "0", "MATCH", "b");
            expect(list("0", list("low", "-inf", "a", "1", "b", "2", "c", "3", "g", "100000000000000000")),
                    "ZSCAN", "z", "0", "MATCH", "*");
        }

        @Test
        void aLargeSetIsWalkedByCursorEachMemberOnce() {
            List<String> argv = new ArrayList<>(List.of("ZADD", "big"));
            for (int i = 0; i < 300; i++) {
                argv.add(Integer.toString(i));
                argv.add("m" + i);
            }
            run(argv.toArray(String[]::new));
            Set<String> seen = new HashSet<>();
            String cursor = "0";
            int calls = 0;
            do {
                @SuppressWarnings("unchecked")
                List<Object> reply = (List<Object>) run("ZSCAN", "big", cursor, "COUNT", "20");
                cursor = (String) reply.get(0);
                @SuppressWarnings("unchecked")
                List<Object> elements = (List<Object>) reply.get(1);
                for (int i = 0; i < elements.size(); i += 2) {
                    assertThat(seen.add((String) elements.get(i))).isTrue();
                    assertThat(elements.get(i)).isEqualTo("m" + elements.get(i + 1));
                }
                calls++;
            } while (!cursor.equals("0"));
            assertThat(seen).hasSize(300);
            assertThat(calls).isGreaterThan(5);
        }

        @Test
        void aLargeSetPrintsScoresAsZscoreDoes() {
            List<String> argv = new ArrayList<>(List.of("ZADD", "big", "1e17", "g"));
            for (int i = 0; i < 200; i++) {
                argv.add(Integer.toString(i));
                argv.add("m" + i);
            }
            run(argv.toArray(String[]::new));
            // EXACT-FORMAT: needs the exact RedisNumbers.formatDouble
            expect(list("0", list("g", "1e+17")), "ZSCAN", "big", "0", "MATCH", "g", "COUNT", "1000");
        }

        @Test
        void refusals() {
            run("ZADD", "z", "1", "a");
            run("SET", "s", "x");
            expect("-ERR invalid cursor", "ZSCAN", "z", "x");
            expect("-ERR invalid cursor", "ZSCAN", "z", " 1");
            expect("-ERR invalid cursor", "ZSCAN", "z", "18446744073709551616");
            expect(list("0", list("a", "1")), "ZSCAN", "z", "18446744073709551615");
            expect("-ERR invalid cursor", "ZSCAN", "nokey", "x");
            expect(list("0", list()), "ZSCAN", "nokey", "0", "COUNT", "0");
            expect(WRONGTYPE, "ZSCAN", "s", "0");
            expect(WRONGTYPE, "ZSCAN", "s", "0", "COUNT", "0");
            expect(SYNTAX, "ZSCAN", "z", "0", "COUNT", "0");
            expect(SYNTAX, "ZSCAN", "z", "0", "COUNT");
            expect(SYNTAX, "ZSCAN", "z", "0", "TYPE", "zset");
            expect(NOT_INTEGER, "ZSCAN", "z", "0", "COUNT", "x");
        }
    }

    @Test
    void everyCommandIsInTheTable() {
        assertThat(CommandTable.names()).contains("ZADD", "ZINCRBY", "ZREM", "ZSCORE", "ZMSCORE", "ZCARD", "ZCOUNT",
                "ZLEXCOUNT", "ZRANK", "ZREVRANK", "ZRANGE", "ZRANGESTORE", "ZREVRANGE", "ZRANGEBYSCORE",
                "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZPOPMIN", "ZPOPMAX", "ZREMRANGEBYRANK",
                "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX", "ZRANDMEMBER", "ZSCAN");
        CommandSpec store = CommandTable.lookup(Arguments.bytes("zrangestore"));
        assertThat(List.of(store.arity(), store.firstKey(), store.lastKey(), store.keyStep())).containsExactly(-5, 1,
                2, 1);
        assertThat(store.isWrite()).isTrue();
        assertThat(CommandTable.lookup(Arguments.bytes("zrandmember")).kind()).isEqualTo(CommandSpec.Kind.READ);
    }
}
