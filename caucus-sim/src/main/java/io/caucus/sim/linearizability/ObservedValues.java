package io.caucus.sim.linearizability;

import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * What the acknowledged and UNKNOWN operations of one key could ever observe, used to skip placing UNKNOWN
 * operations whose effect nobody could see.
 *
 * <p>Why skipping is sound: suppose an UNKNOWN operation u leaves the value v, and no operation reads or
 * CAS-expects v or any extension of v (APPENDs only extend a value), and no CAS reported "did not swap" (which
 * any other value satisfies). Then until the next PUT, DELETE or successful CAS (which would need an
 * expectation starting with v), only APPENDs can follow, and nobody looks at the values they make; the value
 * after that overwrite is the same with or without u. So any linearization placing u stays one with u left
 * out, which UNKNOWN allows. A DELETE's absent value is seen by reads of absent, CAS expecting absent, or any
 * APPEND (which then starts afresh).
 */
final class ObservedValues {

    private final NavigableSet<String> observed = new TreeSet<>();
    private final boolean anyDidNotSwap;
    private final boolean absentObservable;

    ObservedValues(List<Operation> ops) {
        boolean didNotSwap = false;
        boolean absent = false;
        for (Operation op : ops) {
            switch (op.kind()) {
                case GET -> {
                    absent |= op.result() == null;
                    addIfPresent(op.result());
                }
                case CAS -> {
                    if (Operation.NOT_SWAPPED.equals(op.result())) {
                        didNotSwap = true;
                    } else {
                        absent |= op.expected() == null;
                        addIfPresent(op.expected());
                    }
                }
                case APPEND -> absent = true;
                case PUT, DELETE -> { }
            }
        }
        anyDidNotSwap = didNotSwap;
        absentObservable = absent;
    }

    private void addIfPresent(String value) {
        if (value != null) {
            observed.add(value);
        }
    }

    /** False only if no operation could ever observe the value {@code after} (null = absent). */
    boolean mayBeObserved(String after) {
        if (anyDidNotSwap) {
            return true;
        }
        if (after == null) {
            return absentObservable;
        }
        String ceiling = observed.ceiling(after);
        return ceiling != null && ceiling.startsWith(after);
    }
}
