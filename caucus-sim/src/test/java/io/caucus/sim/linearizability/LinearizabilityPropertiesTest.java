package io.caucus.sim.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class LinearizabilityPropertiesTest {

    @Property(tries = 300)
    void widenedSequentialExecutionsAreLinearizable(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int clients,
                                                   @ForAll @IntRange(min = 1, max = 3) int keys,
                                                   @ForAll @IntRange(min = 0, max = 120) int count,
                                                   @ForAll @IntRange(min = 0, max = 60) int maxWidening,
                                                   @ForAll @DoubleRange(min = 0, max = 0.3) double unknownRate,
                                                   @ForAll @DoubleRange(min = 0, max = 0.2) double failedRate) {
        List<Operation> history = new RandomHistories(seed, clients, keys, maxWidening, unknownRate, failedRate)
                .generate(count);
        CheckResult result = LinearizabilityChecker.check(history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Property(tries = 300)
    void readOfANeverWrittenValueIsNotLinearizable(@ForAll long seed,
                                                   @ForAll @IntRange(min = 1, max = 5) int clients,
                                                   @ForAll @IntRange(min = 1, max = 3) int keys,
                                                   @ForAll @IntRange(min = 0, max = 120) int count,
                                                   @ForAll @IntRange(min = 0, max = 60) int maxWidening,
                                                   @ForAll @DoubleRange(min = 0, max = 0.3) double unknownRate) {
        List<Operation> history = new ArrayList<>(
                new RandomHistories(seed, clients, keys, maxWidening, unknownRate, 0.1).generate(count));
        Operation impossible = replaceSomeReadResult(history, new Random(seed), RandomHistories.IMPOSSIBLE_VALUE);
        CheckResult result = LinearizabilityChecker.check(history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.key()).isEqualTo(impossible.key());
        assertThat(result.witness()).contains(impossible);
        assertThat(result.explanation()).contains(RandomHistories.IMPOSSIBLE_VALUE);
    }

    /** With no overlap and no unknown outcome the order is forced, so any other read result is impossible. */
    @Property(tries = 300)
    void wrongReadInASequentialHistoryIsNotLinearizable(@ForAll long seed,
                                                        @ForAll @IntRange(min = 1, max = 3) int keys,
                                                        @ForAll @IntRange(min = 1, max = 120) int count) {
        List<Operation> history = new ArrayList<>(new RandomHistories(seed, 1, keys, 0, 0, 0).generate(count));
        Random random = new Random(seed);
        List<Integer> reads = okReads(history);
        if (reads.isEmpty()) {
            return; // nothing to falsify in this history; the other properties cover the shape
        }
        int index = reads.get(random.nextInt(reads.size()));
        Operation read = history.get(index);
        String wrong = otherValueOf(history, read, random);
        Operation mutated = withResult(read, wrong);
        history.set(index, mutated);
        CheckResult result = LinearizabilityChecker.check(history);
        assertThat(result.verdict()).as(result.report()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.witness()).contains(mutated);
    }

    /** Differential test against an exhaustive search on tiny random (mostly non-linearizable) histories. */
    @Property(tries = 3000)
    void agreesWithBruteForceOnTinyHistories(@ForAll long seed, @ForAll @IntRange(min = 0, max = 8) int count) {
        List<Operation> history = TinyHistories.random(new Random(seed), count);
        CheckResult result = LinearizabilityChecker.check(history);
        boolean expected = BruteForceChecker.isLinearizable(history);
        Statistics.collect(expected ? "linearizable" : "not linearizable");
        assertThat(result.verdict()).as(history + "\n" + result.report())
                .isEqualTo(expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE);
    }

    /** The differential test is only as good as its mix: both verdicts must be common. */
    @Property(tries = 2000)
    void tinyHistoriesMixBothVerdicts(@ForAll long seed, @ForAll @IntRange(min = 0, max = 7) int count) {
        boolean linearizable = BruteForceChecker.isLinearizable(TinyHistories.random(new Random(seed), count));
        Statistics.collect(linearizable);
        Statistics.coverage(coverage -> {
            coverage.check(true).percentage(p -> p > 25);
            coverage.check(false).percentage(p -> p > 25);
        });
    }

    private static Operation replaceSomeReadResult(List<Operation> history, Random random, String value) {
        List<Integer> reads = okReads(history);
        if (reads.isEmpty()) {
            long end = history.stream().mapToLong(Operation::completedAt).filter(t -> t != Long.MAX_VALUE)
                    .max().orElse(0);
            Operation read = new Operation(0, OpKind.GET, "k0", null, null, end + 1, end + 2, Outcome.OK, value);
            history.add(read);
            return read;
        }
        int index = reads.get(random.nextInt(reads.size()));
        Operation mutated = withResult(history.get(index), value);
        history.set(index, mutated);
        return mutated;
    }

    private static List<Integer> okReads(List<Operation> history) {
        List<Integer> reads = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).kind() == OpKind.GET && history.get(i).outcome() == Outcome.OK) {
                reads.add(i);
            }
        }
        reads.sort(Comparator.naturalOrder());
        return reads;
    }

    /** Absent, or a value written to the same key, but never the value the read actually saw. */
    private static String otherValueOf(List<Operation> history, Operation read, Random random) {
        List<String> written = new ArrayList<>();
        written.add(null);
        for (Operation op : history) {
            if (op.key().equals(read.key()) && op.value() != null && op.kind() != OpKind.APPEND) {
                written.add(op.value());
            }
        }
        written.remove(read.result());
        return written.isEmpty() ? RandomHistories.IMPOSSIBLE_VALUE : written.get(random.nextInt(written.size()));
    }

    private static Operation withResult(Operation read, String result) {
        return new Operation(read.clientId(), read.kind(), read.key(), read.value(), read.expected(),
                read.invokedAt(), read.completedAt(), read.outcome(), result);
    }
}
