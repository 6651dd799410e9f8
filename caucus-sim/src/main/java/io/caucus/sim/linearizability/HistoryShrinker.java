package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Shrinks a non-linearizable history to a small sub-history of one key (or group of keys transactions touch
 * together) that is still not linearizable: the
 * smallest failing window a human has to read to see the bug.
 *
 * <p>Delta debugging (Zeller's ddmin, simplified): remove chunks of operations, halving the chunk size when no
 * chunk can go, down to single operations; a removal is kept when the rest is still NOT_LINEARIZABLE. The result
 * is 1-minimal: removing any single operation of it would make it linearizable, or would leave an observation
 * without its cause. That second rule keeps the window honest: an operation is never removed while a remaining
 * read (or a swapping CAS) saw the value it wrote or the suffix it appended, so the shrunk history fails for the
 * original reason and not because a read was orphaned ("read of a value nobody wrote").
 *
 * <p>FAILED operations and UNKNOWN reads carry no information for the checker and are dropped first.
 */
public final class HistoryShrinker {

    private static final Comparator<Operation> BY_INVOCATION = Comparator.comparingLong(Operation::invokedAt)
            .thenComparingInt(Operation::clientId);

    private HistoryShrinker() {
    }

    /**
     * The smallest failing window of {@code history}, ordered by invocation; empty if the history is not shown
     * NOT_LINEARIZABLE within {@code maxStepsPerCheck} (each check of a candidate gets that budget, and a
     * candidate the budget cannot decide is not taken).
     */
    public static List<Operation> smallestFailingWindow(List<Operation> history, long maxStepsPerCheck) {
        return smallestFailingWindow(history, maxStepsPerCheck, 1);
    }

    /** As above, for a history whose clock has {@code clockUnitsPerMilli} units per millisecond of stamped time. */
    public static List<Operation> smallestFailingWindow(List<Operation> history, long maxStepsPerCheck,
                                                        long clockUnitsPerMilli) {
        CheckResult full = LinearizabilityChecker.check(history, maxStepsPerCheck, clockUnitsPerMilli);
        if (full.verdict() != Verdict.NOT_LINEARIZABLE) {
            return List.of();
        }
        List<String> group = List.of(full.key().split("\\+"));
        List<Operation> current = new ArrayList<>(history.stream()
                .filter(op -> group.containsAll(op.keys()) && carriesInformation(op)).sorted(BY_INVOCATION).toList());
        int chunk = Math.max(1, current.size() / 2);
        while (true) {
            boolean removedAny = false;
            for (int start = 0; start < current.size(); ) {
                int end = Math.min(current.size(), start + chunk);
                List<Operation> candidate = new ArrayList<>(current.subList(0, start));
                candidate.addAll(current.subList(end, current.size()));
                if (!candidate.isEmpty() && noObservationOrphaned(candidate, current.subList(start, end))
                        && LinearizabilityChecker.check(candidate, maxStepsPerCheck, clockUnitsPerMilli).verdict()
                        == Verdict.NOT_LINEARIZABLE) {
                    current = candidate;
                    removedAny = true;
                } else {
                    start = end;
                }
            }
            if (chunk == 1 && !removedAny) {
                return List.copyOf(current);
            }
            if (!removedAny) {
                chunk = Math.max(1, chunk / 2);
            }
        }
    }

    private static boolean carriesInformation(Operation op) {
        return switch (op.outcome()) {
            case OK -> true;
            case FAILED -> false;
            case UNKNOWN -> op.kind() != OpKind.GET;
        };
    }

    /** True if no operation left in {@code kept} observed an effect of one in {@code removed}. */
    private static boolean noObservationOrphaned(List<Operation> kept, List<Operation> removed) {
        for (Operation observer : kept) {
            String seen = observedValue(observer);
            if (seen == null) {
                continue;
            }
            for (Operation gone : removed) {
                if (produced(gone, seen)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The value an operation's result shows was there: a read's result or a swapping CAS's expected value. */
    private static String observedValue(Operation op) {
        if (op.outcome() != Outcome.OK) {
            return null;
        }
        return switch (op.kind()) {
            case GET, TXN -> op.result();
            case CAS -> Operation.SWAPPED.equals(op.result()) ? op.expected() : null;
            case PUT, DELETE, APPEND, PERSIST -> null;
        };
    }

    /** True if {@code op} may have produced (part of) {@code value}. */
    private static boolean produced(Operation op, String value) {
        return switch (op.kind()) {
            case PUT, CAS, TXN -> Objects.equals(op.value(), value);
            case APPEND -> value.contains(op.value());
            case GET, DELETE, PERSIST -> false;
        };
    }
}
