package io.caucus.sim.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-checked histories of keys that expire and transactions, in milliseconds (one clock unit each). */
class ExpiringModelTest {

    private static Operation putUntil(int client, String key, String value, long expiresAt, long from, long to) {
        return new Operation(client, OpKind.PUT, key, value, null, from, to, Outcome.OK, null, expiresAt, null, null);
    }

    private static Operation get(int client, String key, String read, long from, long to) {
        return Ops.get(client, key, read, from, to);
    }

    private static Operation persist(int client, String key, boolean dropped, long from, long to) {
        return new Operation(client, OpKind.PERSIST, key, null, null, from, to, Outcome.OK, Boolean.toString(dropped));
    }

    private static Operation txn(int client, String key, String secondKey, String value, String read,
                                 String secondRead, long from, long to) {
        return new Operation(client, OpKind.TXN, key, value, null, from, to, Outcome.OK, read, Operation.NEVER_EXPIRES,
                secondKey, secondRead);
    }

    private static Verdict verdict(Operation... history) {
        return LinearizabilityChecker.check(List.of(history), 1_000_000, 1).verdict();
    }

    @Test
    void aKeyIsLiveBeforeItsExpiryAndGoneFromIt() {
        Operation put = putUntil(1, "x", "a", 10, 0, 1);
        assertThat(verdict(put, get(2, "x", "a", 5, 6))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put, get(2, "x", "a", 10, 11))).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdict(put, get(2, "x", null, 5, 6))).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdict(put, get(2, "x", null, 8, 12))).as("it may run at 10").isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void timeNeverRunsBackwardsAlongTheLinearization() {
        Operation put = putUntil(1, "x", "a", 10, 0, 1);
        // Either read alone fits in [5, 15]; the "gone" read completes before the "live" one starts.
        assertThat(verdict(put, get(2, "x", null, 5, 11), get(3, "x", "a", 5, 15))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put, get(2, "x", null, 5, 11), get(3, "x", "a", 12, 15)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void persistDropsATimeToLiveOnlyWhileTheKeyIsLive() {
        Operation put = putUntil(1, "x", "a", 10, 0, 1);
        assertThat(verdict(put, persist(2, "x", true, 2, 3), get(3, "x", "a", 20, 21)))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put, persist(2, "x", true, 11, 12))).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdict(put, persist(2, "x", false, 11, 12), get(3, "x", null, 13, 14)))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put, persist(2, "x", false, 2, 3))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void setIfAbsentSucceedsOnAnExpiredKey() {
        Operation put = putUntil(1, "x", "a", 10, 0, 1);
        assertThat(verdict(put, Ops.cas(2, "x", null, "b", true, 11, 12))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put, Ops.cas(2, "x", null, "b", true, 5, 6))).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdict(put, Ops.cas(2, "x", null, "b", false, 5, 6))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aTransactionReadsAndWritesBothKeysAtOneInstant() {
        Operation txn = txn(1, "x", "y", "t", null, null, 0, 10);
        assertThat(verdict(txn, get(2, "x", "t", 11, 12), get(3, "y", "t", 13, 14))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(txn, get(2, "x", "t", 11, 12), get(3, "y", null, 13, 14)))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    /**
     * What the simulator found (seed 42): a transaction stamped before a key's expiry read it live, while a read
     * of the other key that must precede the transaction ran after that expiry.
     */
    @Test
    void aReadOrderedBeforeATransactionCannotRunLaterThanIt() {
        Operation put = putUntil(1, "y", "v", 840, 837, 838);
        Operation txn = txn(2, "x", "y", "w", null, "v", 838, 842);
        assertThat(verdict(put, txn, get(3, "x", null, 841, 842))).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdict(put, txn, get(3, "x", "w", 841, 842))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(put, txn, get(3, "x", null, 838, 842))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void theHistoryClockIsConvertedToMillisecondsOfStampedTime() {
        Operation put = new Operation(1, OpKind.PUT, "x", "a", null, 0, 999, Outcome.OK, null, 10, null, null);
        Operation read = Ops.get(2, "x", "a", 9_000, 9_999); // 9 ms: live
        Operation late = Ops.get(2, "x", "a", 10_000, 10_500); // 10 ms: gone
        assertThat(LinearizabilityChecker.check(List.of(put, read), 1_000_000, 1000).verdict())
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(LinearizabilityChecker.check(List.of(put, late), 1_000_000, 1000).verdict())
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void appendOnKeysThatMayExpireIsRefusedAsUncheckable() {
        assertThatThrownBy(() -> verdict(putUntil(1, "x", "a", 10, 0, 1), Ops.append(2, "x", "b", 2, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("APPEND");
    }

    @Test
    void aViolationIsReportedForTheGroupOfKeysWithTheModelsState() {
        Operation put = putUntil(1, "y", "v", 840, 837, 838);
        CheckResult result = LinearizabilityChecker.check(List.of(put, txn(2, "x", "y", "w", null, "v", 838, 842),
                get(3, "x", null, 841, 842)), 1_000_000, 1);
        assertThat(result.key()).isEqualTo("x+y");
        assertThat(result.explanation()).contains("{x=\"w\", y=\"w\"} at 838ms or later");
    }

    /**
     * What the multi-group simulator found (seed 5032): a FAILED transaction on x and y puts the two keys in one
     * group, and with it not searched the rest were checked as a single register, so a CAS of y from absent after
     * a PUT of x looked impossible.
     */
    @Test
    void keysJoinedOnlyByAFailedTransactionKeepTheirOwnValues() {
        Operation failedTxn = new Operation(1, OpKind.TXN, "x", "t", null, 36, 86, Outcome.FAILED, null,
                Operation.NEVER_EXPIRES, "y", null);
        Operation putX = Ops.put(1, "x", "a", 0, 19);
        Operation casY = Ops.cas(1, "y", null, "b", true, 26, 29);

        assertThat(verdict(putX, casY, failedTxn, get(1, "x", "a", 90, 95), get(2, "y", "b", 90, 95)))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdict(putX, casY, failedTxn, get(1, "y", "a", 90, 95))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
}
