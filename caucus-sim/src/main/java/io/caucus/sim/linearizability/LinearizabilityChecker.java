package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a key-value history is linearizable (Herlihy &amp; Wing): whether every operation can be
 * given a single instant between its invocation and its completion such that, in the order of those instants,
 * each result matches the sequential model of {@link KvModel} (a String or absent per key).
 *
 * <p>Linearizability is compositional (Herlihy &amp; Wing, "P-compositionality" in Horn &amp; Kroening): a
 * history is linearizable iff each key's sub-history is, so keys are searched one at a time, which keeps each
 * search exponentially smaller. Before the search, FAILED operations are dropped (they did not happen) and so
 * are UNKNOWN reads (they carry no information); UNKNOWN writes may be placed anywhere after their invocation
 * or nowhere. Single-threaded and deterministic.
 */
public final class LinearizabilityChecker {

    private LinearizabilityChecker() {
    }

    /** Checks with no limit on the search; a pathological history may take exponential time and memory. */
    public static CheckResult check(List<Operation> history) {
        return check(history, Long.MAX_VALUE);
    }

    /**
     * Checks, giving up with {@link Verdict#UNDECIDED} once the search of all keys together has taken
     * {@code maxSteps} steps (a step visits one call or return event). Keys are searched smallest first, so a
     * budget spent on one large key does not starve the many small ones, and the first violating key found is
     * reported.
     */
    public static CheckResult check(List<Operation> history, long maxSteps) {
        if (history == null) {
            throw new IllegalArgumentException("history must not be null");
        }
        if (maxSteps <= 0) {
            throw new IllegalArgumentException("maxSteps must be positive, got " + maxSteps);
        }
        Map<String, List<Operation>> byKey = partitionByKey(history);
        List<String> keys = new ArrayList<>(byKey.keySet());
        keys.sort(Comparator.<String>comparingInt(key -> byKey.get(key).size()).thenComparing(key -> key));
        long remainingSteps = maxSteps;
        long totalSteps = 0;
        for (String key : keys) {
            List<Operation> allOfKey = byKey.get(key);
            List<Operation> searched = allOfKey.stream().filter(LinearizabilityChecker::carriesInformation).toList();
            KeyHistorySearch.Result result = new KeyHistorySearch(searched).run(remainingSteps);
            switch (result) {
                case KeyHistorySearch.Linearizable done -> {
                    remainingSteps -= done.steps();
                    totalSteps += done.steps();
                }
                case KeyHistorySearch.Stuck stuck -> {
                    return ViolationReport.of(key, searched, allOfKey, stuck);
                }
                case KeyHistorySearch.OutOfSteps out -> {
                    return new CheckResult(Verdict.UNDECIDED, key, List.of(), "gave up after " + maxSteps
                            + " search steps in total, while searching key " + Operation.quote(key) + " ("
                            + searched.size() + " operations); keys decided so far are linearizable");
                }
            }
        }
        return new CheckResult(Verdict.LINEARIZABLE, null, List.of(), history.size() + " operations on "
                + keys.size() + " keys are linearizable (" + totalSteps + " search steps)");
    }

    /** FAILED operations did not happen; an UNKNOWN read returned nothing to check. */
    private static boolean carriesInformation(Operation op) {
        return switch (op.outcome()) {
            case OK -> true;
            case FAILED -> false;
            case UNKNOWN -> op.kind() != OpKind.GET;
        };
    }

    private static Map<String, List<Operation>> partitionByKey(List<Operation> history) {
        Map<String, List<Operation>> byKey = new LinkedHashMap<>();
        for (int i = 0; i < history.size(); i++) {
            Operation op = history.get(i);
            if (op == null) {
                throw new IllegalArgumentException("history element " + i + " is null");
            }
            byKey.computeIfAbsent(op.key(), key -> new ArrayList<>()).add(op);
        }
        return byKey;
    }
}
