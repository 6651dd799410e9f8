package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.protocol.ErrorCodes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {

    private final KvStateMachine machine = new KvStateMachine(3);
    private long index;

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private KvResult apply(KvCommand command) {
        return KvCodec.decodeResult(machine.apply(++index, KvCodec.encode(command)));
    }

    private long register() {
        return ((KvResult.Int) apply(new KvCommand.RegisterClient())).value();
    }

    private KvResult write(long client, long sequence, KvWrite write) {
        return apply(new KvCommand.SessionWrite(client, sequence, write));
    }

    private KvResult query(KvQuery query) {
        return KvCodec.decodeResult(machine.query(KvCodec.encode(query)));
    }

    private String get(String key) {
        KvResult result = query(new KvQuery.Get(b(key)));
        return result instanceof KvResult.Bulk bulk ? new String(bulk.value(), StandardCharsets.UTF_8) : null;
    }

    @Test
    void registrationReturnsTheEntryIndexAsClientId() {
        index = 41;
        assertThat(register()).isEqualTo(42);
    }

    @Test
    void setGetDeleteExistsStrlenDbsize() {
        long c = register();
        assertThat(write(c, 1, new KvWrite.Set(b("a"), b("hello")))).isEqualTo(KvResult.OK);
        assertThat(write(c, 2, new KvWrite.Set(b("b"), b("x")))).isEqualTo(KvResult.OK);
        assertThat(get("a")).isEqualTo("hello");
        assertThat(query(new KvQuery.Strlen(b("a")))).isEqualTo(new KvResult.Int(5));
        assertThat(query(new KvQuery.Strlen(b("none")))).isEqualTo(new KvResult.Int(0));
        assertThat(query(new KvQuery.Exists(List.of(b("a"), b("a"), b("none"))))).isEqualTo(new KvResult.Int(2));
        assertThat(query(new KvQuery.DbSize())).isEqualTo(new KvResult.Int(2));
        assertThat(write(c, 3, new KvWrite.Delete(List.of(b("a"), b("none"))))).isEqualTo(new KvResult.Int(1));
        assertThat(get("a")).isNull();
        assertThat(query(new KvQuery.Get(b("a")))).isEqualTo(KvResult.NIL);
        assertThat(query(new KvQuery.DbSize())).isEqualTo(new KvResult.Int(1));
    }

    @Test
    void incrementsAppendAndTheirErrors() {
        long c = register();
        assertThat(write(c, 1, new KvWrite.IncrementBy(b("n"), 1))).isEqualTo(new KvResult.Int(1));
        assertThat(write(c, 2, new KvWrite.IncrementBy(b("n"), 10))).isEqualTo(new KvResult.Int(11));
        assertThat(write(c, 3, new KvWrite.IncrementBy(b("n"), -12))).isEqualTo(new KvResult.Int(-1));
        assertThat(get("n")).isEqualTo("-1");
        assertThat(write(c, 4, new KvWrite.Append(b("s"), b("ab")))).isEqualTo(new KvResult.Int(2));
        assertThat(write(c, 5, new KvWrite.Append(b("s"), b("cd")))).isEqualTo(new KvResult.Int(4));
        assertThat(get("s")).isEqualTo("abcd");
        assertThat(write(c, 6, new KvWrite.IncrementBy(b("s"), 1)))
                .isEqualTo(new KvResult.Error("ERR", "value is not an integer or out of range"));
        assertThat(write(c, 7, new KvWrite.Set(b("big"), b(Long.toString(Long.MAX_VALUE))))).isEqualTo(KvResult.OK);
        assertThat(write(c, 8, new KvWrite.IncrementBy(b("big"), 1))).isInstanceOf(KvResult.Error.class);
        assertThat(get("big")).isEqualTo(Long.toString(Long.MAX_VALUE));
        assertThat(write(c, 9, new KvWrite.Set(b("padded"), b(" 1")))).isEqualTo(KvResult.OK);
        assertThat(write(c, 10, new KvWrite.IncrementBy(b("padded"), 1))).isInstanceOf(KvResult.Error.class);
    }

    @Test
    void multiSetMultiGetAndCompareAndSet() {
        long c = register();
        assertThat(write(c, 1, new KvWrite.MultiSet(List.of(b("k1"), b("k2")), List.of(b("v1"), b("v2")))))
                .isEqualTo(KvResult.OK);
        KvResult.Array values = (KvResult.Array) query(new KvQuery.MultiGet(List.of(b("k1"), b("no"), b("k2"))));
        assertThat(values.elements()).hasSize(3);
        assertThat(values.elements().get(0)).isEqualTo(b("v1"));
        assertThat(values.elements().get(1)).isNull();
        assertThat(values.elements().get(2)).isEqualTo(b("v2"));
        assertThat(write(c, 2, new KvWrite.CompareAndSet(b("k1"), b("wrong"), b("x")))).isEqualTo(new KvResult.Int(0));
        assertThat(get("k1")).isEqualTo("v1");
        assertThat(write(c, 3, new KvWrite.CompareAndSet(b("k1"), b("v1"), b("x")))).isEqualTo(new KvResult.Int(1));
        assertThat(get("k1")).isEqualTo("x");
        assertThat(write(c, 4, new KvWrite.CompareAndSet(b("missing"), b(""), b("y")))).isEqualTo(new KvResult.Int(0));
        assertThat(get("missing")).isNull();
    }

    @Test
    void aRetriedWriteAppliesOnceAndReturnsTheFirstResult() {
        long c = register();
        assertThat(write(c, 1, new KvWrite.IncrementBy(b("n"), 5))).isEqualTo(new KvResult.Int(5));
        // The same (client, sequence) again, e.g. resent to a new leader after a timeout.
        assertThat(write(c, 1, new KvWrite.IncrementBy(b("n"), 5))).isEqualTo(new KvResult.Int(5));
        assertThat(get("n")).isEqualTo("5");
        assertThat(write(c, 2, new KvWrite.IncrementBy(b("n"), 5))).isEqualTo(new KvResult.Int(10));
        assertThat(write(c, 2, new KvWrite.IncrementBy(b("n"), 5))).isEqualTo(new KvResult.Int(10));
        assertThat(get("n")).isEqualTo("10");
    }

    @Test
    void aSessionsWritesApplyStrictlyInSequenceOrder() {
        long c = register();
        assertThat(write(c, 1, new KvWrite.Set(b("k"), b("one")))).isEqualTo(KvResult.OK);
        KvResult early = write(c, 3, new KvWrite.Set(b("k"), b("three")));
        assertThat(((KvResult.Error) early).code()).isEqualTo(ErrorCodes.OUTOFORDER);
        assertThat(get("k")).isEqualTo("one");
        assertThat(write(c, 2, new KvWrite.Set(b("k"), b("two")))).isEqualTo(KvResult.OK);
        assertThat(write(c, 3, new KvWrite.Set(b("k"), b("three")))).isEqualTo(KvResult.OK);
        assertThat(get("k")).isEqualTo("three");
    }

    @Test
    void aDuplicateOfAnOlderWriteIsNotAppliedAgain() {
        long c = register();
        write(c, 1, new KvWrite.IncrementBy(b("n"), 1));
        write(c, 2, new KvWrite.IncrementBy(b("n"), 1));
        KvResult late = write(c, 1, new KvWrite.IncrementBy(b("n"), 1));
        assertThat(((KvResult.Error) late).code()).isEqualTo(ErrorCodes.UNKNOWN);
        assertThat(((KvResult.Error) late).message()).contains("was applied before");
        assertThat(get("n")).isEqualTo("2");
    }

    @Test
    void sessionsAreIndependent() {
        long first = register();
        long second = register();
        write(first, 1, new KvWrite.IncrementBy(b("n"), 1));
        assertThat(write(second, 1, new KvWrite.IncrementBy(b("n"), 1))).isEqualTo(new KvResult.Int(2));
    }

    @Test
    void leastRecentlyUsedSessionExpiresBeyondTheLimitAndItsWritesAreRefused() {
        long a = register();
        long b = register();
        long c = register();
        write(a, 1, new KvWrite.Set(b("x"), b("1"))); // a is now the most recently used; b the least
        long d = register(); // a fourth session: limit is 3
        assertThat(machine.sessionCount()).isEqualTo(3);
        assertThat(machine.hasSession(b)).isFalse();
        assertThat(machine.hasSession(a)).isTrue();
        assertThat(machine.hasSession(c)).isTrue();
        assertThat(machine.hasSession(d)).isTrue();
        KvResult refused = write(b, 1, new KvWrite.Set(b("x"), b("2")));
        assertThat(((KvResult.Error) refused).code()).isEqualTo(ErrorCodes.SESSIONEXPIRED);
        assertThat(get("x")).isEqualTo("1");
    }

    @Test
    void twoReplicasApplyingTheSameLogAgreeOnEveryResultAndSession() {
        KvStateMachine other = new KvStateMachine(3);
        List<byte[]> log = new ArrayList<>();
        log.add(KvCodec.encode(new KvCommand.RegisterClient()));
        for (int i = 0; i < 6; i++) {
            log.add(KvCodec.encode(new KvCommand.RegisterClient()));
            log.add(KvCodec.encode(new KvCommand.SessionWrite(i + 1, 1, new KvWrite.IncrementBy(b("n"), i))));
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
        KvResult result = KvCodec.decodeResult(machine.apply(1, new byte[] {9, 9}));
        assertThat(((KvResult.Error) result).message()).contains("malformed command");
        KvResult queried = KvCodec.decodeResult(machine.query(new byte[] {1}));
        assertThat(((KvResult.Error) queried).message()).contains("malformed query");
    }

    @Test
    void digestDependsOnTheDataNotOnTheOrderOfWritesOrSessions() {
        long c = register();
        write(c, 1, new KvWrite.Set(b("a"), b("1")));
        write(c, 2, new KvWrite.Set(b("b"), b("2")));
        StateDigest first = machine.digest();
        assertThat(first.appliedIndex()).isEqualTo(index);
        assertThat(first.keys()).isEqualTo(2);

        KvStateMachine other = new KvStateMachine(3);
        other.apply(1, KvCodec.encode(new KvCommand.RegisterClient()));
        other.apply(2, KvCodec.encode(new KvCommand.RegisterClient()));
        other.apply(3, KvCodec.encode(new KvCommand.SessionWrite(2, 1, new KvWrite.Set(b("b"), b("2")))));
        other.apply(4, KvCodec.encode(new KvCommand.SessionWrite(2, 2, new KvWrite.Set(b("a"), b("1")))));
        assertThat(other.digest().sha256()).isEqualTo(first.sha256());

        // Moving a byte between key and value must change the digest (entries are length-prefixed).
        other.apply(5, KvCodec.encode(new KvCommand.SessionWrite(2, 3, new KvWrite.Set(b("a"), b("x")))));
        assertThat(other.digest().sha256()).isNotEqualTo(first.sha256());
        KvStateMachine shifted = new KvStateMachine(3);
        shifted.apply(1, KvCodec.encode(new KvCommand.RegisterClient()));
        shifted.apply(2, KvCodec.encode(new KvCommand.SessionWrite(1, 1, new KvWrite.Set(b("a1"), b("")))));
        shifted.apply(3, KvCodec.encode(new KvCommand.SessionWrite(1, 2, new KvWrite.Set(b("b"), b("2")))));
        assertThat(shifted.digest().sha256()).isNotEqualTo(first.sha256());
    }
}
