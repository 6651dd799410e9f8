package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Decides whether a key-value history is linearizable (Herlihy &amp; Wing): whether every operation can be
 * given a single instant between its invocation and its completion such that, in the order of those instants,
 * each result matches the sequential model: {@link RegisterModel} (a String or absent per key) for keys that never
 * expire, {@link ExpiringModel} (values with expiry times, and the time they are judged at) where a time to live,
 * PERSIST or a transaction is involved.
 *
 * <p>Linearizability is compositional (Herlihy &amp; Wing, "P-compositionality" in Horn &amp; Kroening): a
 * history is linearizable iff the sub-history of each group of keys is, where a group is the keys some
 * transaction touches together (a single key otherwise), so groups are searched one at a time, which keeps each
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

    /** As {@link #check(List, long, long)}, for a history without times to live (its clock's unit then does not matter). */
    public static CheckResult check(List<Operation> history, long maxSteps) {
        return check(history, maxSteps, 1);
    }

    /**
     * Checks, giving up with {@link Verdict#UNDECIDED} once the search of all keys together has taken
     * {@code maxSteps} steps (a step visits one call or return event). Keys are searched smallest first, so a
     * budget spent on one large key does not starve the many small ones, and the first violating key found is
     * reported.
     *
     * @param clockUnitsPerMilli how many units of the history's clock ({@link Operation#invokedAt()}) make one
     *                           millisecond of the clock that times to live are stamped with
     */
    public static CheckResult check(List<Operation> history, long maxSteps, long clockUnitsPerMilli) {
        if (history == null) {
            throw new IllegalArgumentException("history must not be null");
        }
        if (maxSteps <= 0) {
            throw new IllegalArgumentException("maxSteps must be positive, got " + maxSteps);
        }
        Map<String, List<Operation>> byKey = partitionByKeyGroup(history);
        List<String> keys = new ArrayList<>(byKey.keySet());
        keys.sort(Comparator.<String>comparingInt(key -> byKey.get(key).size()).thenComparing(key -> key));
        long remainingSteps = maxSteps;
        long totalSteps = 0;
        for (String key : keys) {
            List<Operation> allOfKey = byKey.get(key);
            List<Operation> searched = allOfKey.stream().filter(LinearizabilityChecker::carriesInformation).toList();
            // The register is one key's value: a group that a transaction joined stays several keys even when that
            // transaction FAILED and is not searched, so only a group of one key may use it.
            boolean oneKey = searched.stream().map(Operation::key).distinct().count() <= 1;
            SequentialModel model = oneKey && searched.stream().allMatch(RegisterModel::describes)
                    ? new RegisterModel(searched) : new ExpiringModel(searched, clockUnitsPerMilli);
            KeyHistorySearch.Result result = new KeyHistorySearch(searched, model).run(remainingSteps);
            switch (result) {
                case KeyHistorySearch.Linearizable done -> {
                    remainingSteps -= done.steps();
                    totalSteps += done.steps();
                }
                case KeyHistorySearch.Stuck stuck -> {
                    return ViolationReport.of(key, searched, allOfKey, stuck, model);
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

    /**
     * The operations by group of keys, each group named by its keys joined with '+' (sorted), in the order of the
     * history within a group. Keys touched by one transaction are in one group.
     */
    private static Map<String, List<Operation>> partitionByKeyGroup(List<Operation> history) {
        Map<String, String> parent = new HashMap<>();
        for (int i = 0; i < history.size(); i++) {
            Operation op = history.get(i);
            if (op == null) {
                throw new IllegalArgumentException("history element " + i + " is null");
            }
            String first = root(parent, op.key());
            for (String key : op.keys()) {
                String other = root(parent, key);
                if (!other.equals(first)) {
                    parent.put(other, first);
                }
            }
        }
        Map<String, TreeSet<String>> members = new HashMap<>();
        for (String key : parent.keySet()) {
            members.computeIfAbsent(root(parent, key), root -> new TreeSet<>()).add(key);
        }
        Map<String, List<Operation>> byGroup = new LinkedHashMap<>();
        for (Operation op : history) {
            String group = String.join("+", members.get(root(parent, op.key())));
            byGroup.computeIfAbsent(group, name -> new ArrayList<>()).add(op);
        }
        return byGroup;
    }

    /** Union-find over keys, without ranks: groups are a handful of keys. */
    private static String root(Map<String, String> parent, String key) {
        String at = key;
        parent.putIfAbsent(at, at);
        while (!parent.get(at).equals(at)) {
            at = parent.get(at);
        }
        return at;
    }
}
