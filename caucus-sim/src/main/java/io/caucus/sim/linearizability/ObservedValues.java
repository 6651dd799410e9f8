package io.caucus.sim.linearizability;

import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * What the operations of one key could ever observe, used to skip placing UNKNOWN operations whose effect
 * nobody could see.
 *
 * <p>Why skipping is sound. Say an UNKNOWN operation u turns the value {@code before} into {@code after}. Until
 * the next PUT, DELETE or successful CAS, only APPENDs change the value, so every value in between is
 * {@code after} or an extension of it (with u) and {@code before} or an extension of it (without u); after
 * that overwrite the two runs agree. A read or a successful CAS (UNKNOWN ones included) in between would need
 * an expectation starting with {@code after}; a CAS that reported "did not swap", expecting e, stays correct
 * without u unless e extends {@code before}. If none of these exist, any linearization placing u stays one with
 * u left out, which UNKNOWN allows. The absent value (null) is treated as a prefix of anything, since an APPEND
 * on it starts afresh.
 */
final class ObservedValues {

    /** Values read by GETs and expected by CAS operations that swapped or whose outcome is unknown. */
    private final NavigableSet<String> observed = new TreeSet<>();
    /** Non-null values expected by CAS operations that reported "did not swap". */
    private final NavigableSet<String> refusedExpectations = new TreeSet<>();
    private final boolean anyRefusedCas;
    private final boolean absentObservable;

    ObservedValues(List<Operation> ops) {
        boolean refused = false;
        boolean absent = false;
        for (Operation op : ops) {
            switch (op.kind()) {
                case GET -> {
                    absent |= op.result() == null;
                    addIfPresent(observed, op.result());
                }
                case CAS -> {
                    if (Operation.NOT_SWAPPED.equals(op.result())) {
                        refused = true;
                        addIfPresent(refusedExpectations, op.expected());
                    } else {
                        absent |= op.expected() == null;
                        addIfPresent(observed, op.expected());
                    }
                }
                case APPEND -> absent = true;
                case PUT, DELETE -> { }
                case PERSIST, TXN -> { } // not register operations: RegisterModel refuses them
            }
        }
        anyRefusedCas = refused;
        absentObservable = absent;
    }

    private static void addIfPresent(NavigableSet<String> values, String value) {
        if (value != null) {
            values.add(value);
        }
    }

    /** False only if placing an UNKNOWN operation that turns {@code before} into {@code after} cannot matter. */
    boolean mayMatter(String before, String after) {
        boolean afterSeen = after == null ? absentObservable : hasExtension(observed, after);
        boolean beforeNeededGone = anyRefusedCas && (before == null || hasExtension(refusedExpectations, before));
        return afterSeen || beforeNeededGone;
    }

    private static boolean hasExtension(NavigableSet<String> values, String prefix) {
        String ceiling = values.ceiling(prefix);
        return ceiling != null && ceiling.startsWith(prefix);
    }
}
