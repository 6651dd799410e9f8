package io.caucus.sim.linearizability;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * An independent reference for {@link ExpiringModel}, for differential tests on tiny histories in milliseconds:
 * every order of every subset of the UNKNOWN operations, every integer time in each operation's window (UNKNOWN
 * ones up to {@code horizon}), every outcome an UNKNOWN operation could have had. Only failed configurations are
 * memoised; no shortcut of the model's (earliest time, UNKNOWN placed only with an effect) is used.
 */
final class BruteForceExpiringChecker {

    private record Entry(String value, long expiresAt) {
        boolean liveAt(long time) {
            return expiresAt == Operation.NEVER_EXPIRES || time < expiresAt;
        }
    }

    private final List<Operation> ops;
    private final long horizon;
    private final Set<String> failed = new HashSet<>();

    private BruteForceExpiringChecker(List<Operation> ops, long horizon) {
        this.ops = ops.stream().filter(op -> op.outcome() != Outcome.FAILED
                && !(op.outcome() == Outcome.UNKNOWN && op.kind() == OpKind.GET)).toList();
        this.horizon = horizon;
    }

    static boolean isLinearizable(List<Operation> history, long horizon) {
        return new BruteForceExpiringChecker(history, horizon).search(0, Long.MIN_VALUE, new TreeMap<>());
    }

    private boolean search(int placed, long time, TreeMap<String, Entry> state) {
        boolean allAcknowledged = true;
        for (int i = 0; i < ops.size(); i++) {
            allAcknowledged &= (placed & (1 << i)) != 0 || ops.get(i).outcome() != Outcome.OK;
        }
        if (allAcknowledged) {
            return true;
        }
        String memo = placed + "|" + time + "|" + state;
        if (failed.contains(memo)) {
            return false;
        }
        for (int i = 0; i < ops.size(); i++) {
            if ((placed & (1 << i)) != 0 || !mayGoNext(placed, i)) {
                continue;
            }
            Operation op = ops.get(i);
            long to = op.outcome() == Outcome.UNKNOWN ? horizon : op.completedAt();
            for (long t = Math.max(time, op.invokedAt()); t <= to; t++) {
                TreeMap<String, Entry> after = run(op, state, t);
                if (after != null && search(placed | (1 << i), t, after)) {
                    return true;
                }
            }
        }
        failed.add(memo);
        return false;
    }

    /** Op i may go next unless an unplaced acknowledged op completed before i was invoked. */
    private boolean mayGoNext(int placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if ((placed & (1 << j)) == 0 && j != i && ops.get(j).outcome() == Outcome.OK
                    && ops.get(j).completedAt() < ops.get(i).invokedAt()) {
                return false;
            }
        }
        return true;
    }

    /** The state after {@code op} runs at {@code time}, or null if its observed results are impossible then. */
    private static TreeMap<String, Entry> run(Operation op, Map<String, Entry> before, long time) {
        TreeMap<String, Entry> state = new TreeMap<>();
        before.forEach((key, entry) -> {
            if (entry.liveAt(time)) {
                state.put(key, entry);
            }
        });
        boolean known = op.outcome() == Outcome.OK;
        Entry entry = state.get(op.key());
        String current = entry == null ? null : entry.value();
        switch (op.kind()) {
            case GET -> {
                if (!Objects.equals(current, op.result())) {
                    return null;
                }
            }
            case PUT -> {
                state.put(op.key(), new Entry(op.value(), op.expiresAt()));
                if (!state.get(op.key()).liveAt(time)) {
                    state.remove(op.key());
                }
            }
            case DELETE -> state.remove(op.key());
            case APPEND -> throw new IllegalArgumentException("no APPEND with expiry");
            case CAS -> {
                boolean swaps = Objects.equals(current, op.expected());
                if (known && swaps != Operation.SWAPPED.equals(op.result())) {
                    return null;
                }
                if (swaps) {
                    state.put(op.key(), new Entry(op.value(), Operation.NEVER_EXPIRES));
                }
            }
            case PERSIST -> {
                boolean drops = entry != null && entry.expiresAt() != Operation.NEVER_EXPIRES;
                if (known && drops != Operation.SWAPPED.equals(op.result())) {
                    return null;
                }
                if (drops) {
                    state.put(op.key(), new Entry(current, Operation.NEVER_EXPIRES));
                }
            }
            case TXN -> {
                Entry second = state.get(op.secondKey());
                if (known && (!Objects.equals(current, op.result())
                        || !Objects.equals(second == null ? null : second.value(), op.secondResult()))) {
                    return null;
                }
                state.put(op.key(), new Entry(op.value(), Operation.NEVER_EXPIRES));
                state.put(op.secondKey(), new Entry(op.value(), Operation.NEVER_EXPIRES));
            }
        }
        return state;
    }
}
