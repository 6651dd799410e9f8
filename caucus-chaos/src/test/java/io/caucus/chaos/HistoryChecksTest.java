package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chaos checks on hand-written histories: each anomaly is caught, and its witness names the operations. */
class HistoryChecksTest {

    private static Operation put(int client, String key, String value, long from, long to, Outcome outcome) {
        return new Operation(client, OpKind.PUT, key, value, null, from, to, outcome, null);
    }

    private static Operation get(int client, String key, String result, long from, long to) {
        return new Operation(client, OpKind.GET, key, null, null, from, to, Outcome.OK, result);
    }

    private static Operation append(int client, String key, String suffix, long from, long to, Outcome outcome) {
        return new Operation(client, OpKind.APPEND, key, suffix, null, from, to, outcome, null);
    }

    private static Map<String, String> values(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    @Test
    void aStaleReadFromADeposedLeaderIsNotLinearizable() {
        List<Operation> history = List.of(
                put(1, "r0", "c1.1", 0, 10, Outcome.OK),
                put(2, "r0", "c2.1", 20, 30, Outcome.OK),
                get(3, "r0", "c1.1", 40, 50)); // read the old value after the new one was acknowledged
        CheckOutcome outcome = HistoryChecks.linearizability(history);
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.witness()).contains(history.get(1), history.get(2));
        assertThat(outcome.detail()).contains("NOT_LINEARIZABLE").contains("\"r0\"");
    }

    @Test
    void aViolationIsReportedWithItsSmallestFailingWindowNotTheWholeHistory() {
        List<Operation> history = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            history.add(put(1, "r0", "c1." + i, 10L * i, 10L * i + 5, Outcome.OK));
            history.add(get(2, "r1", null, 10L * i, 10L * i + 5));
        }
        Operation acknowledged = put(3, "r0", "c3.1", 1000, 1010, Outcome.OK);
        Operation stale = get(4, "r0", "c1.39", 1020, 1030);
        history.add(acknowledged);
        history.add(stale);
        CheckOutcome outcome = HistoryChecks.linearizability(history);
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.witness()).containsExactly(history.get(78), acknowledged, stale);
    }

    @Test
    void concurrentWritesAndUnknownOutcomesAreLinearizable() {
        List<Operation> history = List.of(
                put(1, "r0", "c1.1", 0, 30, Outcome.OK),
                put(2, "r0", "c2.1", 10, 20, Outcome.OK),
                put(3, "r0", "c3.1", 15, 0, Outcome.UNKNOWN),
                get(4, "r0", "c1.1", 40, 50),
                get(4, "r0", "c3.1", 60, 70));
        assertThat(HistoryChecks.linearizability(history).passed()).isTrue();
    }

    @Test
    void aLostAcknowledgedWriteIsCaught() {
        List<Operation> history = List.of(
                put(1, "r0", "c1.1", 0, 10, Outcome.OK),
                put(2, "r0", "c2.1", 20, 30, Outcome.OK));
        CheckOutcome outcome = HistoryChecks.acknowledgedWritesPresent(history, List.of("r0"), values("r0", "c1.1"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("lost");
        assertThat(outcome.witness()).containsExactly(history.get(0), history.get(1));
        // The same history with the final read included is also not linearizable.
        assertThat(HistoryChecks.linearizability(List.of(history.get(0), history.get(1),
                get(9, "r0", "c1.1", 40, 50))).passed()).isFalse();
    }

    @Test
    void anAbsentKeyAfterAnAcknowledgedWriteIsALostWrite() {
        List<Operation> history = List.of(put(1, "r0", "c1.1", 0, 10, Outcome.OK));
        assertThat(HistoryChecks.acknowledgedWritesPresent(history, List.of("r0"), values()).passed()).isFalse();
    }

    @Test
    void aWriteReportedFailedThatTookEffectIsCaught() {
        List<Operation> history = List.of(put(1, "r0", "c1.1", 0, 10, Outcome.FAILED));
        CheckOutcome outcome = HistoryChecks.acknowledgedWritesPresent(history, List.of("r0"), values("r0", "c1.1"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("reported as FAILED");
    }

    @Test
    void anUnknownWriteMayWinOverALaterAcknowledgedOne() {
        List<Operation> history = List.of(
                put(1, "r0", "c1.1", 0, 0, Outcome.UNKNOWN),
                put(2, "r0", "c2.1", 20, 30, Outcome.OK));
        assertThat(HistoryChecks.acknowledgedWritesPresent(history, List.of("r0"), values("r0", "c1.1")).passed())
                .isTrue();
    }

    @Test
    void appendsPresentOnceAndInOrderPass() {
        List<Operation> history = List.of(
                append(1, "a0", "c1.1;", 0, 10, Outcome.OK),
                append(2, "a0", "c2.1;", 5, 0, Outcome.UNKNOWN),
                append(1, "a0", "c1.2;", 20, 30, Outcome.OK),
                append(2, "a0", "c2.2;", 25, 0, Outcome.UNKNOWN));
        assertThat(HistoryChecks.appendsOnceInOrder(history, List.of("a0"), values("a0", "c1.1;c1.2;c2.1;"))
                .passed()).isTrue();
    }

    @Test
    void aDuplicatedAppendIsCaught() {
        List<Operation> history = List.of(append(1, "a0", "c1.1;", 0, 10, Outcome.OK));
        CheckOutcome outcome = HistoryChecks.appendsOnceInOrder(history, List.of("a0"), values("a0", "c1.1;c1.1;"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("more than once");
    }

    @Test
    void aMissingAcknowledgedAppendIsCaught() {
        List<Operation> history = List.of(
                append(1, "a0", "c1.1;", 0, 10, Outcome.OK),
                append(1, "a0", "c1.2;", 20, 30, Outcome.OK));
        CheckOutcome outcome = HistoryChecks.appendsOnceInOrder(history, List.of("a0"), values("a0", "c1.1;"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("acknowledged").contains("missing");
        assertThat(outcome.witness()).containsExactly(history.get(1));
    }

    @Test
    void oneClientsAppendsOutOfOrderAreCaught() {
        List<Operation> history = List.of(
                append(1, "a0", "c1.1;", 0, 10, Outcome.OK),
                append(1, "a0", "c1.2;", 20, 30, Outcome.OK));
        CheckOutcome outcome = HistoryChecks.appendsOnceInOrder(history, List.of("a0"), values("a0", "c1.2;c1.1;"));
        assertThat(outcome.passed()).isFalse();
        assertThat(outcome.detail()).contains("issued later");
    }

    @Test
    void aFailedOrNeverIssuedAppendThatAppearsIsCaught() {
        List<Operation> history = List.of(append(1, "a0", "c1.1;", 0, 10, Outcome.FAILED));
        assertThat(HistoryChecks.appendsOnceInOrder(history, List.of("a0"), values("a0", "c1.1;")).detail())
                .contains("reported FAILED but applied");
        assertThat(HistoryChecks.appendsOnceInOrder(history, List.of("a0"), values("a0", "c9.9;")).detail())
                .contains("never appended");
    }
}
