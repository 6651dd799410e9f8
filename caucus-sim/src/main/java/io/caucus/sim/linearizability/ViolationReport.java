package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns the deepest point of a failed search into a small witness and a sentence a human can check by hand.
 *
 * <p>The witness is the window around the stuck point rather than the whole history: the operations that
 * could not be placed (invoked but not linearized when the stuck operation completed), the prefix operations
 * that overlap them, the last write of the prefix (which set the value) and the writers of the value the stuck
 * operation needed, including FAILED ones, which the search itself ignores.
 */
final class ViolationReport {

    private static final Comparator<Operation> BY_INVOCATION = Comparator.comparingLong(Operation::invokedAt)
            .thenComparingInt(Operation::clientId);

    private final String key;
    private final List<Operation> searched;
    private final List<Operation> allOfKey;
    private final KeyHistorySearch.Stuck stuck;
    private final SequentialModel model;

    private ViolationReport(String key, List<Operation> searched, List<Operation> allOfKey,
                            KeyHistorySearch.Stuck stuck, SequentialModel model) {
        this.key = key;
        this.searched = searched;
        this.allOfKey = allOfKey;
        this.stuck = stuck;
        this.model = model;
    }

    /**
     * @param searched the operations given to the search, indexed as in {@code stuck}
     * @param allOfKey every operation on the key, FAILED ones included
     */
    static CheckResult of(String key, List<Operation> searched, List<Operation> allOfKey,
                          KeyHistorySearch.Stuck stuck, SequentialModel model) {
        return new ViolationReport(key, searched, allOfKey, stuck, model).build();
    }

    private CheckResult build() {
        Operation stuckOp = searched.get(stuck.stuck());
        String needed = neededValue(stuckOp);
        List<Operation> witness = new ArrayList<>();
        for (int index : witnessIndices(needed)) {
            witness.add(searched.get(index));
        }
        List<Operation> failedWriters = failedWritersOf(needed);
        witness.addAll(failedWriters);
        witness.sort(BY_INVOCATION);
        return new CheckResult(Verdict.NOT_LINEARIZABLE, key, witness, explain(stuckOp, needed, failedWriters));
    }

    /**
     * The window starts at the earliest invocation among the acknowledged operations left unplaced; UNKNOWN ones
     * invoked long before (they stay candidates forever) join only if they wrote the needed value.
     */
    private TreeSet<Integer> witnessIndices(String needed) {
        long windowStart = Long.MAX_VALUE;
        for (int candidate : stuck.candidates()) {
            if (searched.get(candidate).outcome() == Outcome.OK) {
                windowStart = Math.min(windowStart, searched.get(candidate).invokedAt());
            }
        }
        TreeSet<Integer> chosen = new TreeSet<>();
        for (int candidate : stuck.candidates()) {
            Operation op = searched.get(candidate);
            if (op.outcome() == Outcome.OK || op.invokedAt() >= windowStart
                    || (needed != null && writes(op, needed))) {
                chosen.add(candidate);
            }
        }
        int lastWrite = -1;
        for (int placed : stuck.prefix()) {
            Operation op = searched.get(placed);
            long end = op.outcome() == Outcome.OK ? op.completedAt() : op.invokedAt();
            if (end >= windowStart) {
                chosen.add(placed);
            }
            if (op.isWrite()) {
                lastWrite = placed;
            }
        }
        if (lastWrite >= 0) {
            chosen.add(lastWrite);
        }
        int writer = latestWriterOf(needed);
        if (writer >= 0) {
            chosen.add(writer);
        }
        return chosen;
    }

    /** The value the stuck operation needed to find, if it needed a particular one. */
    private static String neededValue(Operation op) {
        return switch (op.kind()) {
            case GET -> op.result();
            case CAS -> Operation.SWAPPED.equals(op.result()) ? op.expected() : null;
            case PUT, DELETE, APPEND, PERSIST, TXN -> null;
        };
    }

    private int latestWriterOf(String needed) {
        int latest = -1;
        for (int i = 0; needed != null && i < searched.size(); i++) {
            if (writes(searched.get(i), needed)
                    && (latest < 0 || searched.get(i).invokedAt() >= searched.get(latest).invokedAt())) {
                latest = i;
            }
        }
        return latest;
    }

    private List<Operation> failedWritersOf(String needed) {
        if (needed == null || latestWriterOf(needed) >= 0) {
            return List.of();
        }
        return allOfKey.stream().filter(op -> op.outcome() == Outcome.FAILED && writes(op, needed)).toList();
    }

    private static boolean writes(Operation op, String value) {
        return (op.kind() == OpKind.PUT || op.kind() == OpKind.CAS) && value.equals(op.value());
    }

    private String explain(Operation stuckOp, String needed, List<Operation> failedWriters) {
        long acknowledged = searched.stream().filter(op -> op.outcome() == Outcome.OK).count();
        long placed = Arrays.stream(stuck.prefix())
                .filter(i -> searched.get(i).outcome() == Outcome.OK).count();
        StringBuilder out = new StringBuilder("key ").append(Operation.quote(key))
                .append(": no linearization of its ").append(allOfKey.size()).append(" operations. ")
                .append("The longest linearizable prefix places ").append(placed).append(" of ")
                .append(acknowledged).append(" acknowledged operations and leaves the value ")
                .append(model.describe(stuck.valueAfter())).append("; then ").append(stuckOp)
                .append(" cannot be placed before it completes: ").append(reason(stuckOp)).append('.');
        if (!failedWriters.isEmpty()) {
            out.append(" Only FAILED operations wrote ").append(Operation.quote(needed)).append(": ")
                    .append(failedWriters.stream().map(Operation::toString).collect(Collectors.joining(", ")))
                    .append('.');
        } else if (needed != null && latestWriterOf(needed) < 0 && noAppends()) {
            out.append(" No operation wrote ").append(Operation.quote(needed)).append('.');
        }
        return out.toString();
    }

    private String reason(Operation op) {
        String possible = possibleValues();
        return switch (op.kind()) {
            case GET -> "it read " + Operation.quote(op.result()) + " but the value could only have been "
                    + possible;
            case CAS -> Operation.SWAPPED.equals(op.result())
                    ? "it swapped, which needs the value " + Operation.quote(op.expected())
                    + ", but the value could only have been " + possible
                    : "it did not swap, which needs a value other than " + Operation.quote(op.expected())
                    + ", but the value could only have been " + possible;
            case PERSIST -> "it reported " + op.result() + ", but the value could only have been " + possible
                    + " (an expired key has no time to live to drop)";
            case TXN -> "it read " + Operation.quote(op.result()) + " and " + Operation.quote(op.secondResult())
                    + ", but the values could only have been " + possible;
            case PUT, DELETE, APPEND -> "no order of the operations concurrent with it can be completed";
        };
    }

    /** The values the stuck operation was tried on, or the value after the prefix if it never was. */
    private String possibleValues() {
        List<Object> values = stuck.stuckValues().isEmpty() ? Collections.singletonList(stuck.valueAfter())
                : stuck.stuckValues();
        String listed = values.stream().map(model::describe).collect(Collectors.joining(" or "));
        return stuck.moreValues() ? listed + " (or other values)" : listed;
    }

    private boolean noAppends() {
        return allOfKey.stream().noneMatch(op -> op.kind() == OpKind.APPEND && op.outcome() != Outcome.FAILED);
    }
}
