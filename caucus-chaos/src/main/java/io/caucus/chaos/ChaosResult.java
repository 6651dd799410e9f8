package io.caucus.chaos;

import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What a chaos run did and found. */
record ChaosResult(ChaosOptions options, Path directory, List<Operation> operations, List<FaultWindow> windows,
                   List<CheckOutcome> checks, Map<String, String> finalValues, long clientsStartedMicros,
                   long clientsStoppedMicros, List<MembershipOperator.Change> membershipChanges) {

    ChaosResult {
        operations = List.copyOf(operations);
        windows = List.copyOf(windows);
        checks = List.copyOf(checks);
        membershipChanges = List.copyOf(membershipChanges);
        finalValues = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(finalValues));
    }

    boolean passed() {
        return checks.stream().allMatch(CheckOutcome::passed);
    }

    Map<Outcome, Integer> countByOutcome(List<Operation> ops) {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        for (Outcome outcome : Outcome.values()) {
            counts.put(outcome, 0);
        }
        ops.forEach(op -> counts.merge(op.outcome(), 1, Integer::sum));
        return counts;
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

    /** One line: verdict, operations, faults, failed checks. */
    String summary() {
        Map<Outcome, Integer> outcomes = countByOutcome(operations);
        Map<FaultKind, Integer> faults = faultsByKind();
        StringBuilder out = new StringBuilder(passed() ? "PASS" : "FAIL").append(": seed ").append(options.seed())
                .append(", ").append(operations.size()).append(" operations checked (ok ")
                .append(outcomes.get(Outcome.OK)).append(", failed ").append(outcomes.get(Outcome.FAILED))
                .append(", unknown ").append(outcomes.get(Outcome.UNKNOWN)).append("), faults: kill ")
                .append(faults.get(FaultKind.KILL)).append(", pause ").append(faults.get(FaultKind.PAUSE))
                .append(", partition ").append(faults.get(FaultKind.PARTITION));
        if (options.faults().contains(FaultKind.MEMBERSHIP)) {
            Map<MembershipOperator.Result, Integer> changes = membershipByResult();
            out.append(", membership ").append(faults.get(FaultKind.MEMBERSHIP)).append(" (changes ok ")
                    .append(changes.get(MembershipOperator.Result.OK)).append(", refused ")
                    .append(changes.get(MembershipOperator.Result.REFUSED)).append(", unknown ")
                    .append(changes.get(MembershipOperator.Result.UNKNOWN)).append(')');
        }
        out.append("; anomalies: ")
                .append(checks.stream().filter(check -> !check.passed()).count()).append("; report in ")
                .append(directory.resolve("report.txt"));
        return out.toString();
    }
}
