package io.caucus.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Random Redis command sequences for {@link RedisDifferentialIT}, a pure function of the seed of its
 * {@link Random} (and of the wall clock, for absolute expiry times only). A small key space makes types collide,
 * so WRONGTYPE happens often; field, member and element spaces are small; values are sometimes integers or
 * floats. About one command in eight is an invalid form (wrong arity, bad integer or float, unknown option,
 * conflicting options, out-of-range argument). Command names and options are sometimes lower or mixed case.
 *
 * <p>Expiry times are relative TTLs of 100 to 10000 s, each used at most once per sequence and at least
 * {@link #TTL_SPACING_SECONDS} apart (so NX/XX/GT/LT comparisons never depend on how long the sequence took),
 * absolute times that far in the future, or times deliberately in the past (EXPIREAT 1, PEXPIREAT 1000,
 * EXPIRE -1, GETEX EXAT 1) that delete the key at once. {@code SET ... EXAT/PXAT} in the past is never
 * generated: Redis 7.0 keeps such a key in the key space until it is next touched or actively expired, so
 * DBSIZE would depend on timing.
 */
final class RedisCommandGenerator {

    /** How the replies of a command are compared. */
    enum Kind {
        /** Exactly. */
        EXACT,
        /** A flat array whose order Redis does not define (SMEMBERS, KEYS, ...): as a multiset. */
        UNORDERED,
        /** HGETALL: field/value pairs as a multiset of pairs. */
        PAIRS,
        /** TTL, EXPIRETIME: negative replies exactly, others within one second. */
        TTL_SECONDS,
        /** PTTL, PEXPIRETIME: negative replies exactly, others within the millisecond tolerance. */
        TTL_MILLIS,
        /** OBJECT ENCODING: a bulk string for an existing key, otherwise exactly. */
        ENCODING,
        /** SCAN, SSCAN: iterated to cursor 0 on both sides, the union compared as a set. */
        SCAN_SET,
        /** HSCAN, ZSCAN: iterated to cursor 0, the union of pairs compared as a set. */
        SCAN_PAIRS,
        /** Random replies: only the shape, and that members come from the key's set. */
        SPOP, SRANDMEMBER, RANDOMKEY
    }

    /** One command; {@code second} means it is sent on the second connection (B) instead of A. */
    record Command(boolean second, List<String> args) {
        String name() {
            return args.getFirst().toUpperCase(Locale.ROOT);
        }

        Kind kind() {
            return switch (name()) {
                case "HGETALL" -> Kind.PAIRS;
                case "HKEYS", "HVALS", "SMEMBERS", "SINTER", "SUNION", "SDIFF", "KEYS" -> Kind.UNORDERED;
                case "TTL", "EXPIRETIME" -> Kind.TTL_SECONDS;
                case "PTTL", "PEXPIRETIME" -> Kind.TTL_MILLIS;
                case "SCAN", "SSCAN" -> Kind.SCAN_SET;
                case "HSCAN", "ZSCAN" -> Kind.SCAN_PAIRS;
                case "SPOP" -> Kind.SPOP;
                case "SRANDMEMBER" -> Kind.SRANDMEMBER;
                case "RANDOMKEY" -> Kind.RANDOMKEY;
                case "OBJECT" -> args.size() > 1 && args.get(1).equalsIgnoreCase("ENCODING")
                        ? Kind.ENCODING : Kind.EXACT;
                default -> Kind.EXACT;
            };
        }

        /** The random and iterating kinds are never generated inside MULTI or on the second connection. */
        boolean plain() {
            return switch (kind()) {
                case SCAN_SET, SCAN_PAIRS, SPOP, SRANDMEMBER, RANDOMKEY -> false;
                default -> true;
            };
        }

        String text() {
            StringBuilder text = new StringBuilder(second ? "B: " : "");
            for (int i = 0; i < args.size(); i++) {
                text.append(i == 0 ? "" : " ").append(quote(args.get(i)));
            }
            return text.toString();
        }

        private static String quote(String arg) {
            return arg.isEmpty() || arg.chars().anyMatch(c -> c <= ' ' || c == '"' || c > '~')
                    ? '"' + arg.replace("\"", "\\\"") + '"' : arg;
        }
    }

    static final List<String> KEYS = List.of("k1", "k2", "k3", "k4", "k5", "k6");
    static final List<String> FIELDS = List.of("f1", "f2", "f3", "f4");
    static final List<String> MEMBERS = List.of("a", "b", "c", "d", "1", "2");
    static final List<String> ELEMENTS = List.of("a", "b", "c", "1", "2");
    private static final List<String> VALUES = List.of("v", "hello", "", "a", "0", "1", "-7", "42", "100",
            "9223372036854775807", "-9223372036854775808", "1.5", "-0.25", "3e2", "0.1", "10.5", " 12", "12abc");
    private static final List<String> INTEGERS = List.of("0", "1", "-1", "2", "5", "-3", "100", "-100");
    private static final List<String> BAD_INTEGERS = List.of("abc", "1.5", "", "9223372036854775808", "1e3");
    private static final List<String> FLOATS = List.of("0.1", "-1.5", "2", "3e2", "1.5e-1", "-0", "10.25", "5");
    private static final List<String> BAD_FLOATS = List.of("abc", "nan", "1.2.3", "");
    private static final List<String> SCORES = List.of("1", "2", "2.5", "-1", "0", "1e2", "0.1", "+inf", "-inf", "3");
    private static final List<String> BAD_SCORES = List.of("abc", "nan", "1x");
    private static final List<String> SCORE_BOUNDS = List.of("-inf", "+inf", "0", "1", "(1", "2.5", "(2.5", "10",
            "-1", "(0");
    private static final List<String> BAD_SCORE_BOUNDS = List.of("abc", "(abc", "[1");
    private static final List<String> LEX_BOUNDS = List.of("-", "+", "[a", "(a", "[c", "(c", "[1", "(2", "[b");
    private static final List<String> BAD_LEX_BOUNDS = List.of("a", "abc", "1");
    private static final List<String> INDEXES = List.of("0", "1", "2", "-1", "-2", "-5", "3", "5", "10", "-10", "100");
    private static final List<String> PATTERNS = List.of("*", "k*", "k?", "k[1-3]", "k[^1]", "x*", "*1", "f*", "?",
            "[abc]", "*[2-4]");
    private static final List<String> TYPES = List.of("string", "hash", "set", "list", "zset", "nosuchtype");
    private static final List<String> UNKNOWN = List.of("FOOBAR", "HSETX", "GETT", "ZADDX", "SETT", "LPUSHH");

    /** Two expiry times of one sequence differ by at least this much: far more than a sequence takes to run. */
    static final int TTL_SPACING_SECONDS = 50;

    private final Random random;
    private final long nowMillis;
    private final List<Integer> ttlPool = new ArrayList<>();
    private final List<Command> out = new ArrayList<>();

    /** @param nowMillis the wall clock when the sequence starts: the base of absolute expiry times */
    RedisCommandGenerator(Random random, long nowMillis) {
        this.random = random;
        this.nowMillis = nowMillis;
        for (int ttl = 100; ttl <= 10_000; ttl += TTL_SPACING_SECONDS) {
            ttlPool.add(ttl);
        }
        Collections.shuffle(ttlPool, random);
    }

    /** About {@code commands} commands (a transaction block at the end may take it a little over). */
    List<Command> sequence(int commands) {
        while (out.size() < commands) {
            step();
        }
        return List.copyOf(out);
    }

    private void step() {
        int p = random.nextInt(100);
        if (p < 10) {
            transaction();
        } else if (p < 14) {
            out.add(secondConnectionCommand());
        } else if (p < 16) {
            out.add(a(switch (random.nextInt(5)) {
                case 0 -> args("EXEC");
                case 1 -> args("DISCARD");
                case 2 -> args("UNWATCH");
                case 3 -> args("WATCH", key());
                default -> args("WATCH");
            }));
        } else {
            out.add(command());
        }
    }

    // ---------------------------------------------------------------- transactions

    /**
     * [WATCH k.. [B modifies a watched key or another] [UNWATCH]] MULTI cmd* (sometimes an unknown command,
     * a wrong arity, WATCH or MULTI inside) [B command] EXEC | DISCARD.
     */
    private void transaction() {
        List<String> watched = new ArrayList<>();
        if (random.nextInt(100) < 45) {
            watched.add(key());
            if (random.nextBoolean()) {
                watched.add(key());
            }
            List<String> watch = args("WATCH");
            watch.addAll(watched);
            out.add(a(watch));
            if (random.nextInt(100) < 55) {
                out.add(modifyFromSecond(random.nextInt(100) < 75 ? pick(watched) : key()));
            }
            if (random.nextInt(100) < 10) {
                out.add(a(args("UNWATCH")));
            }
        }
        out.add(a(args("MULTI")));
        int queued = random.nextInt(5);
        for (int i = 0; i < queued; i++) {
            int p = random.nextInt(100);
            if (p < 4) {
                out.add(a(args(pick(UNKNOWN), key())));
            } else if (p < 8) {
                out.add(a(args(pick(List.of("GET", "HSET", "SADD", "ZADD", "LPUSH", "INCR", "EXPIRE")))));
            } else if (p < 10) {
                out.add(a(args("WATCH", key())));
            } else if (p < 12) {
                out.add(a(args("MULTI")));
            } else {
                out.add(plainCommand());
            }
            if (!watched.isEmpty() && random.nextInt(100) < 15) {
                out.add(modifyFromSecond(pick(watched)));
            }
        }
        out.add(a(args(random.nextInt(100) < 85 ? "EXEC" : "DISCARD")));
    }

    /** On B: usually a write that touches {@code key} (or one that does not change it), else anything plain. */
    private Command modifyFromSecond(String key) {
        List<String> args = switch (random.nextInt(12)) {
            case 0 -> args("SET", key, value());
            case 1 -> args("DEL", key);
            case 2 -> args("SADD", key, member());
            case 3 -> args("LPUSH", key, element());
            case 4 -> args("HSET", key, field(), value());
            case 5 -> args("ZADD", key, pick(SCORES), member());
            case 6 -> args("EXPIRE", key, Integer.toString(ttl()));
            case 7 -> args("INCR", key);
            case 8 -> args("PERSIST", key);
            case 9 -> args("GET", key);
            case 10 -> args("APPEND", key, "x");
            default -> null;
        };
        return args == null ? secondConnectionCommand() : new Command(true, args);
    }

    private Command secondConnectionCommand() {
        return new Command(true, plainCommand().args());
    }

    private Command plainCommand() {
        Command command;
        do {
            command = command();
        } while (!command.plain());
        return command;
    }

    // ---------------------------------------------------------------- one command on A

    private Command command() {
        int p = random.nextInt(100);
        List<String> args;
        if (p < 18) {
            args = strings();
        } else if (p < 28) {
            args = expiry();
        } else if (p < 38) {
            args = keyspace();
        } else if (p < 52) {
            args = hashes();
        } else if (p < 66) {
            args = sets();
        } else if (p < 80) {
            args = lists();
        } else if (p < 95) {
            args = sortedSets();
        } else if (p < 98) {
            args = scripts();
        } else {
            args = args(pick(UNKNOWN), key(), value());
        }
        return a(args);
    }

    /** Scripts as applications send them: a lock's compare-and-delete, a counter, reads, errors, conversions. */
    private List<String> scripts() {
        String key = key();
        return switch (random.nextInt(9)) {
            case 0 -> args("EVAL", "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
                    + "else return 0 end", "1", key, value());
            case 1 -> args("EVAL", "local n = redis.call('incr', KEYS[1]) if n == 1 then "
                    + "redis.call('expire', KEYS[1], ARGV[1]) end return n", "1", key, Integer.toString(ttl()));
            case 2 -> args("EVAL", "return redis.call('get', KEYS[1])", "1", key);
            case 3 -> args("EVAL", "return {1, 2.9, 'x', {3, 'y'}, false, redis.call('exists', KEYS[1])}", "1", key);
            case 4 -> args("EVAL", "return redis.pcall('hset', KEYS[1], ARGV[1], ARGV[2])", "1", key, field(), value());
            case 5 -> args("EVAL_RO", "return redis.call('type', KEYS[1])", "1", key);
            case 6 -> args("EVAL", "return redis.call('lpush', KEYS[1], ARGV[1])", "1", key, element());
            case 7 -> args("EVAL", "return 1", pick(List.of("2", "-1", "x")), key);
            default -> args("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0");
        };
    }

    private List<String> strings() {
        String key = key();
        return switch (random.nextInt(23)) {
            case 0, 1 -> bad() ? arity("GET", 1, true, key) : args("GET", key);
            case 2, 3, 4 -> set(key);
            case 5 -> bad() ? arity("SETNX", 2, true, key, value()) : args("SETNX", key, value());
            case 6 -> bad() ? oneOf(args("SETEX", key, "0", value()), args("SETEX", key, "-10", value()),
                    args("SETEX", key, pick(BAD_INTEGERS), value()), arity("SETEX", 3, true, key, "100", value()))
                    : args("SETEX", key, Integer.toString(ttl()), value());
            case 7 -> bad() ? oneOf(args("PSETEX", key, "0", value()), args("PSETEX", key, "1.5", value()),
                    arity("PSETEX", 3, true, key, "1000", value()))
                    : args("PSETEX", key, Long.toString(ttlMillis()), value());
            case 8 -> getex(key);
            case 9 -> bad() ? arity("GETDEL", 1, true, key) : args("GETDEL", key);
            case 10 -> bad() ? arity("GETSET", 2, true, key, value()) : args("GETSET", key, value());
            case 11 -> bad() ? args("MGET") : keys("MGET", 1, 4);
            case 12, 13 -> {
                String name = random.nextBoolean() ? "MSET" : "MSETNX";
                List<String> args = args(name);
                int pairs = 1 + random.nextInt(3);
                for (int i = 0; i < pairs; i++) {
                    args.add(key());
                    args.add(value());
                }
                if (bad()) {
                    args.removeLast(); // an odd number of arguments
                }
                yield args;
            }
            case 14 -> bad() ? arity(pick(List.of("INCR", "DECR")), 1, true, key)
                    : args(pick(List.of("INCR", "DECR")), key);
            case 15 -> {
                String name = pick(List.of("INCRBY", "DECRBY"));
                yield bad() ? oneOf(args(name, key, pick(BAD_INTEGERS)), arity(name, 2, true, key, "1"),
                        args("DECRBY", key, "-9223372036854775808"),
                        args("INCRBY", key, "9223372036854775807"))
                        : args(name, key, pick(INTEGERS));
            }
            case 16 -> bad() ? oneOf(args("INCRBYFLOAT", key, pick(BAD_FLOATS)), args("INCRBYFLOAT", key, "inf"),
                    arity("INCRBYFLOAT", 2, true, key, "1"))
                    : args("INCRBYFLOAT", key, pick(FLOATS));
            case 17 -> bad() ? arity("APPEND", 2, true, key, "x") : args("APPEND", key, value());
            case 18 -> bad() ? arity("STRLEN", 1, true, key) : args("STRLEN", key);
            case 19 -> bad() ? oneOf(args("SETRANGE", key, "-1", "x"), args("SETRANGE", key, "abc", "x"),
                    args("SETRANGE", key, "536870912", "x"), arity("SETRANGE", 3, true, key, "0", "x"))
                    : args("SETRANGE", key, Integer.toString(random.nextInt(12)), pick(List.of("x", "ab", "", "123")));
            case 20 -> bad() ? oneOf(args("GETRANGE", key, "a", "1"), arity("GETRANGE", 3, true, key, "0", "1"))
                    : args("GETRANGE", key, pick(INDEXES), pick(INDEXES));
            default -> args("SET", key, pick(INTEGERS)); // numbers to count with
        };
    }

    private List<String> set(String key) {
        List<String> args = args("SET", key, value());
        if (bad()) {
            switch (random.nextInt(10)) {
                case 0 -> args.addAll(List.of(opt("EX"), "0"));
                case 1 -> args.addAll(List.of(opt("EX"), "-5"));
                case 2 -> args.addAll(List.of(opt("EX"), pick(BAD_INTEGERS)));
                case 3 -> args.addAll(List.of(opt("PX"), "0"));
                case 4 -> args.addAll(List.of(opt("NX"), opt("XX")));
                case 5 -> args.addAll(List.of(opt("EX"), Integer.toString(ttl()), opt("PX"), "100000"));
                case 6 -> args.addAll(List.of(opt("KEEPTTL"), opt("EX"), Integer.toString(ttl())));
                case 7 -> args.add(opt("FOO"));
                case 8 -> args.add(opt("EX"));
                default -> args.removeLast();
            }
            return args;
        }
        List<List<String>> options = new ArrayList<>();
        switch (random.nextInt(10)) {
            case 0, 1 -> options.add(List.of(opt("EX"), Integer.toString(ttl())));
            case 2 -> options.add(List.of(opt("PX"), Long.toString(ttlMillis())));
            case 3 -> options.add(List.of(opt("EXAT"), Long.toString(nowMillis / 1000 + ttl())));
            case 4 -> options.add(List.of(opt("PXAT"), Long.toString(nowMillis + ttlMillis())));
            case 5 -> options.add(List.of(opt("KEEPTTL")));
            default -> {
            }
        }
        switch (random.nextInt(5)) {
            case 0 -> options.add(List.of(opt("NX")));
            case 1 -> options.add(List.of(opt("XX")));
            default -> {
            }
        }
        if (random.nextInt(100) < 25) {
            options.add(List.of(opt("GET")));
        }
        Collections.shuffle(options, random);
        options.forEach(args::addAll);
        return args;
    }

    private List<String> getex(String key) {
        if (bad()) {
            return oneOf(args("GETEX", key, opt("EX"), "0"), args("GETEX", key, opt("EX"), pick(BAD_INTEGERS)),
                    args("GETEX", key, opt("FOO")), args("GETEX", key, opt("EX"), "100", opt("PX"), "100000"),
                    args("GETEX", key, opt("PERSIST"), opt("EX"), "100"), args("GETEX"));
        }
        return switch (random.nextInt(8)) {
            case 0 -> args("GETEX", key, opt("EX"), Integer.toString(ttl()));
            case 1 -> args("GETEX", key, opt("PX"), Long.toString(ttlMillis()));
            case 2 -> args("GETEX", key, opt("EXAT"), Long.toString(nowMillis / 1000 + ttl()));
            case 3 -> args("GETEX", key, opt("PXAT"), Long.toString(nowMillis + ttlMillis()));
            case 4 -> args("GETEX", key, opt("PERSIST"));
            case 5 -> args("GETEX", key, opt(random.nextBoolean() ? "EXAT" : "PXAT"), "1"); // in the past: deletes
            default -> args("GETEX", key);
        };
    }

    private List<String> expiry() {
        String key = key();
        int p = random.nextInt(100);
        if (p < 50) {
            String name = pick(List.of("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"));
            if (bad()) {
                return oneOf(args(name, key, pick(BAD_INTEGERS)), args(name, key, "100", opt("FOO")),
                        args(name, key, "100", opt("NX"), opt("XX")), args(name, key, "100", opt("GT"), opt("LT")),
                        args(name, key, "100", opt("NX"), opt("GT")), args(name, key, "9223372036854775807"),
                        arity(name, 2, false, key, "100"));
            }
            if (random.nextInt(100) < 12) { // deliberately in the past (or now): the key is deleted
                return switch (name) {
                    case "EXPIRE" -> args(name, key, pick(List.of("-1", "0")));
                    case "PEXPIRE" -> args(name, key, pick(List.of("-100", "0")));
                    case "EXPIREAT" -> args(name, key, "1");
                    default -> args(name, key, "1000");
                };
            }
            String when = switch (name) {
                case "EXPIRE" -> Integer.toString(ttl());
                case "PEXPIRE" -> Long.toString(ttlMillis());
                case "EXPIREAT" -> Long.toString(nowMillis / 1000 + ttl());
                default -> Long.toString(nowMillis + ttlMillis());
            };
            List<String> args = args(name, key, when);
            switch (random.nextInt(9)) {
                case 0 -> args.add(opt("NX"));
                case 1 -> args.add(opt("XX"));
                case 2 -> args.add(opt("GT"));
                case 3 -> args.add(opt("LT"));
                case 4 -> args.addAll(List.of(opt("XX"), opt(random.nextBoolean() ? "GT" : "LT")));
                default -> {
                }
            }
            return args;
        }
        String name = p < 90 ? pick(List.of("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME")) : "PERSIST";
        return bad() ? arity(name, 1, true, key) : args(name, key);
    }

    private List<String> keyspace() {
        return switch (random.nextInt(17)) {
            case 0, 1 -> bad() ? args(pick(List.of("DEL", "UNLINK"))) : keys(pick(List.of("DEL", "UNLINK")), 1, 3);
            case 2 -> bad() ? args("EXISTS") : keys("EXISTS", 1, 3);
            case 3, 4 -> bad() ? arity("TYPE", 1, true, key()) : args("TYPE", key());
            case 5 -> bad() ? args("KEYS") : args("KEYS", pick(PATTERNS));
            case 6, 7 -> scan(args("SCAN"), TYPES);
            case 8 -> bad() ? arity("RENAME", 2, true, key(), key()) : args("RENAME", key(), key());
            case 9 -> bad() ? arity("RENAMENX", 2, true, key(), key()) : args("RENAMENX", key(), key());
            case 10 -> {
                if (bad()) {
                    String key = key();
                    yield oneOf(args("COPY", key, key), args("COPY", key, key(), opt("FOO")), args("COPY", key));
                }
                List<String> args = args("COPY", key(), key());
                if (random.nextBoolean()) {
                    args.add(opt("REPLACE"));
                }
                yield args;
            }
            case 11 -> bad() ? args("DBSIZE", "x") : args("DBSIZE");
            case 12 -> random.nextInt(4) != 0 ? args("DBSIZE") // FLUSHDB empties everything: keep it rare
                    : bad() ? args("FLUSHDB", opt("FOO")) : args("FLUSHDB", opt(pick(List.of("SYNC", "ASYNC"))));
            case 13, 14 -> bad() ? oneOf(args("OBJECT", opt("FOO"), key()), args("OBJECT", "ENCODING"))
                    : args("OBJECT", opt("ENCODING"), key());
            case 15 -> bad() ? args("RANDOMKEY", "x") : args("RANDOMKEY");
            default -> args("EXISTS", key(), key(), key());
        };
    }

    private List<String> hashes() {
        String key = key();
        return switch (random.nextInt(17)) {
            case 0, 1, 2 -> {
                List<String> args = args("HSET", key);
                int pairs = 1 + random.nextInt(3);
                for (int i = 0; i < pairs; i++) {
                    args.add(field());
                    args.add(value());
                }
                if (bad()) {
                    args.removeLast();
                }
                yield args;
            }
            case 3 -> bad() ? arity("HGET", 2, true, key, field()) : args("HGET", key, field());
            case 4 -> bad() ? args("HMGET", key) : fields(args("HMGET", key), 1, 4);
            case 5 -> bad() ? args("HDEL", key) : fields(args("HDEL", key), 1, 3);
            case 6 -> bad() ? arity("HEXISTS", 2, true, key, field()) : args("HEXISTS", key, field());
            case 7 -> bad() ? arity("HLEN", 1, true, key) : args("HLEN", key);
            case 8 -> args(pick(List.of("HKEYS", "HVALS")), key);
            case 9 -> bad() ? arity("HGETALL", 1, true, key) : args("HGETALL", key);
            case 10 -> bad() ? oneOf(args("HINCRBY", key, field(), pick(BAD_INTEGERS)),
                    args("HINCRBY", key, field(), "9223372036854775807"), arity("HINCRBY", 3, true, key, field(), "1"))
                    : args("HINCRBY", key, field(), pick(INTEGERS));
            case 11 -> bad() ? oneOf(args("HINCRBYFLOAT", key, field(), pick(BAD_FLOATS)),
                    args("HINCRBYFLOAT", key, field(), "inf"), arity("HINCRBYFLOAT", 3, true, key, field(), "1"))
                    : args("HINCRBYFLOAT", key, field(), pick(FLOATS));
            case 12 -> bad() ? arity("HSETNX", 3, true, key, field(), value()) : args("HSETNX", key, field(), value());
            case 13 -> bad() ? arity("HSTRLEN", 2, true, key, field()) : args("HSTRLEN", key, field());
            case 14, 15 -> scan(args("HSCAN", key), null);
            default -> args("HSET", key, field(), pick(INTEGERS)); // numbers to count with
        };
    }

    private List<String> sets() {
        String key = key();
        return switch (random.nextInt(16)) {
            case 0, 1, 2 -> bad() ? args("SADD", key) : members(args("SADD", key), 1, 4);
            case 3 -> bad() ? args("SREM", key) : members(args("SREM", key), 1, 3);
            case 4 -> bad() ? arity("SISMEMBER", 2, true, key, member()) : args("SISMEMBER", key, member());
            case 5 -> bad() ? args("SMISMEMBER", key) : members(args("SMISMEMBER", key), 1, 4);
            case 6 -> args("SMEMBERS", key);
            case 7 -> bad() ? arity("SCARD", 1, true, key) : args("SCARD", key);
            case 8 -> {
                int p = random.nextInt(10);
                yield p < 4 ? args("SPOP", key) : bad() ? args("SPOP", key, pick(List.of("-1", "abc")))
                        : args("SPOP", key, pick(List.of("0", "1", "2", "5")));
            }
            case 9 -> {
                int p = random.nextInt(10);
                yield p < 3 ? args("SRANDMEMBER", key) : bad() ? args("SRANDMEMBER", key, "abc")
                        : args("SRANDMEMBER", key, pick(List.of("-3", "-1", "0", "1", "3", "10")));
            }
            case 10, 11 -> bad() ? args(pick(List.of("SINTER", "SUNION", "SDIFF")))
                    : keys(pick(List.of("SINTER", "SUNION", "SDIFF")), 1, 3);
            case 12, 13 -> {
                String name = pick(List.of("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"));
                yield bad() ? args(name, key) : keysAfter(args(name, key), 1, 3);
            }
            default -> scan(args("SSCAN", key), null);
        };
    }

    private List<String> lists() {
        String key = key();
        return switch (random.nextInt(17)) {
            case 0, 1, 2 -> {
                String name = pick(List.of("LPUSH", "RPUSH"));
                yield bad() ? args(name, key) : elements(args(name, key), 1, 4);
            }
            case 3, 4 -> {
                String name = pick(List.of("LPOP", "RPOP"));
                int p = random.nextInt(10);
                yield p < 5 ? args(name, key) : bad() ? oneOf(args(name, key, "-1"), args(name, key, "abc"),
                        args(name, key, "1", "2")) : args(name, key, pick(List.of("0", "1", "2", "10")));
            }
            case 5 -> bad() ? arity("LLEN", 1, true, key) : args("LLEN", key);
            case 6, 7 -> bad() ? oneOf(args("LRANGE", key, "a", "1"), arity("LRANGE", 3, true, key, "0", "-1"))
                    : args("LRANGE", key, pick(INDEXES), pick(INDEXES));
            case 8 -> bad() ? oneOf(args("LINDEX", key, "x"), arity("LINDEX", 2, true, key, "0"))
                    : args("LINDEX", key, pick(INDEXES));
            case 9 -> bad() ? oneOf(args("LSET", key, "x", element()), arity("LSET", 3, true, key, "0", "a"))
                    : args("LSET", key, pick(INDEXES), element());
            case 10 -> bad() ? oneOf(args("LREM", key, "x", element()), arity("LREM", 3, true, key, "0", "a"))
                    : args("LREM", key, pick(List.of("0", "1", "-1", "2", "-2")), element());
            case 11 -> bad() ? oneOf(args("LTRIM", key, "0", "x"), arity("LTRIM", 3, true, key, "0", "1"))
                    : args("LTRIM", key, pick(INDEXES), pick(INDEXES));
            case 12 -> bad() ? oneOf(args("LINSERT", key, opt("MIDDLE"), element(), element()),
                    arity("LINSERT", 4, true, key, "BEFORE", "a", "b"))
                    : args("LINSERT", key, opt(pick(List.of("BEFORE", "AFTER"))), element(), element());
            case 13, 14 -> lpos(key);
            default -> {
                if (bad()) {
                    yield oneOf(args("LMOVE", key, key(), opt("UP"), opt("LEFT")), args("LMOVE", key, key(), "LEFT"));
                }
                yield args("LMOVE", key, key(), opt(pick(List.of("LEFT", "RIGHT"))),
                        opt(pick(List.of("LEFT", "RIGHT"))));
            }
        };
    }

    private List<String> lpos(String key) {
        if (bad()) {
            return oneOf(args("LPOS", key, element(), opt("RANK"), "0"),
                    args("LPOS", key, element(), opt("COUNT"), "-1"),
                    args("LPOS", key, element(), opt("MAXLEN"), "-1"), args("LPOS", key, element(), opt("FOO"), "1"),
                    args("LPOS", key, element(), opt("RANK"), "x"), args("LPOS", key, element(), opt("COUNT")),
                    args("LPOS", key));
        }
        List<String> args = args("LPOS", key, element());
        List<List<String>> options = new ArrayList<>();
        if (random.nextInt(100) < 40) {
            options.add(List.of(opt("RANK"), pick(List.of("1", "2", "-1", "-2", "3"))));
        }
        if (random.nextInt(100) < 40) {
            options.add(List.of(opt("COUNT"), pick(List.of("0", "1", "2", "5"))));
        }
        if (random.nextInt(100) < 25) {
            options.add(List.of(opt("MAXLEN"), pick(List.of("0", "1", "2", "3"))));
        }
        Collections.shuffle(options, random);
        options.forEach(args::addAll);
        return args;
    }

    private List<String> sortedSets() {
        String key = key();
        return switch (random.nextInt(20)) {
            case 0, 1, 2, 3 -> zadd(key);
            case 4 -> bad() ? args("ZREM", key) : members(args("ZREM", key), 1, 3);
            case 5 -> bad() ? arity("ZSCORE", 2, true, key, member()) : args("ZSCORE", key, member());
            case 6 -> bad() ? oneOf(args("ZINCRBY", key, pick(BAD_SCORES), member()),
                    arity("ZINCRBY", 3, true, key, "1", member()))
                    : args("ZINCRBY", key, pick(SCORES), member());
            case 7 -> bad() ? arity("ZCARD", 1, true, key) : args("ZCARD", key);
            case 8 -> {
                String name = pick(List.of("ZRANK", "ZREVRANK"));
                yield bad() ? arity(name, 2, true, key, member()) : args(name, key, member());
            }
            case 9, 10, 11, 12 -> zrange(key);
            case 13, 14 -> {
                if (bad()) {
                    yield oneOf(args("ZRANGEBYSCORE", key, pick(BAD_SCORE_BOUNDS), "+inf"),
                            args("ZRANGEBYSCORE", key, "-inf", "+inf", opt("LIMIT"), "0"),
                            args("ZRANGEBYSCORE", key, "-inf", "+inf", opt("FOO")), args("ZRANGEBYSCORE", key, "0"));
                }
                List<String> args = args("ZRANGEBYSCORE", key, pick(SCORE_BOUNDS), pick(SCORE_BOUNDS));
                if (random.nextBoolean()) {
                    args.add(opt("WITHSCORES"));
                }
                if (random.nextInt(100) < 30) {
                    args.addAll(limit());
                }
                yield args;
            }
            case 15 -> bad() ? oneOf(args("ZCOUNT", key, pick(BAD_SCORE_BOUNDS), "1"),
                    arity("ZCOUNT", 3, true, key, "0", "1"))
                    : args("ZCOUNT", key, pick(SCORE_BOUNDS), pick(SCORE_BOUNDS));
            case 16, 17 -> {
                String name = pick(List.of("ZPOPMIN", "ZPOPMAX"));
                int p = random.nextInt(10);
                yield p < 4 ? args(name, key) : bad() ? oneOf(args(name, key, "-1"), args(name, key, "abc"))
                        : args(name, key, pick(List.of("0", "1", "2", "10")));
            }
            default -> scan(args("ZSCAN", key), null);
        };
    }

    private List<String> zadd(String key) {
        List<String> args = args("ZADD", key);
        if (bad()) {
            return switch (random.nextInt(7)) {
                case 0 -> args("ZADD", key, opt("NX"), opt("XX"), "1", member());
                case 1 -> args("ZADD", key, opt("GT"), opt("LT"), "1", member());
                case 2 -> args("ZADD", key, opt("GT"), opt("NX"), "1", member());
                case 3 -> args("ZADD", key, opt("INCR"), "1", member(), "2", member());
                case 4 -> args("ZADD", key, pick(BAD_SCORES), member());
                case 5 -> args("ZADD", key, "1", member(), "2");
                default -> args("ZADD", key);
            };
        }
        int p = random.nextInt(10);
        if (p < 2) {
            args.add(opt("NX"));
        } else if (p < 4) {
            args.add(opt("XX"));
        }
        if (p >= 2 && random.nextInt(100) < 35) {
            args.add(opt(random.nextBoolean() ? "GT" : "LT"));
        }
        if (random.nextInt(100) < 30) {
            args.add(opt("CH"));
        }
        boolean incr = random.nextInt(100) < 20;
        if (incr) {
            args.add(opt("INCR"));
        }
        int pairs = incr ? 1 : 1 + random.nextInt(3);
        for (int i = 0; i < pairs; i++) {
            args.add(pick(SCORES));
            args.add(member());
        }
        return args;
    }

    private List<String> zrange(String key) {
        if (bad()) {
            return oneOf(args("ZRANGE", key, "0", "-1", opt("LIMIT"), "0", "1"),
                    args("ZRANGE", key, "-", "+", opt("BYLEX"), opt("WITHSCORES")),
                    args("ZRANGE", key, pick(BAD_SCORE_BOUNDS), "1", opt("BYSCORE")),
                    args("ZRANGE", key, pick(BAD_LEX_BOUNDS), "+", opt("BYLEX")),
                    args("ZRANGE", key, "a", "1"), args("ZRANGE", key, "0", "-1", opt("FOO")),
                    args("ZRANGE", key, "0", "1", opt("BYSCORE"), opt("LIMIT"), "0"), args("ZRANGE", key, "0"));
        }
        int by = random.nextInt(10); // 0-3 by rank, 4-7 by score, 8-9 by lex
        boolean rev = random.nextInt(100) < 30;
        List<String> args = args("ZRANGE", key);
        if (by < 4) {
            args.addAll(List.of(pick(INDEXES), pick(INDEXES)));
        } else if (by < 8) {
            args.addAll(List.of(pick(SCORE_BOUNDS), pick(SCORE_BOUNDS), opt("BYSCORE")));
        } else {
            args.addAll(List.of(pick(LEX_BOUNDS), pick(LEX_BOUNDS), opt("BYLEX")));
        }
        if (rev) {
            args.add(opt("REV"));
        }
        if (by >= 4 && random.nextInt(100) < 30) {
            args.addAll(limit());
        }
        if (by < 8 && random.nextBoolean()) {
            args.add(opt("WITHSCORES"));
        }
        return args;
    }

    /** LIMIT offset count (a negative count: no limit). */
    private List<String> limit() {
        return List.of(opt("LIMIT"), pick(List.of("0", "1", "2")), pick(List.of("1", "2", "-1", "0")));
    }

    /** SCAN 0 / HSCAN key 0 / ...: [MATCH p] [COUNT n] [TYPE t]; invalid: bad cursor, COUNT 0, unknown option. */
    private List<String> scan(List<String> args, List<String> types) {
        if (bad()) {
            args.add(pick(List.of("abc", "0")));
            args.addAll(switch (random.nextInt(4)) {
                case 0 -> List.of(opt("COUNT"), "0");
                case 1 -> List.of(opt("COUNT"), "abc");
                case 2 -> List.of(opt("FOO"), "1");
                default -> List.of(opt("MATCH"));
            });
            return args;
        }
        args.add("0");
        List<List<String>> options = new ArrayList<>();
        if (random.nextInt(100) < 40) {
            options.add(List.of(opt("MATCH"), pick(PATTERNS)));
        }
        if (random.nextInt(100) < 40) {
            options.add(List.of(opt("COUNT"), pick(List.of("1", "2", "10", "100"))));
        }
        if (types != null && random.nextInt(100) < 35) {
            options.add(List.of(opt("TYPE"), pick(types)));
        }
        Collections.shuffle(options, random);
        options.forEach(args::addAll);
        return args;
    }

    // ---------------------------------------------------------------- pieces

    private Command a(List<String> args) {
        return new Command(false, args);
    }

    /** The name in upper case mostly, sometimes lower or mixed case (Redis command names ignore case). */
    private List<String> args(String name, String... rest) {
        List<String> args = new ArrayList<>();
        args.add(opt(name));
        args.addAll(Arrays.asList(rest));
        return args;
    }

    /** A keyword (command name or option) in upper case mostly, sometimes lower or mixed case. */
    private String opt(String word) {
        int p = random.nextInt(100);
        if (p < 10) {
            return word.toLowerCase(Locale.ROOT);
        }
        if (p < 13) {
            return word.charAt(0) + word.substring(1).toLowerCase(Locale.ROOT);
        }
        return word;
    }

    /** Too few arguments (some cut off), or with {@code fixed} arity sometimes one too many. */
    private List<String> arity(String name, int valid, boolean fixed, String... validArgs) {
        List<String> args = args(name);
        if (fixed && random.nextBoolean()) {
            args.addAll(Arrays.asList(validArgs).subList(0, valid));
            args.add("extra");
        } else {
            args.addAll(Arrays.asList(validArgs).subList(0, random.nextInt(valid)));
        }
        return args;
    }

    @SafeVarargs
    private List<String> oneOf(List<String>... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private boolean bad() {
        return random.nextInt(100) < 12;
    }

    private List<String> keys(String name, int min, int max) {
        return keysAfter(args(name), min, max);
    }

    private List<String> keysAfter(List<String> args, int min, int max) {
        return add(args, KEYS, min, max);
    }

    private List<String> fields(List<String> args, int min, int max) {
        return add(args, FIELDS, min, max);
    }

    private List<String> members(List<String> args, int min, int max) {
        return add(args, MEMBERS, min, max);
    }

    private List<String> elements(List<String> args, int min, int max) {
        return add(args, ELEMENTS, min, max);
    }

    private List<String> add(List<String> args, List<String> from, int min, int max) {
        int count = min + random.nextInt(max - min + 1);
        for (int i = 0; i < count; i++) {
            args.add(pick(from));
        }
        return args;
    }

    private String key() {
        return pick(KEYS);
    }

    private String field() {
        return pick(FIELDS);
    }

    private String member() {
        return pick(MEMBERS);
    }

    private String element() {
        return pick(ELEMENTS);
    }

    private String value() {
        return pick(VALUES);
    }

    /** A relative TTL in seconds, 100..10000, not used before in this sequence. */
    private int ttl() {
        if (ttlPool.isEmpty()) {
            throw new IllegalStateException("more expiry times in one sequence than 100..10000 s in steps of "
                    + TTL_SPACING_SECONDS + " s: use shorter sequences (caucus.diff.commands)");
        }
        return ttlPool.removeLast();
    }

    private long ttlMillis() {
        return ttl() * 1000L + random.nextInt(1000);
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }
}
