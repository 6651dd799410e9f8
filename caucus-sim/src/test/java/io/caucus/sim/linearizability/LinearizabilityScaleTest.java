package io.caucus.sim.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Histories of simulator-seed and chaos-test size. Asserts verdicts only; the printed durations are for humans
 * (speed is measured by benchmarks, not asserted by tests).
 */
class LinearizabilityScaleTest {

    private static final long WIDENING = 200; // with 10 ticks between effects: up to 5 clients overlapping

    @Test
    void fiveClientsTwoThousandOpsEachOverFiveKeys() {
        List<Operation> history = new RandomHistories(1, 5, 5, WIDENING, 0.02, 0.02).generate(10_000);
        CheckResult result = timed("10k ops, 5 clients, 5 keys", history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void tenThousandOpsOnOneKeyDoNotOverflowTheStack() { // no UNKNOWN: see manyUnknownOutcomesStillDecide
        List<Operation> history = new RandomHistories(2, 5, 1, WIDENING, 0, 0.02).generate(10_000);
        CheckResult result = timed("10k ops, 5 clients, 1 key", history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void impossibleReadNearTheEndOfALargeHistoryIsFound() {
        List<Operation> history = new ArrayList<>(
                new RandomHistories(3, 5, 5, WIDENING, 0.02, 0.02).generate(10_000));
        long end = history.stream().filter(op -> op.outcome() != Outcome.UNKNOWN).mapToLong(Operation::completedAt)
                .max().orElseThrow();
        Operation impossible = new Operation(9, OpKind.GET, "k2", null, null, end - 100, end - 50, Outcome.OK,
                RandomHistories.IMPOSSIBLE_VALUE);
        history.add(impossible);
        CheckResult result = timed("10k ops + 1 impossible read", history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.witness()).contains(impossible).hasSizeLessThan(50);
    }

    @Test
    void manyUnknownOutcomesStillDecide() {
        List<Operation> history = new RandomHistories(4, 5, 5, WIDENING, 0.1, 0.05).generate(2_000);
        CheckResult result = timed("2k ops, 10% unknown", history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void oneInFiveOutcomesUnknownStillDecides() {
        List<Operation> history = new RandomHistories(5, 5, 5, WIDENING, 0.2, 0.05).generate(5_000);
        CheckResult result = timed("5k ops, 20% unknown", history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.LINEARIZABLE);
    }

    private static CheckResult timed(String label, List<Operation> history) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        CheckResult result = LinearizabilityChecker.check(history);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        long cpuMillis = (threads.getCurrentThreadCpuTime() - cpuStart) / 1_000_000;
        System.out.printf("%s: %s in %d ms wall, %d ms CPU (%s)%n", label, result.verdict(), elapsedMillis, cpuMillis,
                result.verdict() == Verdict.LINEARIZABLE ? result.explanation() : result.key());
        return result;
    }
}
