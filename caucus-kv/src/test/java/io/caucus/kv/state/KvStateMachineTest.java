package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.command.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {

    private static final long T0 = 1_700_000_000_000L;

    private final KvStateMachine machine = new KvStateMachine(3);
    private long index;

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> argv(String... args) {
        return Arrays.stream(args).map(KvStateMachineTest::b).toList();
    }

    private Reply apply(KvEntry entry) {
        return EntryCodec.decodeReply(machine.apply(++index, EntryCodec.encode(entry)));
    }

    private long register() {
        return ((Reply.Int) apply(new KvEntry.Register(T0))).value();
    }

    private Reply write(long client, long sequence, String... args) {
        return writeAt(T0, client, sequence, args);
    }

    private Reply writeAt(long timeMillis, long client, long sequence, String... args) {
        return apply(new KvEntry.SessionCommand(timeMillis, client, sequence, new KvEntry.Call(argv(args))));
    }

    private Reply read(String... args) {
        return readAt(T0, args);
    }

    private Reply readAt(long timeMillis, String... args) {
        return EntryCodec.decodeReply(machine.query(EntryCodec.encode(new KvQuery.Call(timeMillis, argv(args)))));
    }

    private String get(String key) {
        Reply result = read("GET", key);
        return result instanceof Reply.Bulk bulk ? new String(bulk.value(), StandardCharsets.UTF_8) : null;
    }

    private static byte[] session(long client, long sequence, String... args) {
        return EntryCodec.encode(new KvEntry.SessionCommand(T0, client, sequence, new KvEntry.Call(argv(args))));
    }

    private static Reply.Int integer(long value) {
        return new Reply.Int(value);
    }

    @Test
    void registrationReturnsTheEntryIndexAsClientId() {
        index = 41;
        assertThat(register()).isEqualTo(42);
    }

    @Test
    void setGetDeleteExistsStrlenDbsize() {
        long c = register();
        assertThat(write(c, 1, "SET", "a", "hello")).isEqualTo(Reply.OK);
        assertThat(write(c, 2, "SET", "b", "x")).isEqualTo(Reply.OK);
        assertThat(get("a")).isEqualTo("hello");
        assertThat(read("STRLEN", "a")).isEqualTo(integer(5));
        assertThat(read("STRLEN", "none")).isEqualTo(integer(0));
        assertThat(read("EXISTS", "a", "a", "none")).isEqualTo(integer(2));
        assertThat(read("DBSIZE")).isEqualTo(integer(2));
        assertThat(write(c, 3, "DEL", "a", "none")).isEqualTo(integer(1));
        assertThat(get("a")).isNull();
        assertThat(read("GET", "a")).isEqualTo(Reply.NIL);
        assertThat(read("DBSIZE")).isEqualTo(integer(1));
    }

    @Test
    void incrementsAppendAndTheirErrors() {
        long c = register();
        assertThat(write(c, 1, "INCRBY", "n", "1")).isEqualTo(integer(1));
        assertThat(write(c, 2, "INCRBY", "n", "10")).isEqualTo(integer(11));
        assertThat(write(c, 3, "INCRBY", "n", "-12")).isEqualTo(integer(-1));
        assertThat(get("n")).isEqualTo("-1");
        assertThat(write(c, 4, "APPEND", "s", "ab")).isEqualTo(integer(2));
        assertThat(write(c, 5, "APPEND", "s", "cd")).isEqualTo(integer(4));
        assertThat(get("s")).isEqualTo("abcd");
        assertThat(write(c, 6, "INCRBY", "s", "1"))
                .isEqualTo(new Reply.Error("ERR", "value is not an integer or out of range"));
        assertThat(write(c, 7, "SET", "big", Long.toString(Long.MAX_VALUE))).isEqualTo(Reply.OK);
        assertThat(write(c, 8, "INCRBY", "big", "1")).isInstanceOf(Reply.Error.class);
        assertThat(get("big")).isEqualTo(Long.toString(Long.MAX_VALUE));
        assertThat(write(c, 9, "SET", "padded", " 1")).isEqualTo(Reply.OK);
        assertThat(write(c, 10, "INCRBY", "padded", "1")).isInstanceOf(Reply.Error.class);
    }

    @Test
    void multiSetMultiGetAndCompareAndSet() {
        long c = register();
        assertThat(write(c, 1, "MSET", "k1", "v1", "k2", "v2"))
                .isEqualTo(Reply.OK);
        Reply.Array values = (Reply.Array) read("MGET", "k1", "no", "k2");
        assertThat(values.elements()).hasSize(3);
        assertThat(((Reply.Bulk) values.elements().get(0)).value()).isEqualTo(b("v1"));
        assertThat(values.elements().get(1)).isEqualTo(Reply.NIL);
        assertThat(((Reply.Bulk) values.elements().get(2)).value()).isEqualTo(b("v2"));
        assertThat(write(c, 2, "CAS", "k1", "wrong", "x")).isEqualTo(integer(0));
        assertThat(get("k1")).isEqualTo("v1");
        assertThat(write(c, 3, "CAS", "k1", "v1", "x")).isEqualTo(integer(1));
        assertThat(get("k1")).isEqualTo("x");
        assertThat(write(c, 4, "CAS", "missing", "", "y")).isEqualTo(integer(0));
        assertThat(get("missing")).isNull();
    }

    @Test
    void aRetriedWriteAppliesOnceAndReturnsTheFirstResult() {
        long c = register();
        assertThat(write(c, 1, "INCRBY", "n", "5")).isEqualTo(integer(5));
        // The same (client, sequence) again, e.g. resent to a new leader after a timeout.
        assertThat(write(c, 1, "INCRBY", "n", "5")).isEqualTo(integer(5));
        assertThat(get("n")).isEqualTo("5");
        assertThat(write(c, 2, "INCRBY", "n", "5")).isEqualTo(integer(10));
        assertThat(write(c, 2, "INCRBY", "n", "5")).isEqualTo(integer(10));
        assertThat(get("n")).isEqualTo("10");
    }

    @Test
    void aSessionsWritesApplyStrictlyInSequenceOrder() {
        long c = register();
        assertThat(write(c, 1, "SET", "k", "one")).isEqualTo(Reply.OK);
        Reply early = write(c, 3, "SET", "k", "three");
        assertThat(((Reply.Error) early).code()).isEqualTo(ErrorCodes.OUTOFORDER);
        assertThat(get("k")).isEqualTo("one");
        assertThat(write(c, 2, "SET", "k", "two")).isEqualTo(Reply.OK);
        assertThat(write(c, 3, "SET", "k", "three")).isEqualTo(Reply.OK);
        assertThat(get("k")).isEqualTo("three");
    }

    @Test
    void aDuplicateOfAnOlderWriteIsNotAppliedAgain() {
        long c = register();
        write(c, 1, "INCRBY", "n", "1");
        write(c, 2, "INCRBY", "n", "1");
        Reply late = write(c, 1, "INCRBY", "n", "1");
        assertThat(((Reply.Error) late).code()).isEqualTo(ErrorCodes.UNKNOWN);
        assertThat(((Reply.Error) late).message()).contains("was applied before");
        assertThat(get("n")).isEqualTo("2");
    }

    @Test
    void sessionsAreIndependent() {
        long first = register();
        long second = register();
        write(first, 1, "INCRBY", "n", "1");
        assertThat(write(second, 1, "INCRBY", "n", "1")).isEqualTo(integer(2));
    }

    @Test
    void leastRecentlyUsedSessionExpiresBeyondTheLimitAndItsWritesAreRefused() {
        long a = register();
        long b = register();
        long c = register();
        write(a, 1, "SET", "x", "1"); // a is now the most recently used; b the least
        long d = register(); // a fourth session: limit is 3
        assertThat(machine.sessionCount()).isEqualTo(3);
        assertThat(machine.hasSession(b)).isFalse();
        assertThat(machine.hasSession(a)).isTrue();
        assertThat(machine.hasSession(c)).isTrue();
        assertThat(machine.hasSession(d)).isTrue();
        Reply refused = write(b, 1, "SET", "x", "2");
        assertThat(((Reply.Error) refused).code()).isEqualTo(ErrorCodes.SESSIONEXPIRED);
        assertThat(get("x")).isEqualTo("1");
    }

    @Test
    void twoReplicasApplyingTheSameLogAgreeOnEveryResultAndSession() {
        KvStateMachine other = new KvStateMachine(3);
        List<byte[]> log = new ArrayList<>();
        log.add(EntryCodec.encode(new KvEntry.Register(T0)));
        for (int i = 0; i < 6; i++) {
            log.add(EntryCodec.encode(new KvEntry.Register(T0)));
            log.add(session(i + 1, 1, "INCRBY", "n", Integer.toString(i)));
        }
        for (int i = 0; i < log.size(); i++) {
            assertThat(Arrays.equals(machine.apply(i + 1, log.get(i)), other.apply(i + 1, log.get(i)))).isTrue();
        }
        assertThat(machine.sessionCount()).isEqualTo(other.sessionCount());
        for (long id = 1; id <= log.size(); id++) {
            assertThat(machine.hasSession(id)).isEqualTo(other.hasSession(id));
        }
    }

    @Test
    void malformedEntriesAreSkippedWithAnErrorNotAnException() {
        Reply result = EntryCodec.decodeReply(machine.apply(1, new byte[] {9, 9}));
        assertThat(((Reply.Error) result).message()).contains("malformed command");
        Reply queried = EntryCodec.decodeReply(machine.query(new byte[] {2}));
        assertThat(((Reply.Error) queried).message()).contains("malformed query");
    }

    @Test
    void digestDependsOnTheDataNotOnTheOrderOfWritesOrSessions() {
        long c = register();
        write(c, 1, "SET", "a", "1");
        write(c, 2, "SET", "b", "2");
        StateDigest first = machine.digest();
        assertThat(first.appliedIndex()).isEqualTo(index);
        assertThat(first.keys()).isEqualTo(2);

        KvStateMachine other = new KvStateMachine(3);
        other.apply(1, EntryCodec.encode(new KvEntry.Register(T0)));
        other.apply(2, EntryCodec.encode(new KvEntry.Register(T0)));
        other.apply(3, session(2, 1, "SET", "b", "2"));
        other.apply(4, session(2, 2, "SET", "a", "1"));
        assertThat(other.digest().sha256()).isEqualTo(first.sha256());

        // Moving a byte between key and value must change the digest (entries are length-prefixed).
        other.apply(5, session(2, 3, "SET", "a", "x"));
        assertThat(other.digest().sha256()).isNotEqualTo(first.sha256());
        KvStateMachine shifted = new KvStateMachine(3);
        shifted.apply(1, EntryCodec.encode(new KvEntry.Register(T0)));
        shifted.apply(2, session(1, 1, "SET", "a1", ""));
        shifted.apply(3, session(1, 2, "SET", "b", "2"));
        assertThat(shifted.digest().sha256()).isNotEqualTo(first.sha256());
    }

    @Test
    void timeComesFromTheLogAndNeverRunsBackwards() {
        long c = register();
        writeAt(T0, c, 1, "SET", "k", "v", "PX", "1000");
        assertThat(readAt(T0 + 999, "GET", "k")).usingRecursiveComparison().isEqualTo(new Reply.Bulk(b("v")));
        assertThat(readAt(T0 + 1_000, "GET", "k")).isEqualTo(Reply.NIL); // invisible at once, not yet deleted
        assertThat(read("DBSIZE")).isEqualTo(integer(1));
        // A new leader whose clock is behind stamps an earlier time: the state machine keeps its own.
        writeAt(T0 + 5_000, c, 2, "SET", "other", "x");
        assertThat(writeAt(T0 - 60_000, c, 3, "SET", "t", "v", "PX", "100")).isEqualTo(Reply.OK);
        assertThat(readAt(T0 + 5_050, "PTTL", "t")).isEqualTo(integer(50));
        // A read stamped earlier than the last entry reads at the last entry's time.
        assertThat(readAt(0, "GET", "k")).isEqualTo(Reply.NIL);
    }

    @Test
    void aSweepDeletesExpiredKeysAtItsStampedTime() {
        long c = register();
        writeAt(T0, c, 1, "SET", "a", "1", "PX", "10");
        writeAt(T0, c, 2, "SET", "b", "1", "PX", "20");
        writeAt(T0, c, 3, "SET", "c", "1");
        assertThat(machine.nextExpiryMillis()).isEqualTo(T0 + 10);
        assertThat(apply(new KvEntry.Sweep(T0 + 15, 100))).isEqualTo(integer(1));
        assertThat(read("DBSIZE")).isEqualTo(integer(2));
        assertThat(apply(new KvEntry.Sweep(T0 + 100, 100))).isEqualTo(integer(1));
        assertThat(read("DBSIZE")).isEqualTo(integer(1));
        assertThat(machine.nextExpiryMillis()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aTransactionAppliesAllItsCommandsAtOneIndexUnlessAWatchedKeyChanged() {
        long c = register();
        write(c, 1, "SET", "k", "1");
        long watchedAt = index;
        Reply exec = apply(new KvEntry.SessionCommand(T0, c, 2, new KvEntry.Exec(
                List.of(new KvEntry.Watch(b("k"), watchedAt)), List.of(argv("INCR", "k"), argv("GET", "k"),
                        argv("LPUSH", "k", "x"), argv("INCR", "k")))));
        assertThat(exec).usingRecursiveComparison().isEqualTo(new Reply.Array(List.of(integer(2),
                new Reply.Bulk(b("2")), new Reply.Error("WRONGTYPE", "Operation against a key holding the wrong kind of value"),
                integer(3))));
        // Now k changed after watchedAt: a transaction watching it at that index applies nothing.
        Reply refused = apply(new KvEntry.SessionCommand(T0, c, 3, new KvEntry.Exec(
                List.of(new KvEntry.Watch(b("k"), watchedAt)), List.of(argv("SET", "k", "lost")))));
        assertThat(refused).isEqualTo(Reply.NULL_ARRAY);
        assertThat(get("k")).isEqualTo("3");
        // A retried EXEC returns its recorded reply.
        assertThat(apply(new KvEntry.SessionCommand(T0, c, 3, new KvEntry.Exec(List.of(), List.of(argv("SET", "k", "x"))))))
                .isEqualTo(Reply.NULL_ARRAY);
        // The WATCH read answers the applied index.
        Reply watchIndex = EntryCodec.decodeReply(machine.query(EntryCodec.encode(new KvQuery.WatchIndex(T0))));
        assertThat(watchIndex).isEqualTo(integer(index));
    }

    @Test
    void readsRefuseCommandsThatWriteAndTheLogRefusesConnectionCommands() {
        assertThat(((Reply.Error) read("SET", "k", "v")).message()).contains("not a read");
        long c = register();
        assertThat(((Reply.Error) write(c, 1, "MULTI")).message()).contains("cannot be replicated");
        assertThat(write(c, 2, "PING")).isEqualTo(new Reply.Status("PONG"));
    }
}
