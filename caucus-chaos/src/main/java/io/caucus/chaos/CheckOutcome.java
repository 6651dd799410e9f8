package io.caucus.chaos;

import io.caucus.sim.linearizability.Operation;
import java.util.List;

/**
 * The outcome of one check of a run.
 *
 * @param name    what was checked
 * @param passed  true if no anomaly was found
 * @param detail  what was found, in a sentence or a few lines
 * @param witness for a failure, the smallest window of operations that shows it (in invocation order): each an
 *                {@link Operation} or a {@link CounterOp}
 */
record CheckOutcome(String name, boolean passed, String detail, List<Object> witness) {

    CheckOutcome {
        witness = List.copyOf(witness);
    }

    static CheckOutcome pass(String name, String detail) {
        return new CheckOutcome(name, true, detail, List.of());
    }

    static CheckOutcome fail(String name, String detail, List<?> witness) {
        return new CheckOutcome(name, false, detail, List.<Object>copyOf(witness));
    }
}
