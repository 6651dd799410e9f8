package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Wing &amp; Gong's search for a linearization of one key's sub-history, with Lowe's memoisation (G. Lowe,
 * "Testing for linearizability", 2017). Single use, single threaded, iterative: the explicit stack holds at
 * most one frame per operation, so 10k-operation histories cannot overflow the Java stack.
 *
 * <p>Operations become a list of call and return events sorted by time. The search walks the list from the
 * head: at a call it tries to linearize the operation now (the model accepts it and the resulting
 * configuration is new), and if so removes its call and return from the list and restarts from the head. Reaching
 * a return means an acknowledged operation completed without being linearized, so the last choice is undone
 * and the walk resumes after it. UNKNOWN operations have no return event (completion = +infinity) and need not
 * be linearized at all: success is "every OK operation linearized".
 */
final class KeyHistorySearch {

    /** How the search ended. */
    sealed interface Result permits Linearizable, Stuck, OutOfSteps {
        long steps();
    }

    record Linearizable(long steps) implements Result {
    }

    record OutOfSteps(long steps) implements Result {
    }

    /**
     * No linearization exists. Describes the deepest point reached (most OK operations linearized).
     *
     * @param prefix       operation indices of the longest linearizable prefix, in linearization order
     * @param valueAfter   the model value after that prefix
     * @param stuck        the operation whose completion was reached without it being linearized
     * @param candidates   operations invoked but not linearized at that point (includes {@code stuck})
     * @param stuckValues  distinct values on which {@code stuck} was tried and refused, at most
     *                     {@link #MAX_RECORDED_VALUES}
     * @param moreValues   true if {@code stuck} was refused on more values than recorded
     */
    record Stuck(long steps, int[] prefix, String valueAfter, int stuck, int[] candidates, List<String> stuckValues,
                 boolean moreValues) implements Result {
    }

    static final int MAX_RECORDED_VALUES = 6;
    private static final int HEAD = -2;
    private static final int END = -1;
    private static final long ZOBRIST_SEED = 0x5EED_CA0C05L;

    private final List<Operation> ops;
    private final boolean[] acknowledged;
    private final int acknowledgedCount;
    private final long[] zobrist;

    // Event list: events in time order, call/return, owning op, the call's return (or END); doubly linked so
    // that lifting an operation out and putting it back are O(1) (dancing links, undone in LIFO order).
    private final int[] eventOp;
    private final boolean[] eventIsCall;
    private final int[] returnOfCall;
    private final int[] next;
    private final int[] prev;
    private int first;

    // Values on which each acknowledged op was refused; feeds the explanation of a violation.
    private final String[][] refusedValues;
    private final int[] refusedCount;

    KeyHistorySearch(List<Operation> ops) {
        this.ops = List.copyOf(ops);
        int n = this.ops.size();
        acknowledged = new boolean[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            Outcome outcome = this.ops.get(i).outcome();
            if (outcome == Outcome.FAILED || (outcome == Outcome.UNKNOWN && this.ops.get(i).kind() == OpKind.GET)) {
                throw new IllegalArgumentException("the search takes no FAILED operations or UNKNOWN reads: "
                        + this.ops.get(i));
            }
            acknowledged[i] = outcome == Outcome.OK;
            count += acknowledged[i] ? 1 : 0;
        }
        acknowledgedCount = count;
        zobrist = new SplittableRandom(ZOBRIST_SEED).longs(n).toArray();
        int events = n + count;
        eventOp = new int[events];
        eventIsCall = new boolean[events];
        returnOfCall = new int[events];
        next = new int[events];
        prev = new int[events];
        buildEventList();
        refusedValues = new String[n][];
        refusedCount = new int[n];
    }

    /** Sorted by time; at equal times calls come first, so touching operations count as concurrent. */
    private void buildEventList() {
        int n = ops.size();
        List<long[]> events = new ArrayList<>(eventOp.length); // {time, 0 = call / 1 = return, op}
        for (int i = 0; i < n; i++) {
            events.add(new long[] {ops.get(i).invokedAt(), 0, i});
            if (acknowledged[i]) {
                events.add(new long[] {ops.get(i).completedAt(), 1, i});
            }
        }
        events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1])
                .thenComparingLong(e -> e[2]));
        int[] callEventOfOp = new int[n];
        for (int e = 0; e < events.size(); e++) {
            eventOp[e] = (int) events.get(e)[2];
            eventIsCall[e] = events.get(e)[1] == 0;
            returnOfCall[e] = END;
            if (eventIsCall[e]) {
                callEventOfOp[eventOp[e]] = e;
            } else {
                returnOfCall[callEventOfOp[eventOp[e]]] = e;
            }
            next[e] = e + 1 < events.size() ? e + 1 : END;
            prev[e] = e == 0 ? HEAD : e - 1;
        }
        first = events.isEmpty() ? END : 0;
    }

    /** Runs the search, giving up after {@code maxSteps} steps (one step = one event visited). */
    Result run(long maxSteps) {
        int n = ops.size();
        long[] linearized = new long[(n + 63) / 64];
        long linearizedHash = 0;
        String value = null;
        int[] stackCall = new int[n];
        String[] stackValue = new String[n];
        int depth = 0;
        int acknowledgedDone = 0;
        ExploredConfigurations explored = new ExploredConfigurations();
        Stuck deepest = null;
        int deepestDone = -1;
        long steps = 0;
        int event = first;
        while (acknowledgedDone < acknowledgedCount) {
            if (++steps > maxSteps) {
                return new OutOfSteps(maxSteps);
            }
            // Invariant: some acknowledged op is not linearized, so its return event lies ahead: event != END.
            int op = eventOp[event];
            if (eventIsCall[event]) {
                String after = KvModel.apply(ops.get(op), value);
                if (after == KvModel.ILLEGAL) {
                    noteRefused(op, value);
                } else {
                    long hashAfter = linearizedHash ^ zobrist[op];
                    linearized[op >>> 6] |= 1L << op;
                    if (explored.add(hashAfter, after, linearized)) {
                        stackCall[depth] = event;
                        stackValue[depth] = value;
                        depth++;
                        linearizedHash = hashAfter;
                        value = after;
                        acknowledgedDone += acknowledged[op] ? 1 : 0;
                        lift(event);
                        event = first;
                        continue;
                    }
                    linearized[op >>> 6] &= ~(1L << op);
                }
                event = next[event];
            } else {
                if (acknowledgedDone > deepestDone) {
                    deepestDone = acknowledgedDone;
                    deepest = describe(steps, stackCall, depth, value, event);
                }
                if (depth == 0) {
                    return withSteps(deepest, steps);
                }
                depth--;
                int call = stackCall[depth];
                int undone = eventOp[call];
                value = stackValue[depth];
                linearized[undone >>> 6] &= ~(1L << undone);
                linearizedHash ^= zobrist[undone];
                acknowledgedDone -= acknowledged[undone] ? 1 : 0;
                unlift(call);
                event = next[call];
            }
        }
        return new Linearizable(steps);
    }

    private Stuck describe(long steps, int[] stackCall, int depth, String value, int returnEvent) {
        int[] prefix = new int[depth];
        for (int i = 0; i < depth; i++) {
            prefix[i] = eventOp[stackCall[i]];
        }
        List<Integer> candidates = new ArrayList<>();
        for (int e = first; e != returnEvent; e = next[e]) {
            if (eventIsCall[e]) {
                candidates.add(eventOp[e]);
            }
        }
        int stuck = eventOp[returnEvent];
        return new Stuck(steps, prefix, value, stuck, candidates.stream().mapToInt(Integer::intValue).toArray(),
                List.of(), false);
    }

    private Stuck withSteps(Stuck deepest, long steps) {
        int stuck = deepest.stuck();
        List<String> values = refusedValues[stuck] == null ? List.of()
                : Arrays.asList(Arrays.copyOf(refusedValues[stuck], Math.min(refusedCount[stuck],
                MAX_RECORDED_VALUES)));
        return new Stuck(steps, deepest.prefix(), deepest.valueAfter(), stuck, deepest.candidates(), values,
                refusedCount[stuck] > MAX_RECORDED_VALUES);
    }

    private void noteRefused(int op, String value) {
        if (!acknowledged[op]) {
            return;
        }
        String[] seen = refusedValues[op];
        if (seen == null) {
            seen = refusedValues[op] = new String[MAX_RECORDED_VALUES];
        }
        int known = Math.min(refusedCount[op], MAX_RECORDED_VALUES);
        for (int i = 0; i < known; i++) {
            if (Objects.equals(seen[i], value)) {
                return;
            }
        }
        if (known < MAX_RECORDED_VALUES) {
            seen[known] = value;
        }
        refusedCount[op]++; // counts distinct values up to the cap, then marks "more"
    }

    /** Removes a call event and its return event from the list. */
    private void lift(int call) {
        unlink(call);
        if (returnOfCall[call] != END) {
            unlink(returnOfCall[call]);
        }
    }

    /** Puts back what {@link #lift} removed; must be undone in reverse order of lifting. */
    private void unlift(int call) {
        if (returnOfCall[call] != END) {
            relink(returnOfCall[call]);
        }
        relink(call);
    }

    private void unlink(int event) {
        if (prev[event] == HEAD) {
            first = next[event];
        } else {
            next[prev[event]] = next[event];
        }
        if (next[event] != END) {
            prev[next[event]] = prev[event];
        }
    }

    private void relink(int event) {
        if (prev[event] == HEAD) {
            first = event;
        } else {
            next[prev[event]] = event;
        }
        if (next[event] != END) {
            prev[next[event]] = event;
        }
    }
}
