package io.caucus.sim.linearizability;

import static io.caucus.sim.linearizability.Ops.append;
import static io.caucus.sim.linearizability.Ops.appendUnknown;
import static io.caucus.sim.linearizability.Ops.cas;
import static io.caucus.sim.linearizability.Ops.casUnknown;
import static io.caucus.sim.linearizability.Ops.delete;
import static io.caucus.sim.linearizability.Ops.get;
import static io.caucus.sim.linearizability.Ops.getUnknown;
import static io.caucus.sim.linearizability.Ops.put;
import static io.caucus.sim.linearizability.Ops.putFailed;
import static io.caucus.sim.linearizability.Ops.putUnknown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

    private static CheckResult check(Operation... ops) {
        return LinearizabilityChecker.check(List.of(ops));
    }

    private static void assertLinearizable(Operation... ops) {
        CheckResult result = check(ops);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(result.witness()).isEmpty();
        assertThat(result.key()).isNull();
    }

    private static CheckResult assertViolation(String key, Operation... ops) {
        CheckResult result = check(ops);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.key()).isEqualTo(key);
        assertThat(result.witness()).isNotEmpty().allSatisfy(op -> assertThat(op.key()).isEqualTo(key));
        assertThat(List.of(ops)).containsAll(result.witness());
        return result;
    }

    @Nested
    class KnownGood {

        @Test
        void emptyHistory() {
            assertLinearizable();
        }

        @Test
        void sequentialHistoryOfEveryKind() {
            assertLinearizable(
                    get(1, "k", null, 0, 1),
                    put(1, "k", "a", 2, 3),
                    get(2, "k", "a", 4, 5),
                    append(1, "k", "b", 6, 7),
                    get(2, "k", "ab", 8, 9),
                    cas(1, "k", "ab", "c", true, 10, 11),
                    cas(2, "k", "ab", "d", false, 12, 13),
                    get(1, "k", "c", 14, 15),
                    delete(2, "k", 16, 17),
                    get(1, "k", null, 18, 19),
                    append(2, "k", "x", 20, 21),
                    get(1, "k", "x", 22, 23));
        }

        @Test
        void overlappingWritesMayTakeEffectInEitherOrder() {
            Operation putA = put(1, "k", "a", 0, 10);
            Operation putB = put(2, "k", "b", 1, 9);
            assertLinearizable(putA, putB, get(3, "k", "a", 11, 12));
            assertLinearizable(putA, putB, get(3, "k", "b", 11, 12));
        }

        @Test
        void readConcurrentWithWriteMaySeeOldOrNewValue() {
            Operation putA = put(1, "k", "a", 0, 1);
            Operation putB = put(1, "k", "b", 2, 10);
            assertLinearizable(putA, putB, get(2, "k", "a", 3, 4), get(3, "k", "b", 5, 6));
            assertLinearizable(putA, putB, get(2, "k", "b", 3, 4), get(3, "k", "b", 5, 6));
        }

        @Test
        void operationsTouchingAtOneInstantCountAsConcurrent() {
            assertLinearizable(put(1, "k", "a", 0, 5), get(2, "k", null, 5, 6));
        }

        @Test
        void compareAndSetRaceHasOneWinner() {
            assertLinearizable(
                    put(0, "k", "0", 0, 1),
                    cas(1, "k", "0", "1", true, 2, 10),
                    cas(2, "k", "0", "2", false, 3, 9),
                    get(3, "k", "1", 11, 12));
        }

        @Test
        void compareAndSetOnAbsentKey() {
            assertLinearizable(cas(1, "k", null, "a", true, 0, 1), cas(2, "k", null, "b", false, 2, 3),
                    get(1, "k", "a", 4, 5));
        }

        @Test
        void concurrentAppendsInterleaveInSomeOrder() {
            assertLinearizable(
                    append(1, "k", "x", 0, 10),
                    append(2, "k", "y", 1, 10),
                    get(3, "k", "y", 2, 3),
                    get(3, "k", "yx", 11, 12));
        }

        @Test
        void unknownWriteThatTookEffect() {
            assertLinearizable(put(1, "k", "a", 0, 1), putUnknown(2, "k", "b", 2), get(3, "k", "b", 50, 51),
                    get(3, "k", "b", 60, 61));
        }

        @Test
        void unknownWriteThatTookEffectLongAfterTheClientGaveUp() {
            assertLinearizable(put(1, "k", "a", 0, 1), putUnknown(2, "k", "b", 2), get(3, "k", "a", 50, 51),
                    get(3, "k", "b", 60, 61));
        }

        @Test
        void unknownWriteThatNeverTookEffect() {
            assertLinearizable(put(1, "k", "a", 0, 1), putUnknown(2, "k", "b", 2), get(3, "k", "a", 50, 51));
        }

        @Test
        void unknownCompareAndSetAndAppendAreOptional() {
            assertLinearizable(put(1, "k", "a", 0, 1), casUnknown(2, "k", "a", "b", 2),
                    appendUnknown(3, "k", "z", 3), get(3, "k", "a", 50, 51));
            assertLinearizable(put(1, "k", "a", 0, 1), casUnknown(2, "k", "a", "b", 2),
                    appendUnknown(3, "k", "z", 3), get(3, "k", "bz", 50, 51));
        }

        @Test
        void unknownWriteObservedOnlyThroughARefusedCompareAndSet() {
            assertLinearizable(put(1, "k", "a", 0, 1), putUnknown(2, "k", "b", 2), cas(3, "k", "a", "c", false, 5, 6));
        }

        @Test
        void unknownWriteCanRefuteACompareAndSetThatDidNotSwap() {
            assertLinearizable(put(1, "k", "a", 0, 1), putUnknown(2, "k", "b", 2), append(3, "k", "x", 5, 6),
                    cas(3, "k", "ax", "z", false, 7, 8));
            assertViolation("k", put(1, "k", "a", 0, 1), append(3, "k", "x", 5, 6),
                    cas(3, "k", "ax", "z", false, 7, 8));
        }

        @Test
        void unknownDeleteObservedOnlyThroughALaterAppend() {
            assertLinearizable(put(1, "k", "a", 0, 1), new Operation(2, OpKind.DELETE, "k", null, null, 2,
                    Long.MAX_VALUE, Outcome.UNKNOWN, null), append(3, "k", "x", 5, 6), get(3, "k", "x", 7, 8));
        }

        @Test
        void unknownAppendsTakeEffectInEitherOrder() {
            Operation[] base = {put(1, "k", "a", 0, 1), appendUnknown(2, "k", "b", 2), appendUnknown(3, "k", "c", 3)};
            for (String read : List.of("a", "ab", "ac", "abc", "acb")) {
                assertLinearizable(base[0], base[1], base[2], get(4, "k", read, 10, 11));
            }
            assertViolation("k", base[0], base[1], base[2], get(4, "k", "abcb", 10, 11));
        }

        @Test
        void unknownWritesChainedBeforeARead() {
            assertLinearizable(put(1, "k", "a", 0, 1), putUnknown(2, "k", "b", 2), putUnknown(3, "k", "c", 3),
                    get(4, "k", "b", 10, 11), get(4, "k", "c", 12, 13));
            assertViolation("k", put(1, "k", "a", 0, 1), putUnknown(2, "k", "b", 2), putUnknown(3, "k", "c", 3),
                    get(4, "k", "b", 10, 11), get(4, "k", "c", 12, 13), get(4, "k", "b", 14, 15));
        }

        @Test
        void unknownReadIsIgnored() {
            assertLinearizable(put(1, "k", "a", 0, 1), getUnknown(2, "k", 2), get(3, "k", "a", 5, 6));
        }

        @Test
        void failedWriteIsNotVisibleAndIgnored() {
            assertLinearizable(put(1, "k", "a", 0, 1), putFailed(2, "k", "b", 2, 3), get(3, "k", "a", 4, 5));
        }

        @Test
        void keysAreIndependent() {
            assertLinearizable(put(1, "x", "1", 0, 1), put(1, "y", "2", 2, 3), get(2, "x", "1", 4, 5),
                    get(2, "y", "2", 4, 5), get(2, "z", null, 4, 5));
        }
    }

    @Nested
    class KnownBad {

        @Test
        void staleRead() {
            Operation old = put(1, "k", "a", 0, 1);
            Operation newer = put(1, "k", "b", 2, 3);
            Operation stale = get(2, "k", "a", 4, 5);
            CheckResult result = assertViolation("k", old, newer, stale);
            assertThat(result.witness()).containsExactly(old, newer, stale);
            assertThat(result.explanation()).contains("read \"a\"", "could only have been \"b\"");
        }

        @Test
        void lostWrite() {
            Operation base = put(1, "k", "a", 0, 1);
            Operation acknowledged = put(2, "k", "b", 2, 3);
            Operation later = get(3, "k", "a", 10, 11);
            CheckResult result = assertViolation("k", base, acknowledged, later, get(3, "k", "a", 12, 13));
            assertThat(result.witness()).contains(acknowledged, later);
        }

        @Test
        void readOfValueNobodyWrote() {
            Operation read = get(2, "k", "ghost", 4, 5);
            CheckResult result = assertViolation("k", put(1, "k", "a", 0, 1), read);
            assertThat(result.witness()).contains(read);
            assertThat(result.explanation()).contains("No operation wrote \"ghost\"");
        }

        @Test
        void duplicateAppend() {
            Operation read = get(2, "k", "xx", 4, 5);
            CheckResult result = assertViolation("k", append(1, "k", "x", 0, 3), read);
            assertThat(result.explanation()).contains("read \"xx\"", "\"x\"");
        }

        @Test
        void compareAndSetThatSwappedOnTheWrongValue() {
            CheckResult result = assertViolation("k", put(1, "k", "b", 0, 1), cas(2, "k", "a", "c", true, 2, 3));
            assertThat(result.explanation()).contains("swapped", "needs the value \"a\"");
        }

        @Test
        void compareAndSetThatRefusedTheRightValue() {
            CheckResult result = assertViolation("k", put(1, "k", "a", 0, 1), cas(2, "k", "a", "c", false, 2, 3));
            assertThat(result.explanation()).contains("did not swap");
        }

        @Test
        void compareAndSetResultContradictsLaterRead() {
            assertViolation("k", put(1, "k", "a", 0, 1), cas(2, "k", "a", "c", true, 2, 3), get(3, "k", "a", 4, 5));
        }

        @Test
        void failedWriteWhoseValueIsRead() {
            Operation failed = putFailed(2, "k", "b", 2, 3);
            Operation read = get(3, "k", "b", 4, 5);
            CheckResult result = assertViolation("k", put(1, "k", "a", 0, 1), failed, read);
            assertThat(result.witness()).contains(failed, read);
            assertThat(result.explanation()).contains("Only FAILED operations wrote \"b\"");
        }

        @Test
        void unknownWriteCannotTakeEffectBeforeItsInvocation() {
            assertViolation("k", put(1, "k", "a", 0, 1), get(2, "k", "b", 2, 3), putUnknown(3, "k", "b", 4));
        }

        @Test
        void readOfDeletedValue() {
            assertViolation("k", put(1, "k", "a", 0, 1), delete(1, "k", 2, 3), get(2, "k", "a", 4, 5));
        }

        @Test
        void violationOnOneKeyIsReportedWithThatKeyOnly() {
            CheckResult result = assertViolation("y", put(1, "x", "1", 0, 1), put(1, "y", "2", 2, 3),
                    get(2, "x", "1", 4, 5), get(2, "y", "3", 4, 5));
            assertThat(result.witness()).extracting(Operation::key).containsOnly("y");
        }

        @Test
        void witnessIsAWindowNotTheWholeHistory() {
            List<Operation> history = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                history.add(put(1, "k", "v" + i, 10L * i, 10L * i + 1));
                history.add(get(2, "k", "v" + i, 10L * i + 2, 10L * i + 3));
            }
            Operation stale = get(3, "k", "v250", 10L * 400, 10L * 400 + 5);
            history.add(stale);
            CheckResult result = LinearizabilityChecker.check(history);
            assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            assertThat(result.witness()).contains(stale).hasSizeLessThanOrEqualTo(5);
            assertThat(result.explanation()).contains("read \"v250\"", "\"v399\"");
        }
    }

    @Nested
    class Budget {

        @Test
        void tinyBudgetGivesUndecidedNamingTheKey() {
            CheckResult result = LinearizabilityChecker.check(
                    List.of(put(1, "k", "a", 0, 1), get(2, "k", "a", 2, 3), get(2, "k", "a", 4, 5)), 2);
            assertThat(result.verdict()).isEqualTo(Verdict.UNDECIDED);
            assertThat(result.key()).isEqualTo("k");
            assertThat(result.explanation()).contains("gave up after 2");
        }

        @Test
        void enoughBudgetDecides() {
            CheckResult result = LinearizabilityChecker.check(
                    List.of(put(1, "k", "a", 0, 1), get(2, "k", "a", 2, 3), get(2, "k", "a", 4, 5)), 3);
            assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
        }

        @Test
        void rejectsNonPositiveBudgetAndNullHistory() {
            assertThatThrownBy(() -> LinearizabilityChecker.check(List.of(), 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSteps");
            assertThatThrownBy(() -> LinearizabilityChecker.check(null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("history");
            List<Operation> withNull = new ArrayList<>();
            withNull.add(put(1, "k", "a", 0, 1));
            withNull.add(null);
            assertThatThrownBy(() -> LinearizabilityChecker.check(withNull))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("element 1");
        }
    }
}
