package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An independent, exponential reference implementation of the checker's semantics, for differential tests on
 * tiny histories: tries every order of every subset of the optional operations, with no memo and no event list.
 */
final class BruteForceChecker {

    private BruteForceChecker() {
    }

    static boolean isLinearizable(List<Operation> history) {
        List<String> keys = history.stream().map(Operation::key).distinct().toList();
        for (String key : keys) {
            List<Operation> ofKey = new ArrayList<>();
            for (Operation op : history) {
                boolean dropped = op.outcome() == Outcome.FAILED
                        || (op.outcome() == Outcome.UNKNOWN && op.kind() == OpKind.GET);
                if (op.key().equals(key) && !dropped) {
                    ofKey.add(op);
                }
            }
            if (!search(ofKey, new boolean[ofKey.size()], null)) {
                return false;
            }
        }
        return true;
    }

    private static boolean search(List<Operation> ops, boolean[] placed, String value) {
        boolean allAcknowledgedPlaced = true;
        for (int i = 0; i < ops.size(); i++) {
            allAcknowledgedPlaced &= placed[i] || ops.get(i).outcome() != Outcome.OK;
        }
        if (allAcknowledgedPlaced) {
            return true; // unplaced UNKNOWN writes simply never took effect
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !mayGoNext(ops, placed, i)) {
                continue;
            }
            Operation op = ops.get(i);
            boolean refusedSwap = "false".equals(op.result());
            boolean legal = switch (op.kind()) {
                case GET -> Objects.equals(value, op.result());
                case PUT, DELETE, APPEND -> true;
                case CAS -> refusedSwap != Objects.equals(value, op.expected());
                case PERSIST, TXN -> throw new IllegalArgumentException("register operations only: " + op);
            };
            if (!legal) {
                continue;
            }
            String after = switch (op.kind()) {
                case GET -> value;
                case PUT -> op.value();
                case DELETE -> null;
                case APPEND -> value == null ? op.value() : value + op.value();
                case CAS -> refusedSwap ? value : op.value();
                case PERSIST, TXN -> throw new IllegalArgumentException("register operations only: " + op);
            };
            placed[i] = true;
            boolean found = search(ops, placed, after);
            placed[i] = false;
            if (found) {
                return true;
            }
        }
        return false;
    }

    /** Op i may be placed next unless some unplaced acknowledged op completed strictly before i was invoked. */
    private static boolean mayGoNext(List<Operation> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (!placed[j] && j != i && ops.get(j).outcome() == Outcome.OK
                    && ops.get(j).completedAt() < ops.get(i).invokedAt()) {
                return false;
            }
        }
        return true;
    }
}
