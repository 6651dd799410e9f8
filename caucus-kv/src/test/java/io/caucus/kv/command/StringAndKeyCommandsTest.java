package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** String, key and expiry commands; every expected reply was checked against redis-server 7.0. */
class StringAndKeyCommandsTest {

    private final ScriptedKeyspace db = new ScriptedKeyspace();
    private final long now = ScriptedKeyspace.START_MILLIS;

    /** Runs a command at the current time and the next index; the reply as {@link ScriptedKeyspace} renders it. */
    private String run(String... argv) {
        return db.show(argv);
    }

    @Test
    void setOptionsAreParsedAsRedisDoes() {
        assertThat(run("SET", "k", "v", "EX", "10", "PX", "100")).isEqualTo("-ERR syntax error");
        assertThat(run("SET", "k", "v", "NX", "XX")).isEqualTo("-ERR syntax error");
        assertThat(run("SET", "k", "v", "KEEPTTL", "EX", "5")).isEqualTo("-ERR syntax error");
        assertThat(run("SET", "k", "v", "EX", "abc")).isEqualTo("-ERR value is not an integer or out of range");
        assertThat(run("SET", "k", "v", "EX", "-1")).isEqualTo("-ERR invalid expire time in 'set' command");
        assertThat(run("SET", "k", "v", "EX")).isEqualTo("-ERR syntax error");
        assertThat(run("EXISTS", "k")).isEqualTo(":0"); // nothing refused changed anything
        assertThat(run("SET", "k", "v", "nx", "get")).isEqualTo("(nil)");
        assertThat(run("SET", "k", "w", "NX", "GET")).isEqualTo("v");
        assertThat(run("GET", "k")).isEqualTo("v");
        assertThat(run("SET", "k", "w", "XX", "PX", "1500")).isEqualTo("+OK");
        assertThat(run("PTTL", "k")).isEqualTo(":1500");
        assertThat(run("SET", "k", "x", "KEEPTTL")).isEqualTo("+OK");
        assertThat(run("TTL", "k")).isEqualTo(":2"); // 1.5 s rounds up, as Redis rounds
        assertThat(run("SET", "k", "y")).isEqualTo("+OK");
        assertThat(run("TTL", "k")).isEqualTo(":-1");
    }

    @Test
    void aKeyExpiresAtTheLogsTimeAndAbsoluteTimesInThePastDeleteAtOnce() {
        run("SET", "k", "v", "PXAT", Long.toString(now + 1_000));
        assertThat(run("PEXPIRETIME", "k")).isEqualTo(":" + (now + 1_000));
        assertThat(run("EXPIRETIME", "k")).isEqualTo(":" + (now + 1_000 + 500) / 1_000);
        // The farthest expiry: rounded to the nearest second as redis-server answers, not overflowed (found by
        // RedisDifferentialIT, seed 907958389: PEXPIREAT k 9223372036854775807, then EXPIRETIME).
        run("SET", "far", "v");
        assertThat(run("PEXPIREAT", "far", Long.toString(Long.MAX_VALUE))).isEqualTo(":1");
        assertThat(run("EXPIRETIME", "far")).isEqualTo(":9223372036854776");
        assertThat(run("DEL", "far")).isEqualTo(":1");
        db.advanceMillis(999);
        assertThat(run("GET", "k")).isEqualTo("v");
        db.advanceMillis(1);
        assertThat(run("GET", "k")).isEqualTo("(nil)");
        assertThat(run("TTL", "k")).isEqualTo(":-2");
        run("SET", "k", "v");
        assertThat(run("EXPIREAT", "k", "1")).isEqualTo(":1");
        assertThat(run("EXISTS", "k")).isEqualTo(":0");
        assertThat(run("DBSIZE")).isEqualTo(":0");
    }

    @Test
    void expireConditionsAndErrorsFollowRedis70() {
        run("SET", "n", "1");
        assertThat(run("EXPIRE", "n", "10", "XX", "GT")).isEqualTo(":0");
        assertThat(run("EXPIRE", "n", "10", "NX", "XX"))
                .isEqualTo("-ERR NX and XX, GT or LT options at the same time are not compatible");
        assertThat(run("EXPIRE", "n", "10", "GT", "LT"))
                .isEqualTo("-ERR GT and LT options at the same time are not compatible");
        assertThat(run("EXPIRE", "n", "abc", "foo")).isEqualTo("-ERR Unsupported option foo");
        assertThat(run("EXPIRE", "n", "abc")).isEqualTo("-ERR value is not an integer or out of range");
        assertThat(run("EXPIRE", "n", "100", "LT")).isEqualTo(":1"); // no TTL counts as infinite
        assertThat(run("EXPIRE", "n", "200", "LT")).isEqualTo(":0");
        assertThat(run("EXPIRE", "n", "200", "GT")).isEqualTo(":1");
        assertThat(run("EXPIRE", "n", "50", "NX")).isEqualTo(":0");
        assertThat(run("TTL", "n")).isEqualTo(":200");
        assertThat(run("PERSIST", "n")).isEqualTo(":1");
        assertThat(run("PERSIST", "n")).isEqualTo(":0");
        assertThat(run("EXPIRE", "missing", "10")).isEqualTo(":0");
    }

    @Test
    void stringCommandsAndTheirErrors() {
        assertThat(run("SETRANGE", "k", "-1", "x")).isEqualTo("-ERR offset is out of range");
        assertThat(run("SETRANGE", "e", "0", "")).isEqualTo(":0");
        assertThat(run("EXISTS", "e")).isEqualTo(":0");
        assertThat(run("SETRANGE", "k", "3", "ab")).isEqualTo(":5");
        assertThat(run("GET", "k")).isEqualTo("\0\0\0ab");
        run("SET", "k", "Hello World");
        assertThat(run("GETRANGE", "k", "0", "4")).isEqualTo("Hello");
        assertThat(run("GETRANGE", "k", "-5", "-1")).isEqualTo("World");
        assertThat(run("GETRANGE", "k", "-5", "-10")).isEqualTo("");
        assertThat(run("GETRANGE", "missing", "0", "-1")).isEqualTo("");
        assertThat(run("INCRBYFLOAT", "k", "1")).isEqualTo("-ERR value is not a valid float");
        run("SET", "n", "10");
        assertThat(run("INCRBYFLOAT", "n", "0.1")).isEqualTo("10.1");
        assertThat(run("INCRBY", "n", "1")).isEqualTo("-ERR value is not an integer or out of range");
        run("SET", "n", "10");
        assertThat(run("DECRBY", "n", "-9223372036854775808")).isEqualTo("-ERR decrement would overflow");
        assertThat(run("INCRBY", "n", "9223372036854775807"))
                .isEqualTo("-ERR increment or decrement would overflow");
        assertThat(run("MSETNX", "a", "1", "b")).isEqualTo("-ERR wrong number of arguments for 'msetnx' command");
        assertThat(run("MSET", "a")).isEqualTo("-ERR wrong number of arguments for 'mset' command");
        assertThat(run("MSETNX", "a", "1", "n", "2")).isEqualTo(":0");
        assertThat(run("MSETNX", "a", "1", "b", "2")).isEqualTo(":1");
        assertThat(run("MGET", "a", "nope", "b")).isEqualTo("[1, (nil), 2]");
        assertThat(run("GETDEL", "a")).isEqualTo("1");
        assertThat(run("GETSET", "b", "3")).isEqualTo("2");
        assertThat(run("APPEND", "b", "45")).isEqualTo(":3");
        assertThat(run("STRLEN", "b")).isEqualTo(":3");
        assertThat(run("GETEX", "b", "EX", "0")).isEqualTo("-ERR invalid expire time in 'getex' command");
        assertThat(run("GETEX", "b", "PERSIST", "EX", "1")).isEqualTo("-ERR syntax error");
        assertThat(run("GETEX", "b", "EX", "100")).isEqualTo("345");
        assertThat(run("TTL", "b")).isEqualTo(":100");
        assertThat(run("SETEX", "c", "0", "v")).isEqualTo("-ERR invalid expire time in 'setex' command");
        assertThat(run("PSETEX", "c", "500", "v")).isEqualTo("+OK");
        assertThat(run("PTTL", "c")).isEqualTo(":500");
        assertThat(run("SETNX", "c", "w")).isEqualTo(":0");
    }

    @Test
    void keyCommands() {
        run("SET", "a", "1");
        run("SET", "b", "2");
        assertThat(run("TYPE", "a")).isEqualTo("+string");
        assertThat(run("TYPE", "nokey")).isEqualTo("+none");
        assertThat(run("RENAME", "nokey", "x")).isEqualTo("-ERR no such key");
        assertThat(run("COPY", "a", "a")).isEqualTo("-ERR source and destination objects are the same");
        assertThat(run("COPY", "a", "m", "foo")).isEqualTo("-ERR syntax error");
        assertThat(run("COPY", "a", "m", "db", "x")).isEqualTo("-ERR value is not an integer or out of range");
        assertThat(run("COPY", "a", "b")).isEqualTo(":0");
        assertThat(run("COPY", "a", "b", "REPLACE")).isEqualTo(":1");
        assertThat(run("RENAMENX", "a", "b")).isEqualTo(":0");
        assertThat(run("RENAMENX", "a", "a")).isEqualTo(":0");
        run("EXPIRE", "a", "100");
        assertThat(run("RENAME", "a", "c")).isEqualTo("+OK");
        assertThat(run("TTL", "c")).isEqualTo(":100"); // the time to live moves with the value
        assertThat(run("EXISTS", "a", "b", "c", "c")).isEqualTo(":3");
        assertThat(run("SCAN", "abc")).isEqualTo("-ERR invalid cursor");
        assertThat(run("SCAN", "0", "COUNT", "0")).isEqualTo("-ERR syntax error");
        assertThat(run("SCAN", "0", "COUNT", "100", "TYPE", "string", "MATCH", "*"))
                .isIn("[0, [b, c]]", "[0, [c, b]]");
        assertThat(run("OBJECT", "ENCODING", "b")).isEqualTo("int");
        assertThat(run("OBJECT", "foo", "b")).isEqualTo("-ERR unknown subcommand 'foo'. Try OBJECT HELP.");
        assertThat(run("OBJECT", "encoding")).isEqualTo("-ERR wrong number of arguments for 'object|encoding' command");
        assertThat(run("KEYS", "*")).isIn("[b, c]", "[c, b]");
        assertThat(run("RANDOMKEY")).isIn("b", "c");
        assertThat(run("FLUSHALL", "foo")).isEqualTo("-ERR syntax error");
        assertThat(run("DEL", "b", "b", "nope")).isEqualTo(":1");
        assertThat(run("FLUSHALL", "ASYNC")).isEqualTo("+OK");
        assertThat(run("DBSIZE")).isEqualTo(":0");
        assertThat(run("RANDOMKEY")).isEqualTo("(nil)");
    }

    @Test
    void unknownCommandsAndWrongArityAreWordedAsRedisWordsThem() {
        assertThat(run("foo", "a", "b")).isEqualTo("-ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
        assertThat(run("GET")).isEqualTo("-ERR wrong number of arguments for 'get' command");
        assertThat(run("get", "a", "b")).isEqualTo("-ERR wrong number of arguments for 'get' command");
    }

    @Test
    void everyChangeRecordsItsIndexForWatch() {
        run("SET", "k", "v");
        long setAt = db.nextIndex() - 1;
        assertThat(db.entry("k").modifiedIndex()).isEqualTo(setAt);
        run("SETNX", "k", "w"); // not a change
        assertThat(db.keyspace.changedSince("k".getBytes(StandardCharsets.UTF_8), setAt)).isFalse();
        run("APPEND", "k", "w");
        assertThat(db.keyspace.changedSince("k".getBytes(StandardCharsets.UTF_8), setAt)).isTrue();
    }
}
