package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Arbitrary (not constructed-linearizable) tiny histories over two keys and a two-letter alphabet, with random
 * overlapping windows, outcomes and results: about as many come out linearizable as not.
 */
final class TinyHistories {

    private static final String[] VALUES = {"a", "b"};
    private static final String[] READS = {null, "a", "b", "ab", "ba"};

    private static final OpKind[] REGISTER_KINDS = {OpKind.GET, OpKind.PUT, OpKind.DELETE, OpKind.APPEND, OpKind.CAS};

    private TinyHistories() {
    }

    static List<Operation> random(Random random, int count) {
        List<Operation> history = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            OpKind kind = REGISTER_KINDS[random.nextInt(REGISTER_KINDS.length)];
            String key = random.nextInt(4) == 0 ? "y" : "x";
            long invokedAt = random.nextInt(12);
            long completedAt = invokedAt + random.nextInt(6);
            Outcome outcome = randomOutcome(random);
            String value = switch (kind) {
                case GET, DELETE -> null;
                case PUT, APPEND, CAS -> VALUES[random.nextInt(VALUES.length)];
                case PERSIST, TXN -> throw new IllegalStateException("register operations only");
            };
            String expected = kind == OpKind.CAS ? READS[random.nextInt(READS.length)] : null;
            String result = outcome != Outcome.OK ? null : switch (kind) {
                case GET -> READS[random.nextInt(READS.length)];
                case CAS -> Boolean.toString(random.nextBoolean());
                case PUT, DELETE, APPEND -> null;
                case PERSIST, TXN -> throw new IllegalStateException("register operations only");
            };
            history.add(new Operation(i % 3, kind, key, value, expected, invokedAt, completedAt, outcome, result));
        }
        return history;
    }

    private static Outcome randomOutcome(Random random) {
        int roll = random.nextInt(10);
        return roll < 7 ? Outcome.OK : roll < 9 ? Outcome.UNKNOWN : Outcome.FAILED;
    }
}
