package io.caucus.chaos;

import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a chaos run did and found.
 *
 * @param groupOfKey the data group each key's slot belongs to (sharded runs; empty otherwise)
 * @param notes      what the run left out and why (say a check that cannot run against this cluster)
 * @param removal    what came of the node removal ({@code --faults remove}), or null if none was asked for
 */
record ChaosResult(ChaosOptions options, Path directory, List<Operation> operations,
                   List<CounterOp> counterOperations, List<FaultWindow> windows,
                   List<CheckOutcome> checks, Map<String, String> finalValues, long clientsStartedMicros,
                   long clientsStoppedMicros, List<MembershipOperator.Change> membershipChanges,
                   Map<String, Long> groupOfKey, List<String> notes, NodeRemoval.Outcome removal) {

    ChaosResult {
        operations = List.copyOf(operations);
        counterOperations = List.copyOf(counterOperations);
        windows = List.copyOf(windows);
        checks = List.copyOf(checks);
        membershipChanges = List.copyOf(membershipChanges);
        groupOfKey = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(groupOfKey));
        notes = List.copyOf(notes);
        finalValues = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(finalValues));
    }

    boolean passed() {
        return checks.stream().allMatch(CheckOutcome::passed);
    }

    /** Operations of both kinds, as many as {@code history.txt} has lines of. */
    int operationCount() {
        return operations.size() + counterOperations.size();
    }

    /** Outcomes of both kinds of operation invoked in [fromMicros, toMicros). */
    Map<Outcome, Integer> countByOutcome(long fromMicros, long toMicros) {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            counts.put(outcome, 0);
        }
        operations.stream().filter(op -> op.invokedAt() >= fromMicros && op.invokedAt() < toMicros)
                .forEach(op -> counts.merge(op.outcome(), 1, Integer::sum));
        counterOperations.stream().filter(op -> op.invokedAt() >= fromMicros && op.invokedAt() < toMicros)
                .forEach(op -> counts.merge(op.outcome(), 1, Integer::sum));
        return counts;
    }

    /** Outcomes of every operation of both kinds. */
    Map<Outcome, Integer> countByOutcome() {
        return countByOutcome(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    Map<FaultKind, Integer> faultsByKind() {
        Map<FaultKind, Integer> counts = new EnumMap<>(FaultKind.class);
        for (FaultKind kind : FaultKind.values()) {
            counts.put(kind, 0);
        }
        windows.forEach(window -> counts.merge(window.kind(), 1, Integer::sum));
        return counts;
    }

    Map<MembershipOperator.Result, Integer> membershipByResult() {
        Map<MembershipOperator.Result, Integer> counts = new EnumMap<>(MembershipOperator.Result.class);
        for (MembershipOperator.Result result : MembershipOperator.Result.values()) {
            counts.put(result, 0);
        }
        membershipChanges.forEach(change -> counts.merge(change.result(), 1, Integer::sum));
        return counts;
    }

    /**
     * What the counter and transaction checks had to work on: acknowledged increments (per key: an INCR in a
     * transaction counts on each of its keys), acknowledged transactions, acknowledged reads of a whole group.
     */
    String checked() {
        long increments = 0;
        long transactions = 0;
        long groupReads = 0;
        for (CounterOp op : counterOperations) {
            if (op.outcome() != Outcome.OK) {
                continue;
            }
            switch (op.kind()) {
                case INCR, WATCHED_INCR -> increments++;
                case INCR_BOTH -> {
                    increments += 2;
                    transactions++;
                }
                case TRANSFER -> transactions++;
                case MGET, MULTI_GET -> groupReads += op.keys().size() > 1 ? 1 : 0;
                case GET -> { }
            }
        }
        return "acknowledged increments " + increments + ", transactions " + transactions
                + ", whole-group reads " + groupReads;
    }

    /**
     * Acknowledged operations per data group (sharded runs), by group id: an operation's keys are all of one slot,
     * so of one group.
     */
    Map<Long, Integer> acknowledgedByGroup() {
        Map<Long, Integer> counts = new java.util.TreeMap<>();
        operations.stream().filter(op -> op.outcome() == Outcome.OK)
                .forEach(op -> count(counts, op.key()));
        counterOperations.stream().filter(op -> op.outcome() == Outcome.OK)
                .forEach(op -> count(counts, op.keys().get(0)));
        return counts;
    }

    private void count(Map<Long, Integer> counts, String key) {
        Long group = groupOfKey.get(key);
        if (group != null) {
            counts.merge(group, 1, Integer::sum);
        }
    }

    /** One line: verdict, operations, faults, what the counter checks saw, failed checks. */
    String summary() {
        Map<Outcome, Integer> outcomes = countByOutcome();
        Map<FaultKind, Integer> faults = faultsByKind();
        StringBuilder out = new StringBuilder(passed() ? "PASS" : "FAIL").append(": seed ").append(options.seed())
                .append(", ").append(operationCount()).append(" operations checked (ok ")
                .append(outcomes.get(Outcome.OK)).append(", failed ").append(outcomes.get(Outcome.FAILED))
                .append(", unknown ").append(outcomes.get(Outcome.UNKNOWN)).append("), faults: kill ")
                .append(faults.get(FaultKind.KILL)).append(", pause ").append(faults.get(FaultKind.PAUSE))
                .append(", partition ").append(faults.get(FaultKind.PARTITION));
        if (options.faults().contains(FaultKind.MOVE)) {
            out.append(", slot move ").append(faults.get(FaultKind.MOVE));
        }
        if (options.faults().contains(FaultKind.REPLICA)) {
            out.append(", replica move ").append(faults.get(FaultKind.REPLICA));
        }
        if (options.faults().contains(FaultKind.REMOVE)) {
            out.append(", remove ").append(faults.get(FaultKind.REMOVE)).append("; removal: ")
                    .append(removal == null ? "none (the run ended before its turn)" : removal.summary());
        }
        if (options.sharded()) {
            out.append("; ").append(options.shards()).append(" shards, acknowledged operations by group")
                    .append(options.faults().contains(FaultKind.MOVE) ? " (the keys' first groups) " : " ")
                    .append(acknowledgedByGroup());
        }
        if (options.faults().contains(FaultKind.MEMBERSHIP)) {
            Map<MembershipOperator.Result, Integer> changes = membershipByResult();
            out.append(", membership ").append(faults.get(FaultKind.MEMBERSHIP)).append(" (changes ok ")
                    .append(changes.get(MembershipOperator.Result.OK)).append(", refused ")
                    .append(changes.get(MembershipOperator.Result.REFUSED)).append(", unknown ")
                    .append(changes.get(MembershipOperator.Result.UNKNOWN)).append(')');
        }
        out.append("; ").append(checked()).append("; anomalies: ")
                .append(checks.stream().filter(check -> !check.passed()).count()).append("; report in ")
                .append(directory.resolve("report.txt"));
        return out.toString();
    }
}
