package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Wing &amp; Gong's search for a linearization of one part of a history (one key, or keys touched together) against
 * a {@link SequentialModel}, with Lowe's memoisation (G. Lowe,
 * "Testing for linearizability", 2017). Single use, single threaded, iterative: the explicit stack holds at
 * most one frame per operation, so 10k-operation histories cannot overflow the Java stack.
 *
 * <p>Acknowledged (OK) operations become a list of call and return events sorted by time. A configuration's
 * candidates are the calls before the first remaining return R, then the UNKNOWN operations (kept in a second
 * list, sorted by invocation; they have no return, completion being +infinity) invoked no later than R. The
 * search tries candidates in that order: one that the model accepts and that leads to an unexplored
 * configuration is linearized (its events lifted out of the lists) and the search restarts at the head. When
 * the candidates run out, R's operation completed without being linearizable here, so the last choice is undone
 * and the next candidate after it is tried. Success is "every acknowledged operation linearized": UNKNOWN
 * operations never placed simply did not take effect. Trying acknowledged candidates first means the memo
 * mostly meets configurations with few UNKNOWN operations first, which then dominate (see
 * {@link ExploredConfigurations}).
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
     * No linearization exists. Describes the deepest point reached (most acknowledged operations linearized).
     *
     * @param prefix      operation indices of the longest linearizable prefix, in linearization order
     * @param valueAfter  the model state after that prefix
     * @param stuck       the operation whose completion was reached without it being linearized
     * @param candidates  operations invoked but not linearized at that point (includes {@code stuck})
     * @param stuckValues distinct states on which {@code stuck} was tried and refused, at most
     *                    {@link #MAX_RECORDED_VALUES}
     * @param moreValues  true if {@code stuck} was refused on more values than recorded
     */
    record Stuck(long steps, int[] prefix, Object valueAfter, int stuck, int[] candidates, List<Object> stuckValues,
                 boolean moreValues) implements Result {
    }

    static final int MAX_RECORDED_VALUES = 6;
    private static final int HEAD = -2;
    private static final int END = -1;
    private static final long ZOBRIST_SEED = 0x5EED_CA0C05L;

    private final List<Operation> ops;
    private final SequentialModel model;
    private final int acknowledgedCount;
    /** Per op: its index among the acknowledged ops, or among the UNKNOWN ops (see {@link #acknowledged}). */
    private final int[] compactIndex;
    private final boolean[] acknowledged;
    private final long[] zobrist;

    // Events: [0, knownEvents) are calls and returns of acknowledged ops in time order, then one call per UNKNOWN
    // op in invocation order. Two doubly linked lists over them, so that lifting an operation out and putting it
    // back are O(1) (dancing links, undone in LIFO order).
    private final int knownEvents;
    private final int[] eventOp;
    private final boolean[] eventIsCall;
    private final long[] eventTime;
    private final int[] returnOfCall;
    private final int[] next;
    private final int[] prev;
    private int firstKnown;
    private int firstUnknown;

    // Search state. The stack holds, per linearized op, its call event and the value and firstReturn before it.
    private final long[] knownLinearized;
    private final long[] unknownLinearized;
    private long knownHash;
    private Object value;
    private final int[] stackCall;
    private final Object[] stackValue;
    private final int[] stackFirstReturn;
    private int depth;
    private int acknowledgedDone;
    private final ExploredConfigurations explored = new ExploredConfigurations();
    private Stuck deepest;
    private int deepestDone = -1;
    private long steps;
    /** The event being visited. */
    private int event;
    /**
     * END while walking the acknowledged list; once the walk meets a return, that return (the first of the list).
     * Invariant: while some acknowledged op is not linearized, its return lies ahead in the acknowledged list, so
     * the walk meets a return before END.
     */
    private int firstReturn = END;
    private boolean used;

    // States on which each acknowledged op was refused; feeds the explanation of a violation.
    private final Object[][] refusedValues;
    private final int[] refusedCount;

    KeyHistorySearch(List<Operation> ops, SequentialModel model) {
        this.ops = List.copyOf(ops);
        this.model = model;
        this.value = model.initialState();
        int n = this.ops.size();
        acknowledged = new boolean[n];
        compactIndex = new int[n];
        int known = 0;
        int unknown = 0;
        for (int i = 0; i < n; i++) {
            Operation op = this.ops.get(i);
            if (op.outcome() == Outcome.FAILED || (op.outcome() == Outcome.UNKNOWN && op.kind() == OpKind.GET)) {
                throw new IllegalArgumentException("the search takes no FAILED operations or UNKNOWN reads: " + op);
            }
            acknowledged[i] = op.outcome() == Outcome.OK;
            compactIndex[i] = acknowledged[i] ? known++ : unknown++;
        }
        acknowledgedCount = known;
        zobrist = new SplittableRandom(ZOBRIST_SEED).longs(known).toArray();
        knownEvents = 2 * known;
        int events = knownEvents + unknown;
        eventOp = new int[events];
        eventIsCall = new boolean[events];
        eventTime = new long[events];
        returnOfCall = new int[events];
        next = new int[events];
        prev = new int[events];
        buildEventLists();
        knownLinearized = new long[(known + 63) / 64];
        unknownLinearized = new long[(unknown + 63) / 64];
        stackCall = new int[n];
        stackValue = new Object[n];
        stackFirstReturn = new int[n];
        event = firstKnown;
        refusedValues = new Object[n][];
        refusedCount = new int[n];
    }

    /** Sorted by time; at equal times calls come first, so touching operations count as concurrent. */
    private void buildEventLists() {
        List<long[]> known = new ArrayList<>(knownEvents); // {time, 0 = call / 1 = return, op}
        List<long[]> unknown = new ArrayList<>(eventOp.length - knownEvents);
        for (int i = 0; i < ops.size(); i++) {
            long[] call = {ops.get(i).invokedAt(), 0, i};
            (acknowledged[i] ? known : unknown).add(call);
            if (acknowledged[i]) {
                known.add(new long[] {ops.get(i).completedAt(), 1, i});
            }
        }
        Comparator<long[]> order = Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1])
                .thenComparingLong(e -> e[2]);
        known.sort(order);
        unknown.sort(order);
        firstKnown = link(known, 0);
        firstUnknown = link(unknown, knownEvents);
    }

    private int link(List<long[]> sorted, int base) {
        int[] callEventOfOp = new int[ops.size()];
        for (int i = 0; i < sorted.size(); i++) {
            int e = base + i;
            eventTime[e] = sorted.get(i)[0];
            eventIsCall[e] = sorted.get(i)[1] == 0;
            eventOp[e] = (int) sorted.get(i)[2];
            returnOfCall[e] = END;
            if (eventIsCall[e]) {
                callEventOfOp[eventOp[e]] = e;
            } else {
                returnOfCall[callEventOfOp[eventOp[e]]] = e;
            }
            next[e] = i + 1 < sorted.size() ? e + 1 : END;
            prev[e] = i == 0 ? HEAD : e - 1;
        }
        return sorted.isEmpty() ? END : base;
    }

    /**
     * Runs the search, giving up after {@code maxSteps} steps (one step = one event visited). Single use.
     */
    Result run(long maxSteps) {
        if (used) {
            throw new IllegalStateException("a KeyHistorySearch runs once");
        }
        used = true;
        while (acknowledgedDone < acknowledgedCount) {
            if (++steps > maxSteps) {
                return new OutOfSteps(maxSteps);
            }
            if (firstReturn == END && !eventIsCall[event]) {
                firstReturn = event; // acknowledged candidates exhausted; now the UNKNOWN ones invoked before it
                event = firstUnknown;
            } else if (firstReturn == END || (event != END && eventTime[event] <= eventTime[firstReturn])) {
                if (!tryToLinearize(event)) {
                    event = next[event];
                }
            } else {
                // Candidates exhausted: firstReturn's operation cannot be linearized after this prefix.
                if (acknowledgedDone > deepestDone) {
                    deepestDone = acknowledgedDone;
                    deepest = describe();
                }
                if (depth == 0) {
                    return withRefusals(deepest, steps);
                }
                backtrack();
            }
        }
        return new Linearizable(steps);
    }

    /** Linearizes the operation of this call event next, if the model allows it and the result is unexplored. */
    private boolean tryToLinearize(int call) {
        int op = eventOp[call];
        Object after = model.apply(ops.get(op), value);
        if (after == SequentialModel.ILLEGAL) {
            noteRefused(op, value);
            return false;
        }
        if (isUseless(op, value, after, depth == 0 ? END : eventOp[stackCall[depth - 1]])) {
            return false;
        }
        long[] bits = acknowledged[op] ? knownLinearized : unknownLinearized;
        int bit = compactIndex[op];
        long hashAfter = acknowledged[op] ? knownHash ^ zobrist[bit] : knownHash;
        bits[bit >>> 6] |= 1L << bit;
        if (!explored.add(hashAfter, knownLinearized, unknownLinearized, after)) {
            bits[bit >>> 6] &= ~(1L << bit);
            return false;
        }
        stackCall[depth] = call;
        stackValue[depth] = value;
        stackFirstReturn[depth] = firstReturn;
        depth++;
        knownHash = hashAfter;
        value = after;
        acknowledgedDone += acknowledged[op] ? 1 : 0;
        lift(call);
        event = firstKnown;
        firstReturn = END;
        return true;
    }

    /** Undoes the last linearization and resumes the walk at the candidate after it. */
    private void backtrack() {
        depth--;
        int call = stackCall[depth];
        int undone = eventOp[call];
        value = stackValue[depth];
        firstReturn = stackFirstReturn[depth];
        int bit = compactIndex[undone];
        if (acknowledged[undone]) {
            knownLinearized[bit >>> 6] &= ~(1L << bit);
            knownHash ^= zobrist[bit];
            acknowledgedDone--;
        } else {
            unknownLinearized[bit >>> 6] &= ~(1L << bit);
        }
        unlift(call);
        event = next[call];
    }

    /**
     * Placing {@code op} now is pointless (some other branch covers it) if it is UNKNOWN and its effect cannot
     * matter to any operation ({@link SequentialModel#mayMatter}), or if it is a blind write (PUT/DELETE) right after an
     * UNKNOWN blind write of the same key: that one would be overwritten unseen, and leaving it out (allowed, as it is UNKNOWN) reaches the same
     * value with more options, a branch the search tries from the parent configuration anyway.
     */
    private boolean isUseless(int op, Object value, Object after, int lastPlaced) {
        boolean overwritesUnseenUnknown = lastPlaced != END && !acknowledged[lastPlaced]
                && model.isBlindWrite(ops.get(lastPlaced)) && model.isBlindWrite(ops.get(op))
                && ops.get(lastPlaced).key().equals(ops.get(op).key());
        return overwritesUnseenUnknown || (!acknowledged[op] && !model.mayMatter(value, after));
    }

    private Stuck describe() {
        int[] prefix = new int[depth];
        for (int i = 0; i < depth; i++) {
            prefix[i] = eventOp[stackCall[i]];
        }
        List<Integer> candidates = new ArrayList<>();
        for (int e = firstKnown; e != firstReturn; e = next[e]) {
            candidates.add(eventOp[e]);
        }
        for (int e = firstUnknown; e != END && eventTime[e] <= eventTime[firstReturn]; e = next[e]) {
            candidates.add(eventOp[e]);
        }
        return new Stuck(0, prefix, value, eventOp[firstReturn],
                candidates.stream().mapToInt(Integer::intValue).toArray(), List.of(), false);
    }

    private Stuck withRefusals(Stuck deepest, long steps) {
        int stuck = deepest.stuck();
        List<Object> values = refusedValues[stuck] == null ? List.of()
                : Arrays.asList(Arrays.copyOf(refusedValues[stuck], Math.min(refusedCount[stuck],
                MAX_RECORDED_VALUES)));
        return new Stuck(steps, deepest.prefix(), deepest.valueAfter(), stuck, deepest.candidates(), values,
                refusedCount[stuck] > MAX_RECORDED_VALUES);
    }

    private void noteRefused(int op, Object value) {
        if (!acknowledged[op]) {
            return;
        }
        Object[] seen = refusedValues[op];
        if (seen == null) {
            seen = new Object[MAX_RECORDED_VALUES];
            refusedValues[op] = seen;
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
        refusedCount[op]++; // distinct values, exact up to the cap; beyond it only "more" matters
    }

    /** Removes a call event and its return event (if any) from their list. */
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
            setFirst(event, next[event]);
        } else {
            next[prev[event]] = next[event];
        }
        if (next[event] != END) {
            prev[next[event]] = prev[event];
        }
    }

    private void relink(int event) {
        if (prev[event] == HEAD) {
            setFirst(event, event);
        } else {
            next[prev[event]] = event;
        }
        if (next[event] != END) {
            prev[next[event]] = event;
        }
    }

    private void setFirst(int eventOfList, int first) {
        if (eventOfList < knownEvents) {
            firstKnown = first;
        } else {
            firstUnknown = first;
        }
    }
}
