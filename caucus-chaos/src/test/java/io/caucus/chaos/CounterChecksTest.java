package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.sim.linearizability.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The counter and transaction checks on hand-written histories: each anomaly is caught and named, histories
 * that could have happened pass, and a history with nothing to check does not pass.
 */
class CounterChecksTest {

    private static final List<String> PAIR = List.of("t0", "t1");
    private static final List<String> ACCOUNTS = List.of("b0", "b1", "b2");

    private static CounterOp ok(int client, CounterOp.Kind kind, List<String> keys, long argument, long from, long to,
                                String... result) {
        return new CounterOp(client, kind, keys, argument, from, to, Outcome.OK, Arrays.asList(result));
    }

    private static CounterOp incr(int client, String key, long from, long to, long answered) {
        return ok(client, CounterOp.Kind.INCR, List.of(key), 0, from, to, Long.toString(answered));
    }

    private static CounterOp incr(int client, String key, long from, long to, Outcome outcome) {
        return new CounterOp(client, CounterOp.Kind.INCR, List.of(key), 0, from, to, outcome, null);
    }

    private static CounterOp get(int client, String key, long from, long to, String read) {
        return ok(client, CounterOp.Kind.GET, List.of(key), 0, from, to, read);
    }

    private static CounterOp incrBoth(int client, long from, long to, String first, String second) {
        return ok(client, CounterOp.Kind.INCR_BOTH, PAIR, 0, from, to, first, second);
    }

    private static CounterOp transfer(int client, String source, String target, long amount, long from, long to,
                                      Outcome outcome) {
        return new CounterOp(client, CounterOp.Kind.TRANSFER, List.of(source, target), amount, from, to, outcome,
                outcome == Outcome.OK ? List.of("0", "0") : null);
    }

    private static Map<String, String> values(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    // counters

    @Test
    void concurrentIncrementsReadsAndAnUnknownThatAppliedPass() {
        List<CounterOp> history = List.of(
                incr(1, "i0", 0, 10, 1),
                incr(2, "i0", 5, 30, 3), // concurrent with the next: either order
                incr(3, "i0", 6, 20, 2),
                incr(4, "i0", 7, 0, Outcome.UNKNOWN), // lands after the read below, or never
                incr(5, "i0", 8, 9, Outcome.FAILED),
                get(1, "i0", 40, 50, "3"),
                get(5, "i1", 0, 2, null),
                ok(5, CounterOp.Kind.WATCHED_INCR, List.of("i1"), 1, 3, 5, "OK"));
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0", "i1"), values("i0", "4", "i1", "1"));
        assertThat(outcome.passed()).as(outcome.detail()).isTrue();
        assertThat(outcome.detail()).contains("4 acknowledged increments").contains("INCR 3, WATCHed SET 1")
                .contains("1 unknown, 1 failed").contains("2 reads").contains("i0 4 in [3, 4]")
                .contains("i1 1 in [1, 1]");
        // The unknown increment may also not have applied at all.
        assertThat(CounterChecks.counters(history, List.of("i0", "i1"), values("i0", "3", "i1", "1")).passed())
                .isTrue();
    }

    @Test
    void aStaleReadOfACounterIsCaught() {
        List<CounterOp> history = List.of(
                incr(1, "i0", 0, 10, 1),
                get(2, "i0", 20, 30, null)); // absent after the increment was acknowledged
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0"), values("i0", "1"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("a read must not go back");
        assertThat(outcome.witness()).containsExactly(history.get(0), history.get(1));
    }

    @Test
    void anAcknowledgedIncrementWithoutAValueIsCaught() {
        List<CounterOp> history = List.of(
                incr(1, "i0", 0, 10, 1),
                ok(2, CounterOp.Kind.WATCHED_INCR, List.of("i0"), 2, 20, 30, "(error) ERR syntax error"));
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0"), values("i0", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("where the value after the increment was expected");
    }

    @Test
    void twoIncrementsAnsweringTheSameValueAreCaught() {
        List<CounterOp> history = List.of(
                incr(1, "i0", 0, 10, 1),
                incr(2, "i0", 5, 15, 1));
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0"), values("i0", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("both answered 1");
        assertThat(outcome.witness()).containsExactly(history.get(0), history.get(1));
    }

    @Test
    void aLostAcknowledgedIncrementIsCaughtInTheFinalValue() {
        List<CounterOp> history = List.of(
                incr(1, "i0", 0, 10, 1),
                incr(2, "i0", 20, 30, 2),
                incr(3, "i0", 40, 50, 3));
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0"), values("i0", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("the final read (2) after")
                .contains("final value 2 is not between the 3 acknowledged increments");
        assertThat(outcome.witness()).containsExactly(history.get(2));
    }

    @Test
    void anIncrementReportedFailedThatAppliedIsCaught() {
        List<CounterOp> history = List.of(
                incr(1, "i0", 0, 10, 1),
                incr(2, "i0", 20, 30, Outcome.FAILED));
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0"), values("i0", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("only 1 increments not reported FAILED had been invoked");
    }

    @Test
    void anIncrementAnsweringLessThanOneThatCompletedBeforeItIsCaught() {
        List<CounterOp> history = List.of(
                incr(1, "i0", 0, 10, 2),
                incr(2, "i0", 1, 5, Outcome.UNKNOWN),
                incr(3, "i0", 20, 30, 1)); // began after the one answering 2 ended: must answer more
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0"), values("i0", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("an increment must answer more");
        assertThat(outcome.witness()).containsExactly(history.get(0), history.get(2));
    }

    @Test
    void aValueNoIncrementCouldHaveLeftInTimeIsCaught() {
        // 1 was there before 10 (the increment answering 2 ended then), but the only increment that could have
        // left it, the unknown one, was invoked at 500; the counts alone (3 values, 3 increments) look fine.
        List<CounterOp> history = List.of(
                incr(1, "i0", 0, 10, 2),
                incr(2, "i0", 5, 1000, 3),
                incr(3, "i0", 500, 0, Outcome.UNKNOWN));
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0"), values("i0", "3"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("1 values up to 1 were answered by no acknowledged increment")
                .contains("only 0 unknown increments were invoked before");
        // Invoked in time, the same unknown increment accounts for it.
        List<CounterOp> inTime = List.of(history.get(0), history.get(1), incr(3, "i0", 2, 0, Outcome.UNKNOWN));
        assertThat(CounterChecks.counters(inTime, List.of("i0"), values("i0", "3")).passed()).isTrue();
    }

    @Test
    void anIncrementInsideATransactionCountsOnEachKey() {
        List<CounterOp> history = List.of(
                incrBoth(1, 0, 10, "1", "1"),
                incrBoth(2, 20, 30, "2", "2"),
                ok(3, CounterOp.Kind.MGET, PAIR, 0, 40, 50, "2", "2"));
        assertThat(CounterChecks.counters(history, PAIR, values("t0", "2", "t1", "2")).passed()).isTrue();
        CheckOutcome lost = CounterChecks.counters(history, PAIR, values("t0", "2", "t1", "1"));
        assertThat(lost.passed()).isFalse();
        assertThat(lost.detail()).contains("key t1").doesNotContain("key t0");
    }

    @Test
    void countersWithNothingAcknowledgedDoNotPass() {
        List<CounterOp> history = List.of(incr(1, "i0", 0, 10, Outcome.FAILED), get(2, "i0", 20, 30, null));
        CheckOutcome outcome = CounterChecks.counters(history, List.of("i0"), values());
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("nothing was checked");
    }

    // transactions

    private static List<CounterOp> goodTransactions() {
        return List.of(
                incrBoth(1, 0, 10, "1", "1"),
                ok(2, CounterOp.Kind.MULTI_GET, PAIR, 0, 5, 8, null, null),
                ok(2, CounterOp.Kind.MGET, PAIR, 0, 20, 30, "1", "1"),
                transfer(3, "b0", "b1", 5, 0, 10, Outcome.OK),
                transfer(4, "b1", "b2", 2, 5, 0, Outcome.UNKNOWN),
                ok(1, CounterOp.Kind.MULTI_GET, ACCOUNTS, 0, 20, 30, "-5", "3", "2"),
                ok(1, CounterOp.Kind.MGET, ACCOUNTS, 0, 40, 50, "-5", "3", "2"));
    }

    @Test
    void wholeTransactionsAndReadsOfWholeGroupsPass() {
        CheckOutcome outcome = CounterChecks.transactionsAtomic(goodTransactions(), PAIR, ACCOUNTS,
                values("t0", "1", "t1", "1", "b0", "-5", "b1", "3", "b2", "2"));
        assertThat(outcome.passed()).as(outcome.detail()).isTrue();
        assertThat(outcome.detail()).contains("2 acknowledged transactions").contains("4 acknowledged reads");
    }

    @Test
    void aReadOfHalfAPairTransactionIsCaught() {
        List<CounterOp> history = new ArrayList<>(goodTransactions());
        CounterOp half = ok(5, CounterOp.Kind.MULTI_GET, PAIR, 0, 12, 14, "1", null);
        history.add(half);
        CheckOutcome outcome = CounterChecks.transactionsAtomic(history, PAIR, ACCOUNTS,
                values("t0", "1", "t1", "1", "b0", "-5", "b1", "3", "b2", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("the pair read unequal");
        assertThat(outcome.witness()).containsExactly(half);
    }

    @Test
    void aReadOfHalfATransferIsCaught() {
        List<CounterOp> history = new ArrayList<>(goodTransactions());
        CounterOp half = ok(5, CounterOp.Kind.MGET, ACCOUNTS, 0, 12, 14, "-5", null, null);
        history.add(half);
        CheckOutcome outcome = CounterChecks.transactionsAtomic(history, PAIR, ACCOUNTS,
                values("t0", "1", "t1", "1", "b0", "-5", "b1", "3", "b2", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("sum to -5, not 0");
        assertThat(outcome.witness()).containsExactly(half);
    }

    @Test
    void aTransactionAnsweringHalfAppliedIsCaught() {
        List<CounterOp> history = new ArrayList<>(goodTransactions());
        history.add(incrBoth(5, 60, 70, "2", "(error) WRONGTYPE Operation against a key holding the wrong kind"));
        history.add(incrBoth(6, 60, 70, "3", "2"));
        history.add(new CounterOp(7, CounterOp.Kind.TRANSFER, List.of("b0", "b2"), 1, 60, 70, Outcome.OK,
                List.of("-6", "(error) ERR value is not an integer or out of range")));
        CheckOutcome outcome = CounterChecks.transactionsAtomic(history, PAIR, ACCOUNTS,
                values("t0", "1", "t1", "1", "b0", "-5", "b1", "3", "b2", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("the two INCRs of one transaction answered differently")
                .contains("a transfer acknowledged with a failed half");
        assertThat(outcome.witness()).hasSize(3);
    }

    @Test
    void finalValuesBreakingAnInvariantAreCaught() {
        CheckOutcome outcome = CounterChecks.transactionsAtomic(goodTransactions(), PAIR, ACCOUNTS,
                values("t0", "2", "t1", "1", "b0", "-5", "b1", "3", "b2", "3"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("final values of the pair [t0, t1] are {t0=2, t1=1}, not equal")
                .contains("do not sum to 0");
    }

    @Test
    void transactionsWithoutAnyWholeReadDoNotPass() {
        List<CounterOp> history = goodTransactions().stream().filter(op -> op.kind().isWrite()).toList();
        CheckOutcome outcome = CounterChecks.transactionsAtomic(history, PAIR, ACCOUNTS,
                values("t0", "1", "t1", "1", "b0", "-5", "b1", "3", "b2", "2"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("nothing to check on one group");
    }

    // transfers

    @Test
    void finalBalancesOfAcknowledgedTransfersAndSomeUnknownOnesPass() {
        List<CounterOp> history = goodTransactions();
        assertThat(CounterChecks.transfersAccounted(history, ACCOUNTS, values("b0", "-5", "b1", "5")).passed())
                .isTrue(); // the unknown transfer did not apply
        CheckOutcome applied = CounterChecks.transfersAccounted(history, ACCOUNTS,
                values("b0", "-5", "b1", "3", "b2", "2"));
        assertThat(applied.passed()).as(applied.detail()).isTrue();
        assertThat(applied.detail()).contains("the 1 acknowledged transfers leave {b0=-5, b1=5, b2=0}");
    }

    @Test
    void aLostAcknowledgedTransferIsCaughtThoughTheSumHolds() {
        List<CounterOp> history = List.of(
                transfer(1, "b0", "b1", 5, 0, 10, Outcome.OK),
                transfer(2, "b1", "b2", 3, 20, 30, Outcome.OK),
                transfer(3, "b2", "b0", 4, 5, 0, Outcome.UNKNOWN));
        // The second transfer is gone: b0 -5, b1 5, b2 0 sums to 0, and no unknown transfer makes it up.
        CheckOutcome outcome = CounterChecks.transfersAccounted(history, ACCOUNTS, values("b0", "-5", "b1", "5"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("no subset of the 1 unknown transfers");
        assertThat(CounterChecks.transfersAccounted(history, ACCOUNTS, values("b0", "-5", "b1", "2", "b2", "3"))
                .passed()).isTrue();
        assertThat(CounterChecks.transfersAccounted(history, ACCOUNTS, values("b0", "-1", "b1", "2", "b2", "-1"))
                .passed()).isTrue();
    }

    @Test
    void aFailedTransferThatAppliedIsCaught() {
        List<CounterOp> history = List.of(
                transfer(1, "b0", "b1", 5, 0, 10, Outcome.OK),
                transfer(2, "b1", "b2", 3, 20, 30, Outcome.FAILED));
        CheckOutcome outcome = CounterChecks.transfersAccounted(history, ACCOUNTS,
                values("b0", "-5", "b1", "2", "b2", "3"));
        assertThat(outcome.passed()).isFalse();
    }

    @Test
    void transfersWithNothingAcknowledgedDoNotPass() {
        List<CounterOp> history = List.of(transfer(1, "b0", "b1", 5, 0, 10, Outcome.FAILED));
        assertThat(CounterChecks.transfersAccounted(history, ACCOUNTS, values()).detail())
                .contains("nothing was checked");
    }
}
