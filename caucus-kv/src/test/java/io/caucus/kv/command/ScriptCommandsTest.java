package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.KvStateMachine;
import io.caucus.kv.state.ScriptCache;
import io.caucus.server.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Scripts, run as the state machine runs them: EVAL/EVALSHA/SCRIPT LOAD/SCRIPT FLUSH as log entries, EVAL_RO,
 * EVALSHA_RO and SCRIPT EXISTS as reads. Every expected reply marked "redis" was checked against redis-server 7.0.15
 * ({@code redis-cli --no-raw eval ...}, shown here as {@link #show} prints it).
 */
class ScriptCommandsTest {

    static final String RELEASE_LOCK = "if redis.call(\"get\",KEYS[1]) == ARGV[1] then\n"
            + "    return redis.call(\"del\",KEYS[1])\n"
            + "else\n"
            + "    return 0\n"
            + "end";

    /** A replica: a state machine, its last index, one client session and the log's time. */
    static final class Replica {
        final KvStateMachine machine = new KvStateMachine(16);
        long index;
        long timeMillis = 1_700_000_000_000L;
        final long client;
        long sequence;

        Replica() {
            client = ((Reply.Int) apply(new KvEntry.Register(timeMillis))).value();
        }

        Reply apply(KvEntry entry) {
            return EntryCodec.decodeReply(machine.apply(++index, EntryCodec.encode(entry)));
        }

        Reply write(String... args) {
            return apply(new KvEntry.SessionCommand(timeMillis, client, ++sequence, new KvEntry.Call(bytes(args))));
        }

        Reply read(String... args) {
            return EntryCodec.decodeReply(machine.query(EntryCodec.encode(new KvQuery.Call(timeMillis, bytes(args)))));
        }

        /** Runs a command the way the node serves it: a write through the log, a read as a query. */
        String run(String... args) {
            CommandSpec spec = CommandTable.resolve(bytes(args));
            return show(spec != null && !spec.isWrite() && spec.kind() != CommandSpec.Kind.LOCAL ? read(args)
                    : write(args));
        }

        byte[] snapshot() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (StateMachine.Snapshot snapshot = machine.snapshot(index)) {
                snapshot.writeTo(out);
            }
            return out.toByteArray();
        }
    }

    private final Replica replica = new Replica();

    private String run(String... args) {
        return replica.run(args);
    }

    private String eval(String script, String... keysAndArgs) {
        return evalAs("EVAL", script, keysAndArgs);
    }

    private String evalAs(String command, String script, String... numkeysKeysArgs) {
        String[] args = new String[numkeysKeysArgs.length + 2];
        args[0] = command;
        args[1] = script;
        System.arraycopy(numkeysKeysArgs, 0, args, 2, numkeysKeysArgs.length);
        return run(args);
    }

    static List<byte[]> bytes(String... args) {
        return Arrays.stream(args).map(a -> a.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** A reply as redis-cli --no-raw prints it, on one line. */
    static String show(Reply reply) {
        return switch (reply) {
            case Reply.Status status -> status.text();
            case Reply.Error error -> "(error) " + error.line();
            case Reply.Int value -> "(integer) " + value.value();
            case Reply.Bulk bulk -> "\"" + new String(bulk.value(), StandardCharsets.UTF_8) + "\"";
            case Reply.Nil ignored -> "(nil)";
            case Reply.NullArray ignored -> "(nil array)";
            case Reply.Array array -> array.elements().stream().map(ScriptCommandsTest::show)
                    .collect(Collectors.joining(", ", "[", "]"));
        };
    }

    private static String sha(String script) {
        return ScriptCache.sha1Hex(script.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ what scripts are for

    @Test
    void theLockReleaseScriptDeletesOnlyTheHoldersLock() {
        assertThat(run("SET", "lock:orders", "token-1", "NX", "PX", "30000")).isEqualTo("OK");
        assertThat(eval(RELEASE_LOCK, "1", "lock:orders", "token-2")).isEqualTo("(integer) 0");
        assertThat(run("GET", "lock:orders")).isEqualTo("\"token-1\"");
        assertThat(eval(RELEASE_LOCK, "1", "lock:orders", "token-1")).isEqualTo("(integer) 1");
        assertThat(run("EXISTS", "lock:orders")).isEqualTo("(integer) 0");
        assertThat(eval(RELEASE_LOCK, "1", "lock:orders", "token-1")).isEqualTo("(integer) 0");
        // Clients send EVALSHA first: EVAL cached the script, so it is found.
        assertThat(run("EVALSHA", sha(RELEASE_LOCK), "1", "lock:orders", "token-1")).isEqualTo("(integer) 0");
    }

    @Test
    void aFixedWindowRateLimiterCountsWithinItsWindowAtTheLogsTime() {
        String limiter = "local current = redis.call('INCR', KEYS[1])\n"
                + "if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
                + "if current > tonumber(ARGV[2]) then return 0 end\n"
                + "return 1";
        for (String expected : List.of("1", "1", "1", "0", "0")) {
            assertThat(eval(limiter, "1", "rate:alice", "1000", "3")).isEqualTo("(integer) " + expected);
        }
        assertThat(run("PTTL", "rate:alice")).isEqualTo("(integer) 1000"); // the log's time has not moved
        replica.timeMillis += 1_000;
        assertThat(eval(limiter, "1", "rate:alice", "1000", "3")).isEqualTo("(integer) 1");
    }

    @Test
    void aTokenBucketStoresItsFloatsAsRedisDoes() {
        // redis: the same five calls give exactly these replies, and HGETALL bucket the same fields.
        String bucket = "local rate = tonumber(ARGV[1])\n"
                + "local capacity = tonumber(ARGV[2])\n"
                + "local now = tonumber(ARGV[3])\n"
                + "local requested = tonumber(ARGV[4])\n"
                + "local state = redis.call(\"HMGET\", KEYS[1], \"tokens\", \"ts\")\n"
                + "local tokens = tonumber(state[1]) or capacity\n"
                + "local ts = tonumber(state[2]) or now\n"
                + "tokens = math.min(capacity, tokens + (now - ts) * rate)\n"
                + "local allowed = tokens >= requested\n"
                + "if allowed then tokens = tokens - requested end\n"
                + "redis.call(\"HSET\", KEYS[1], \"tokens\", tokens, \"ts\", now)\n"
                + "redis.call(\"PEXPIRE\", KEYS[1], math.ceil(capacity / rate * 1000))\n"
                + "return {allowed and 1 or 0, tostring(tokens)}";
        assertThat(eval(bucket, "1", "bucket", "0.3", "2", "1000.0", "1")).isEqualTo("[(integer) 1, \"1\"]");
        assertThat(eval(bucket, "1", "bucket", "0.3", "2", "1000.1", "1"))
                .isEqualTo("[(integer) 1, \"0.030000000000007\"]");
        assertThat(eval(bucket, "1", "bucket", "0.3", "2", "1000.2", "1"))
                .isEqualTo("[(integer) 0, \"0.060000000000014\"]");
        assertThat(eval(bucket, "1", "bucket", "0.3", "2", "1000.25", "1")).isEqualTo("[(integer) 0, \"0.075\"]");
        assertThat(eval(bucket, "1", "bucket", "0.3", "2", "1003.7", "1"))
                .isEqualTo("[(integer) 1, \"0.11000000000001\"]");
        assertThat(run("HMGET", "bucket", "tokens", "ts")).isEqualTo("[\"0.11000000000001386\", \"1003.7\"]");
        assertThat(run("PTTL", "bucket")).isEqualTo("(integer) 6667");
    }

    // ------------------------------------------------------------------ conversions (all redis)

    @Test
    void luaValuesBecomeRepliesAsInRedis() {
        assertThat(eval("return {1,2,{3,'x'},nil,4}", "0")).isEqualTo("[(integer) 1, (integer) 2, [(integer) 3, \"x\"]]");
        assertThat(eval("return 3.99", "0")).isEqualTo("(integer) 3");
        assertThat(eval("return -3.99", "0")).isEqualTo("(integer) -3");
        assertThat(eval("return 0/0", "0")).isEqualTo("(integer) -9223372036854775808");
        assertThat(eval("return 1/0", "0")).isEqualTo("(integer) -9223372036854775808");
        assertThat(eval("return 1e30", "0")).isEqualTo("(integer) -9223372036854775808");
        assertThat(eval("return 'text'", "0")).isEqualTo("\"text\"");
        assertThat(eval("return true", "0")).isEqualTo("(integer) 1");
        assertThat(eval("return false", "0")).isEqualTo("(nil)");
        assertThat(eval("return nil", "0")).isEqualTo("(nil)");
        assertThat(eval("return", "0")).isEqualTo("(nil)");
        assertThat(eval("return {}", "0")).isEqualTo("[]");
        assertThat(eval("return {ok='fine'}", "0")).isEqualTo("fine");
        assertThat(eval("return {ok='a\\r\\nb'}", "0")).isEqualTo("a  b");
        assertThat(eval("return {err='boom'}", "0")).isEqualTo("(error) boom");
        assertThat(eval("return {err='MYCODE boom'}", "0")).isEqualTo("(error) MYCODE boom");
        assertThat(eval("return {1,2,err='x'}", "0")).isEqualTo("(error) x");
        assertThat(eval("return {err=3}", "0")).isEqualTo("[]");
        assertThat(eval("return {ok=3}", "0")).isEqualTo("[]");
        assertThat(eval("return {double=3.5}", "0")).isEqualTo("\"3.5\"");
        assertThat(eval("return {map={a=1}}", "0")).isEqualTo("[\"a\", (integer) 1]");
        assertThat(eval("return {set={a=true}}", "0")).isEqualTo("[\"a\"]");
        assertThat(eval("return redis.error_reply('x y')", "0")).isEqualTo("(error) x y");
        assertThat(eval("return redis.error_reply('-x y')", "0")).isEqualTo("(error) x y");
        assertThat(eval("return redis.error_reply('boom')", "0")).isEqualTo("(error) ERR boom");
        assertThat(eval("return redis.error_reply()", "0")).isEqualTo("(error) ERR wrong number or type of arguments");
        assertThat(eval("return redis.status_reply('x y')", "0")).isEqualTo("x y");
        assertThat(eval("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k", "a", "b"))
                .isEqualTo("[\"k\", \"a\", (integer) 1, (integer) 2]");
    }

    @Test
    void repliesBecomeLuaValuesAsInRedis() {
        run("SET", "s", "str");
        run("RPUSH", "list", "a", "b");
        assertThat(eval("return redis.call('get','missing')", "0")).isEqualTo("(nil)");
        assertThat(eval("return type(redis.call('get','missing'))", "0")).isEqualTo("\"boolean\"");
        assertThat(eval("return redis.call('ping')", "0")).isEqualTo("PONG");
        assertThat(eval("return redis.call('ping').ok", "0")).isEqualTo("\"PONG\"");
        assertThat(eval("return type(redis.call('strlen','s'))", "0")).isEqualTo("\"number\"");
        assertThat(eval("return redis.call('lrange','list',0,-1)", "0")).isEqualTo("[\"a\", \"b\"]");
        assertThat(eval("return redis.pcall('incr','s').err", "0"))
                .isEqualTo("\"ERR value is not an integer or out of range\"");
        // Numbers become arguments by %.17g (redis: 0.10000000000000001, 1e+20, 100).
        assertThat(eval("redis.call('set','n',0.1) return redis.call('get','n')", "0"))
                .isEqualTo("\"0.10000000000000001\"");
        assertThat(eval("redis.call('set','n',1e20) return redis.call('get','n')", "0")).isEqualTo("\"1e+20\"");
        assertThat(eval("redis.call('set','n',100) return redis.call('get','n')", "0")).isEqualTo("\"100\"");
        assertThat(eval("redis.call('set','n',2^53) return redis.call('get','n')", "0"))
                .isEqualTo("\"9007199254740992\"");
    }

    @Test
    void numbersPrintAsLua51PrintsThem() {
        // redis: tostring is %.14g; string.format is C's printf.
        assertThat(eval("return {tostring(1/3), tostring(1e20), tostring(100), tostring(2^53), tostring(1e15)}",
                "0")).isEqualTo("[\"0.33333333333333\", \"1e+20\", \"100\", \"9.007199254741e+15\", \"1e+15\"]");
        assertThat(eval("return string.format('%5.1f|%-5d|%+d|%05.1f|%#x|%o|%c|%10.3s|', 3.14159, 42, 5, 2.5, "
                + "255, 8, 65, 'abcdef')", "0")).isEqualTo("\"  3.1|42   |+5|002.5|0xff|10|A|       abc|\"");
        assertThat(eval("return string.format('%g %g %g %g', 100000, 1000000, 1e-5, 123456789)", "0"))
                .isEqualTo("\"100000 1e+06 1e-05 1.23457e+08\"");
        assertThat(eval("return string.format('%.3f|%5.2s|%d|%x|%e|%q', 1/3, 'abc', 3.7, 255, 12345.678, "
                + "'a\"b')", "0")).isEqualTo("\"0.333|   ab|3|ff|1.234568e+04|\"a\\\"b\"\"");
        assertThat(eval("return string.format('%d', 2^63)", "0")).isEqualTo("\"-9223372036854775808\"");
    }

    @Test
    void mathRandomIsRedissRand48() {
        // redis: after math.randomseed(42) these exact draws.
        assertThat(eval("math.randomseed(42) return {math.random(100), math.random(100), math.random(1,6), "
                + "tostring(math.random())}", "0")).isEqualTo("[(integer) 75, (integer) 35, (integer) 1, "
                + "\"0.42233895809499\"]");
        assertThat(eval("return math.random(0)", "0")).isEqualTo("(error) ERR user_script:1: bad argument #1 to "
                + "'random' (interval is empty) script: 008bcb60f86ee36d26c67b641b46674578d9cba0, on @user_script:1.");
        assertThat(eval("local x = math.random(0) return x", "0")).isEqualTo("(error) ERR user_script:1: bad "
                + "argument #1 to 'random' (interval is empty) script: c4cac228c2cede46127ad6f34149d6c34cb6b612, on "
                + "@user_script:1.");
        assertThat(eval("return error('x')", "0")).startsWith("(error) ERR user_script:1: x script: ");
        assertThat(eval("return {bit.band(0xff, 0x0f), bit.tohex(255), bit.bnot(0), bit.lshift(1, 31)}", "0"))
                .isEqualTo("[(integer) 15, \"000000ff\", (integer) -1, (integer) -2147483648]");
    }

    // ------------------------------------------------------------------ errors (all redis, but luaj's wording
    // of Lua's own messages: "attempt to index ? (a nil value)" where Lua 5.1 names the variable)

    @Test
    void errorsAreWordedAsRedisWordsThem() {
        assertThat(eval("return 1", "1")).isEqualTo("(error) ERR Number of keys can't be greater than number of args");
        assertThat(eval("return 1", "-1")).isEqualTo("(error) ERR Number of keys can't be negative");
        assertThat(eval("return 1", "x")).isEqualTo("(error) ERR value is not an integer or out of range");
        assertThat(eval("return 1", "99999999999999999999"))
                .isEqualTo("(error) ERR value is not an integer or out of range");
        assertThat(eval("error('x')", "0")).isEqualTo("(error) ERR user_script:1: x script: "
                + "9851144f39f03a0d597a980c5aa79c80cb696891, on @user_script:1.");
        assertThat(eval("error({err='MY x'})", "0")).isEqualTo("(error) MY x script: "
                + "892d3143709ed90870061a291d50ce1f009cd7bf, on @user_script:1.");
        assertThat(eval("error()", "0")).isEqualTo("(error) ERR nil script: aca90d914519fdb9825352bdc0befb59f7c8510f, "
                + "on @user_script:1.");
        assertThat(eval("local t = nil; return t.x", "0")).isEqualTo("(error) ERR user_script:1: attempt to index ? "
                + "(a nil value) script: e62b17c4a64e9b74a6f9be57909ea9e2d0e66784, on @user_script:1.");
        assertThat(eval("return redis.call('nosuch')", "0")).isEqualTo("(error) ERR Unknown Redis command called from "
                + "script script: 206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.");
        assertThat(eval("return redis.pcall('nosuch')", "0"))
                .isEqualTo("(error) ERR Unknown Redis command called from script");
        assertThat(eval("return redis.call('get')", "0")).isEqualTo("(error) ERR Wrong number of args calling Redis "
                + "command from script script: f187dee77f607f7cff00bbabc9df38507582c78d, on @user_script:1.");
        assertThat(eval("return redis.call()", "0")).isEqualTo("(error) ERR Please specify at least one argument for "
                + "this redis lib call script: 0a907e1429221a4d85516cab7fd219a82a9439d8, on @user_script:1.");
        assertThat(eval("return redis.call({})", "0")).isEqualTo("(error) ERR Lua redis lib command arguments must be "
                + "strings or integers script: 80747816df1f4411f7c442b928fce6a814214839, on @user_script:1.");
        assertThat(eval("return redis.call('eval','return 1', 0)", "0")).isEqualTo("(error) ERR This Redis command is "
                + "not allowed from script script: 498b5081e21f7e3039493da0ab415ae08f116868, on @user_script:1.");
        run("SET", "s", "str");
        assertThat(eval("return redis.call('incr','s')", "0")).isEqualTo("(error) ERR value is not an integer or out "
                + "of range script: c243b9f46db13ba8f69da41b45a77708832babed, on @user_script:1.");
        assertThat(eval("local x = 1\nlocal y = redis.call('nosuch')\nreturn y", "0")).endsWith("on @user_script:2.");
        assertThat(eval("return +", "0"))
                .startsWith("(error) ERR Error compiling script (new function): user_script:1: ");
        assertThat(eval("local function f(n) return 1 + f(n + 1) end return f(1)", "0")).isEqualTo("(error) ERR "
                + "user_script:1: stack overflow script: a046f550116d31ae0ccf4b7d8876034bbb0d634e, on @user_script:1.");
        assertThat(eval("local function f(n) return 1 + f(n + 1) end return {pcall(f, 1)}", "0"))
                .isEqualTo("[(nil), \"user_script:1: stack overflow\"]");
    }

    @Test
    void readOnlyScriptsCannotWrite() {
        assertThat(evalAs("EVAL_RO", "return redis.call('set','a','b')", "0")).isEqualTo("(error) ERR Write commands "
                + "are not allowed from read-only scripts. script: ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6, on "
                + "@user_script:1.");
        assertThat(evalAs("EVAL_RO", "return redis.pcall('set','a','b')", "0"))
                .isEqualTo("(error) ERR Write commands are not allowed from read-only scripts.");
        assertThat(eval("#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"))
                .startsWith("(error) ERR Write commands are not allowed from read-only scripts. script: ");
        assertThat(evalAs("EVAL_RO", "#!lua\nreturn 1", "0"))
                .isEqualTo("(error) ERR Can not execute a script with write flag using *_ro command.");
        assertThat(run("EXISTS", "a")).isEqualTo("(integer) 0");
        run("SET", "a", "1");
        assertThat(evalAs("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "a")).isEqualTo("\"1\"");
        assertThat(evalAs("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "a"))
                .isEqualTo("\"1\"");
        // EVAL_RO is a read: it cannot add to the replicated cache (Redis's would).
        assertThat(run("SCRIPT", "EXISTS", sha("return redis.call('get', KEYS[1])"))).isEqualTo("[(integer) 0]");
    }

    @Test
    void shebangsAreCheckedAsRedisChecksThem() {
        assertThat(eval("#!lua\nreturn 1", "0")).isEqualTo("(integer) 1");
        assertThat(eval("#!lua flags=bogus\nreturn 1", "0"))
                .isEqualTo("(error) ERR Unexpected flag in script shebang: bogus");
        assertThat(eval("#!lua name=x\nreturn 1", "0")).isEqualTo("(error) ERR Unknown lua shebang option: name=x");
        assertThat(eval("#!python\nreturn 1", "0"))
                .isEqualTo("(error) ERR Unexpected engine in script shebang: #!python");
        assertThat(eval("#!lua\nerror('x')", "0")).isEqualTo("(error) ERR user_script:2: x script: "
                + sha("#!lua\nerror('x')") + ", on @user_script:2.");
    }

    // ------------------------------------------------------------------ the sandbox

    @Test
    void globalsAndLibrariesAreReadOnlyAndOnlyRedissLibrariesAreThere() {
        String readOnly = "Attempt to modify a readonly table";
        assertThat(eval("x = 1", "0")).contains(readOnly);
        assertThat(eval("string.rep = nil", "0")).contains(readOnly);
        assertThat(eval("rawset(_G, 'x', 1)", "0")).contains(readOnly);
        assertThat(eval("setmetatable(_G, nil)", "0")).contains(readOnly);
        assertThat(eval("table.insert(string, 1)", "0")).contains(readOnly);
        assertThat(eval("getmetatable('').__index = {}", "0")).contains(readOnly);
        assertThat(eval("return string.rep('ab', 2) .. ('x'):upper()", "0")).isEqualTo("\"ababX\"");
        for (String absent : List.of("os", "io", "debug", "require", "dofile", "loadfile", "print", "coroutine")) {
            assertThat(eval("return " + absent, "0")).as(absent).startsWith("(error) ERR user_script:1: Script "
                    + "attempted to access nonexistent global variable '" + absent + "'");
        }
        assertThat(eval("local t = {} t.x = 1 return t.x", "0")).isEqualTo("(integer) 1");
        assertThat(eval("return _VERSION", "0")).isEqualTo("\"Lua 5.1\"");
        assertThat(eval("return redis.sha1hex('abc')", "0")).isEqualTo("\"a9993e364706816aba3e25717850c26c9cd0d89d\"");
        assertThat(eval("return loadstring('return 1 + 1')()", "0")).isEqualTo("(integer) 2");
        assertThat(eval("return unpack({1, 2, 3}) + select('#', unpack({1, 2, 3}))", "0")).isEqualTo("(integer) 4");
        assertThat(eval("local t = {} setmetatable(t, {__mode='k'})", "0")).contains("weak tables");
    }

    @Test
    void aRunawayScriptIsStoppedAndPcallCannotCatchTheStop() {
        String loop = "redis.call('set', KEYS[1], 'before')\n"
                + "pcall(function() while true do end end)\n"
                + "redis.call('set', KEYS[1], 'after')";
        assertThat(eval(loop, "1", "k")).isEqualTo("(error) ERR script exceeded the limit of 50000000 Lua "
                + "instructions; it was stopped there (what it changed before stays changed, as after any script "
                + "error) script: " + sha(loop) + ", on @user_script:2.");
        assertThat(run("GET", "k")).isEqualTo("\"before\""); // as after any script error in Redis
        assertThat(eval("local s = 'x' for i = 1, 40 do s = s .. s end return #s", "0"))
                .contains("string length overflow");
        assertThat(eval("return #string.rep('x', 100000000)", "0")).contains("string length overflow");
    }

    // ------------------------------------------------------------------ determinism

    @Test
    void twoReplicasApplyingTheSameEntriesComputeTheSameRepliesAndState() {
        Replica a = new Replica();
        Replica b = new Replica();
        String draw = "local n = {} for i = 1, 5 do n[i] = math.random(1000000) end\n"
                + "redis.call('rpush', KEYS[1], unpack(n)) return n";
        String loop = "redis.call('set', KEYS[1], math.random()) while true do end";
        for (Replica replica : List.of(a, b)) {
            replica.write("SET", "seed", "x");
        }
        String first = show(a.write("EVAL", draw, "1", "drawn"));
        assertThat(show(b.write("EVAL", draw, "1", "drawn"))).isEqualTo(first);
        String second = show(a.write("EVAL", draw, "1", "drawn"));
        assertThat(show(b.write("EVAL", draw, "1", "drawn"))).isEqualTo(second);
        assertThat(second).isNotEqualTo(first); // each entry draws from its own index, as Redis 7.0 draws anew
        String stopped = show(a.write("EVAL", loop, "1", "partial"));
        assertThat(show(b.write("EVAL", loop, "1", "partial"))).isEqualTo(stopped).contains("exceeded the limit");
        assertThat(show(a.read("LRANGE", "drawn", "0", "-1"))).isEqualTo(show(b.read("LRANGE", "drawn", "0", "-1")));
        assertThat(show(a.read("GET", "partial"))).isEqualTo(show(b.read("GET", "partial")));
        assertThat(a.machine.digest()).isEqualTo(b.machine.digest());
        assertThat(show(a.read("EVAL_RO", "return tostring({}) .. tostring(print == nil)", "0")))
                .isEqualTo("(error) ERR user_script:1: Script attempted to access nonexistent global variable "
                        + "'print' script: " + sha("return tostring({}) .. tostring(print == nil)")
                        + ", on @user_script:1.");
        assertThat(show(a.read("EVAL_RO", "return tostring({}) .. ' ' .. tostring({})", "0")))
                .isEqualTo("\"table: 0x00000001 table: 0x00000002\"");
    }

    // ------------------------------------------------------------------ the script cache

    @Test
    void scriptLoadExistsAndFlush() {
        String one = "return 1";
        assertThat(run("SCRIPT", "LOAD", one)).isEqualTo("\"e0e1f9fabfc9d4800c877a703b823ac0578ff8db\"");
        assertThat(run("SCRIPT", "EXISTS", sha(one), "ffffffffffffffffffffffffffffffffffffffff",
                sha(one).toUpperCase())).isEqualTo("[(integer) 1, (integer) 0, (integer) 1]");
        assertThat(run("EVALSHA", sha(one).toUpperCase(), "0")).isEqualTo("(integer) 1");
        assertThat(run("EVALSHA_RO", sha(one), "0")).isEqualTo("(integer) 1");
        assertThat(run("EVALSHA", "abc", "0")).isEqualTo("(error) NOSCRIPT No matching script. Please use EVAL.");
        assertThat(run("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x"))
                .isEqualTo("(error) ERR value is not an integer or out of range");
        assertThat(run("SCRIPT", "LOAD", "return +"))
                .startsWith("(error) ERR Error compiling script (new function): user_script:1: ");
        assertThat(run("SCRIPT", "EXISTS")).isEqualTo("(error) ERR wrong number of arguments for 'script|exists' "
                + "command");
        assertThat(run("SCRIPT")).isEqualTo("(error) ERR wrong number of arguments for 'script' command");
        assertThat(run("SCRIPT", "foo")).isEqualTo("(error) ERR unknown subcommand 'foo'. Try SCRIPT HELP.");
        assertThat(run("SCRIPT", "FLUSH", "bogus")).isEqualTo("(error) ERR SCRIPT FLUSH only support SYNC|ASYNC "
                + "option");
        assertThat(run("SCRIPT", "FLUSH", "sync", "async")).isEqualTo("(error) ERR SCRIPT FLUSH only support "
                + "SYNC|ASYNC option");
        assertThat(run("SCRIPT", "KILL")).isEqualTo("(error) NOTBUSY No scripts in execution right now.");
        assertThat(replica.machine.scriptCount()).isEqualTo(1);
        assertThat(run("SCRIPT", "FLUSH", "ASYNC")).isEqualTo("OK");
        assertThat(run("SCRIPT", "EXISTS", sha(one))).isEqualTo("[(integer) 0]");
        assertThat(run("EVALSHA", sha(one), "0")).isEqualTo("(error) NOSCRIPT No matching script. Please use EVAL.");
        assertThat(CommandTable.resolve(bytes("SCRIPT", "LOAD", one)).kind()).isEqualTo(CommandSpec.Kind.WRITE);
        assertThat(CommandTable.resolve(bytes("script", "exists", one)).kind()).isEqualTo(CommandSpec.Kind.READ);
    }

    @Test
    void aFullCacheRefusesScriptLoadButEvalStillRuns() {
        Replica full = new Replica();
        for (int i = 0; i < ScriptCache.MAX_SCRIPTS; i++) {
            assertThat(full.write("SCRIPT", "LOAD", "return " + i)).isInstanceOf(Reply.Bulk.class);
        }
        assertThat(show(full.write("SCRIPT", "LOAD", "return 'new'"))).isEqualTo("(error) ERR the script cache is "
                + "full (at most 10000 scripts and 64 MiB of script text); SCRIPT FLUSH empties it");
        assertThat(show(full.write("EVAL", "return 'new'", "0"))).isEqualTo("\"new\"");
        assertThat(show(full.write("EVALSHA", sha("return 'new'"), "0"))).startsWith("(error) NOSCRIPT");
        assertThat(show(full.write("EVALSHA", sha("return 9999"), "0"))).isEqualTo("(integer) 9999");
        assertThat(full.machine.scriptCount()).isEqualTo(ScriptCache.MAX_SCRIPTS);
    }

    @Test
    void theScriptCacheSurvivesASnapshotRestore() throws IOException {
        Replica source = new Replica();
        source.write("SCRIPT", "LOAD", RELEASE_LOCK);
        source.write("EVAL", "return 'cached by eval'", "0");
        source.write("SET", "lock", "me");
        byte[] snapshot = source.snapshot();

        Replica restored = new Replica();
        restored.write("SCRIPT", "LOAD", "return 'only on the restored one'"); // replaced by the restore
        restored.machine.restore(source.index, new ByteArrayInputStream(snapshot));
        restored.index = source.index;
        restored.sequence = source.sequence; // the restore brought the source's session table (same client id)
        assertThat(restored.machine.scriptCount()).isEqualTo(2);
        assertThat(show(restored.read("SCRIPT", "EXISTS", sha(RELEASE_LOCK), sha("return 'cached by eval'"),
                sha("return 'only on the restored one'")))).isEqualTo("[(integer) 1, (integer) 1, (integer) 0]");
        assertThat(show(restored.write("EVALSHA", sha(RELEASE_LOCK), "1", "lock", "me"))).isEqualTo("(integer) 1");
        Replica again = new Replica();
        again.machine.restore(restored.index, new ByteArrayInputStream(restored.snapshot()));
        assertThat(again.machine.scriptCount()).isEqualTo(2);
    }

    @Test
    void aVersion2SnapshotWithoutScriptsIsStillRead() throws IOException {
        Replica source = new Replica(); // one session, never written: 20 bytes
        byte[] v5 = source.snapshot();
        // header 24 bytes, sessions 4 + 20, WATCH memory 8 + 4: the script count (0) is at 60.
        int scriptCount = 24 + 4 + 20 + 8 + 4;
        // Version 5 ends: keys, the slot moves section (empty: 4 + 8 + 4 + 4 bytes), the fence (8), the copies in
        // parts (none: 4), the end marker, the checksum.
        int movesSection = 4 + 8 + 4 + 4 + 8 + 4;
        assertThat(ByteBuffer.wrap(v5, 4, 4).getInt()).isEqualTo(5);
        assertThat(ByteBuffer.wrap(v5, scriptCount, 4).getInt()).isZero();
        ByteArrayOutputStream v2 = new ByteArrayOutputStream();
        v2.write(v5, 0, scriptCount);
        v2.write(v5, scriptCount + 4, v5.length - 8 - movesSection - scriptCount - 4); // the keys
        v2.write(v5, v5.length - 8, 4); // the end marker
        byte[] body = v2.toByteArray();
        ByteBuffer.wrap(body, 4, 4).putInt(2);
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] withCrc = ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();

        Replica restored = new Replica();
        restored.write("SCRIPT", "LOAD", "return 1");
        restored.machine.restore(source.index, new ByteArrayInputStream(withCrc));
        assertThat(restored.machine.scriptCount()).isZero();
    }
}
