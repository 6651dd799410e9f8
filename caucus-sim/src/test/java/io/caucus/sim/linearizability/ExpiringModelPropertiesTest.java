package io.caucus.sim.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/** The checker with {@link ExpiringModel} agrees with an exhaustive search on tiny random histories. */
class ExpiringModelPropertiesTest {

    private static final String[] VALUES = {"a", "b"};
    private static final String[] READS = {null, "a", "b"};
    /** Latest time any operation can run at: past every window and every expiry drawn. */
    private static final long HORIZON = 16;

    @Property(tries = 2000)
    void agreesWithExhaustiveSearch(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int count) {
        List<Operation> history = randomHistory(new Random(seed), count);
        boolean expected = BruteForceExpiringChecker.isLinearizable(history, HORIZON);
        Statistics.collect(expected ? "linearizable" : "not linearizable");
        CheckResult result = LinearizabilityChecker.check(history, 10_000_000, 1);
        assertThat(result.verdict()).as("%s%n%s", history, result.report())
                .isEqualTo(expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE);
    }

    private static List<Operation> randomHistory(Random random, int count) {
        List<Operation> history = new ArrayList<>(count);
        // One PUT with a time to live, so that every history is checked with ExpiringModel.
        history.add(new Operation(0, OpKind.PUT, "x", "a", null, 0, random.nextInt(3), Outcome.OK, null,
                1 + random.nextInt(10), null, null));
        for (int i = 1; i < count; i++) {
            OpKind kind = List.of(OpKind.GET, OpKind.PUT, OpKind.DELETE, OpKind.CAS, OpKind.PERSIST, OpKind.TXN)
                    .get(random.nextInt(6));
            String key = random.nextBoolean() ? "x" : "y";
            long invokedAt = random.nextInt(10);
            long completedAt = invokedAt + random.nextInt(5);
            int roll = random.nextInt(10);
            Outcome outcome = roll < 7 ? Outcome.OK : roll < 9 ? Outcome.UNKNOWN : Outcome.FAILED;
            boolean ok = outcome == Outcome.OK;
            String value = VALUES[random.nextInt(VALUES.length)];
            history.add(switch (kind) {
                case GET -> new Operation(i % 3, kind, key, null, null, invokedAt, completedAt, outcome,
                        ok ? READS[random.nextInt(READS.length)] : null);
                case PUT -> new Operation(i % 3, kind, key, value, null, invokedAt, completedAt, outcome, null,
                        random.nextBoolean() ? 1 + random.nextInt(12) : Operation.NEVER_EXPIRES, null, null);
                case DELETE -> new Operation(i % 3, kind, key, null, null, invokedAt, completedAt, outcome, null);
                case CAS -> new Operation(i % 3, kind, key, value, READS[random.nextInt(READS.length)], invokedAt,
                        completedAt, outcome, ok ? Boolean.toString(random.nextBoolean()) : null);
                case PERSIST -> new Operation(i % 3, kind, key, null, null, invokedAt, completedAt, outcome,
                        ok ? Boolean.toString(random.nextBoolean()) : null);
                case TXN -> new Operation(i % 3, kind, "x", value, null, invokedAt, completedAt, outcome,
                        ok ? READS[random.nextInt(READS.length)] : null, Operation.NEVER_EXPIRES, "y",
                        ok ? READS[random.nextInt(READS.length)] : null);
                case APPEND -> throw new IllegalStateException("not drawn");
            });
        }
        return history;
    }
}
