package io.caucus.chaos;

import io.caucus.sim.linearizability.CheckResult;
import io.caucus.sim.linearizability.HistoryShrinker;
import io.caucus.sim.linearizability.LinearizabilityChecker;
import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of a finished history that need no cluster: linearizability (the simulator's checker; a violation
 * is shrunk to its smallest failing window by {@link HistoryShrinker}), every
 * acknowledged write present in the final state, and appends present once and in order. Pure functions of the
 * history and the final values (read linearizably after healing, and also part of the history).
 *
 * <p>Every written value is unique ({@code c<client>.<n>}), so a value names the operation that wrote it.
 */
final class HistoryChecks {

    static final long LINEARIZABILITY_STEPS = 200_000_000L;
    /** Budget of each candidate window while shrinking a violation (a candidate it cannot decide is kept out). */
    static final long SHRINK_STEPS_PER_CHECK = 2_000_000L;

    private static final Comparator<Operation> BY_INVOCATION = Comparator.comparingLong(Operation::invokedAt)
            .thenComparingInt(Operation::clientId);

    private HistoryChecks() {
    }

    static CheckOutcome linearizability(List<Operation> history) {
        CheckResult result = LinearizabilityChecker.check(history, LINEARIZABILITY_STEPS);
        return switch (result.verdict()) {
            case LINEARIZABLE -> CheckOutcome.pass("linearizability", result.explanation());
            case NOT_LINEARIZABLE -> {
                List<Operation> window = HistoryShrinker.smallestFailingWindow(history, SHRINK_STEPS_PER_CHECK);
                yield CheckOutcome.fail("linearizability", result.report(),
                        window.isEmpty() ? result.witness() : window);
            }
            case UNDECIDED -> CheckOutcome.fail("linearizability", result.report(), result.witness());
        };
    }

    /**
     * Every acknowledged PUT or swapping CAS on a register key is still visible: the final value's writer must
     * not be followed in real time by another acknowledged write (it would have replaced it), and an absent
     * final value means no write was acknowledged at all. A value written only by FAILED operations is a write
     * reported as failed that took effect.
     */
    static CheckOutcome acknowledgedWritesPresent(List<Operation> history, List<String> registerKeys,
                                                  Map<String, String> finalValues) {
        List<String> problems = new ArrayList<>();
        List<Operation> witness = new ArrayList<>();
        int acknowledged = 0;
        for (String key : registerKeys) {
            List<Operation> writes = history.stream().filter(op -> op.key().equals(key) && op.isWrite()).toList();
            List<Operation> acked = writes.stream().filter(op -> op.outcome() == Outcome.OK).toList();
            acknowledged += acked.size();
            String value = finalValues.get(key);
            if (value == null) {
                if (!acked.isEmpty()) {
                    problems.add("key " + key + " is absent after " + acked.size() + " acknowledged writes, the last "
                            + acked.get(acked.size() - 1));
                    witness.add(acked.get(acked.size() - 1));
                }
                continue;
            }
            List<Operation> writers = writes.stream().filter(op -> value.equals(op.value())).toList();
            if (writers.isEmpty()) {
                problems.add("key " + key + " holds \"" + value + "\", which no operation wrote");
                continue;
            }
            Operation writer = writers.get(0);
            if (writer.outcome() == Outcome.FAILED) {
                problems.add("key " + key + " holds \"" + value + "\", written by an operation reported as FAILED: "
                        + writer);
                witness.add(writer);
                continue;
            }
            if (writer.outcome() == Outcome.OK) {
                for (Operation later : acked) {
                    if (later.invokedAt() > writer.completedAt()) {
                        problems.add("key " + key + " holds \"" + value + "\" from " + writer + ", but " + later
                                + " was acknowledged after it and is lost");
                        witness.add(writer);
                        witness.add(later);
                        break;
                    }
                }
            }
        }
        witness.sort(BY_INVOCATION);
        String name = "acknowledged writes present";
        return problems.isEmpty()
                ? CheckOutcome.pass(name, acknowledged + " acknowledged writes on " + registerKeys.size()
                        + " register keys; every final value is the last acknowledged write or a later one")
                : CheckOutcome.fail(name, String.join("\n", problems), witness);
    }

    /**
     * On each append key (only appended to), the final value is the applied appends in order. Every
     * acknowledged append appears exactly once; no append appears twice; no FAILED or never-issued append
     * appears; and one client's acknowledged appends (issued one after another) appear in the order it issued
     * them. UNKNOWN appends may be absent, or present once anywhere after their invocation.
     */
    static CheckOutcome appendsOnceInOrder(List<Operation> history, List<String> appendKeys,
                                           Map<String, String> finalValues) {
        List<String> problems = new ArrayList<>();
        List<Operation> witness = new ArrayList<>();
        int checked = 0;
        for (String key : appendKeys) {
            Map<String, Operation> bySuffix = new HashMap<>();
            history.stream().filter(op -> op.key().equals(key) && op.kind() == OpKind.APPEND)
                    .forEach(op -> bySuffix.put(op.value(), op));
            String value = finalValues.get(key);
            List<String> tokens = value == null || value.isEmpty() ? List.of()
                    : List.of(value.split("(?<=;)"));
            Set<String> seen = new HashSet<>();
            Map<Integer, Operation> lastAckedOfClient = new HashMap<>();
            for (String token : tokens) {
                Operation op = bySuffix.get(token);
                if (op == null) {
                    problems.add("key " + key + ": \"" + token + "\" was never appended");
                    continue;
                }
                if (!seen.add(token)) {
                    problems.add("key " + key + ": " + op + " appears more than once");
                    witness.add(op);
                    continue;
                }
                if (op.outcome() == Outcome.FAILED) {
                    problems.add("key " + key + ": " + op + " was reported FAILED but applied");
                    witness.add(op);
                }
                if (op.outcome() == Outcome.OK) {
                    Operation previous = lastAckedOfClient.put(op.clientId(), op);
                    if (previous != null && previous.invokedAt() > op.invokedAt()) {
                        problems.add("key " + key + ": " + op + " appears after " + previous
                                + ", which the same client issued later");
                        witness.add(previous);
                        witness.add(op);
                    }
                }
            }
            for (Operation op : bySuffix.values()) {
                if (op.outcome() == Outcome.OK) {
                    checked++;
                    if (!seen.contains(op.value())) {
                        problems.add("key " + key + ": acknowledged " + op + " is missing");
                        witness.add(op);
                    }
                }
            }
        }
        witness.sort(BY_INVOCATION);
        String name = "appends once and in order";
        return problems.isEmpty()
                ? CheckOutcome.pass(name, checked + " acknowledged appends on " + appendKeys.size()
                        + " keys: each present once, each client's in order")
                : CheckOutcome.fail(name, String.join("\n", problems), witness);
    }
}
