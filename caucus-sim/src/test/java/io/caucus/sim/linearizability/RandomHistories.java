package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Generates histories that are linearizable by construction: a random sequential execution against the model,
 * each operation taking effect at its own instant, then every operation's window widened around that instant
 * without letting one client's operations overlap each other. Written values are unique tokens ("v12", "+12")
 * that never contain '#', so a read of a value containing '#' is impossible in any order.
 */
final class RandomHistories {

    static final String IMPOSSIBLE_VALUE = "#never-written";

    private static final long SPACING = 10;

    private final Random random;
    private final int clients;
    private final int keys;
    private final long maxWidening;
    private final double unknownRate;
    private final double failedRate;

    RandomHistories(long seed, int clients, int keys, long maxWidening, double unknownRate, double failedRate) {
        this.random = new Random(seed);
        this.clients = clients;
        this.keys = keys;
        this.maxWidening = maxWidening;
        this.unknownRate = unknownRate;
        this.failedRate = failedRate;
    }

    /** A shuffled linearizable history of {@code count} operations. */
    List<Operation> generate(int count) {
        List<Step> steps = sequentialExecution(count);
        List<Operation> history = widen(steps);
        Collections.shuffle(history, random);
        return history;
    }

    /** One operation of the sequential execution, taking effect (or not) at {@code pointAt}. */
    private record Step(int client, OpKind kind, String key, String value, String expected, long pointAt,
                        Outcome outcome, String result) {
    }

    private List<Step> sequentialExecution(int count) {
        Map<String, String> model = new HashMap<>();
        List<Step> steps = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int client = random.nextInt(clients);
            String key = "k" + random.nextInt(keys);
            String current = model.get(key);
            OpKind kind = randomKind();
            Outcome outcome = randomOutcome();
            // An UNKNOWN or FAILED operation does not always take effect; FAILED never does.
            boolean takesEffect = outcome == Outcome.OK || (outcome == Outcome.UNKNOWN && random.nextBoolean());
            String value = switch (kind) {
                case GET, DELETE -> null;
                case PUT, CAS -> "v" + i;
                case APPEND -> "+" + i;
                case PERSIST, TXN -> throw new IllegalStateException("register operations only");
            };
            String expected = kind == OpKind.CAS ? randomExpected(current, model) : null;
            String result = null;
            switch (kind) {
                case GET -> result = current;
                case PUT -> current = value;
                case DELETE -> current = null;
                case APPEND -> current = current == null ? value : current + value;
                case CAS -> {
                    boolean swapped = Objects.equals(current, expected);
                    result = Boolean.toString(swapped);
                    current = swapped ? value : current;
                }
                case PERSIST, TXN -> throw new IllegalStateException("register operations only");
            }
            if (takesEffect) {
                if (current == null) {
                    model.remove(key);
                } else {
                    model.put(key, current);
                }
            }
            if (outcome != Outcome.OK) {
                result = null;
            }
            steps.add(new Step(client, kind, key, value, expected, SPACING * (i + 1), outcome, result));
        }
        return steps;
    }

    private List<Operation> widen(List<Step> steps) {
        long[] nextPointOfClient = new long[clients];
        Arrays.fill(nextPointOfClient, Long.MAX_VALUE);
        long[] completedAt = new long[steps.size()];
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step step = steps.get(i);
            long widened = step.pointAt() + randomWidening();
            completedAt[i] = Math.min(widened, nextPointOfClient[step.client()] - 1);
            nextPointOfClient[step.client()] = step.pointAt();
        }
        long[] lastCompletionOfClient = new long[clients];
        Arrays.fill(lastCompletionOfClient, Long.MIN_VALUE);
        List<Operation> history = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            long invokedAt = Math.max(step.pointAt() - randomWidening(), lastCompletionOfClient[step.client()] + 1);
            // A client whose outcome is unknown has, in a real system, given up; it goes on with new requests.
            lastCompletionOfClient[step.client()] = completedAt[i];
            history.add(new Operation(step.client(), step.kind(), step.key(), step.value(), step.expected(),
                    invokedAt, completedAt[i], step.outcome(), step.result()));
        }
        return history;
    }

    private long randomWidening() {
        return maxWidening == 0 ? 0 : (long) (random.nextDouble() * random.nextDouble() * maxWidening);
    }

    private OpKind randomKind() {
        int roll = random.nextInt(100);
        if (roll < 35) {
            return OpKind.GET;
        } else if (roll < 60) {
            return OpKind.PUT;
        } else if (roll < 70) {
            return OpKind.APPEND;
        } else if (roll < 90) {
            return OpKind.CAS;
        }
        return OpKind.DELETE;
    }

    private Outcome randomOutcome() {
        double roll = random.nextDouble();
        if (roll < unknownRate) {
            return Outcome.UNKNOWN;
        }
        return roll < unknownRate + failedRate ? Outcome.FAILED : Outcome.OK;
    }

    /** Half the time the current value (so the CAS swaps), otherwise absent or another value of some key. */
    private String randomExpected(String current, Map<String, String> model) {
        if (random.nextBoolean()) {
            return current;
        }
        List<String> others = new ArrayList<>(model.values());
        if (others.isEmpty() || random.nextInt(4) == 0) {
            return null;
        }
        return others.get(random.nextInt(others.size()));
    }
}
