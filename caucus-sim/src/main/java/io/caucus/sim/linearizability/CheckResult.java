package io.caucus.sim.linearizability;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of one check.
 *
 * @param verdict     what was decided
 * @param key         for {@link Verdict#NOT_LINEARIZABLE} the key whose sub-history has no linearization, for
 *                    {@link Verdict#UNDECIDED} the key being searched when the budget ran out; null otherwise
 * @param witness     for {@link Verdict#NOT_LINEARIZABLE} a small window of operations of that key that shows the
 *                    violation, ordered by invocation; empty otherwise
 * @param explanation a human-readable account of the verdict
 */
public record CheckResult(Verdict verdict, String key, List<Operation> witness, String explanation) {

    public CheckResult {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(explanation, "explanation");
        witness = List.copyOf(Objects.requireNonNull(witness, "witness"));
        if (verdict == Verdict.NOT_LINEARIZABLE && (key == null || witness.isEmpty())) {
            throw new IllegalArgumentException("a NOT_LINEARIZABLE result must name its key and a witness");
        }
    }

    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    /** The verdict, explanation and witness, one operation per line: ready for a failure message. */
    public String report() {
        StringBuilder out = new StringBuilder(verdict.name()).append(": ").append(explanation);
        for (Operation op : witness) {
            out.append(System.lineSeparator()).append("  ").append(op);
        }
        return out.toString();
    }
}
