package io.caucus.sim;

/**
 * A violated invariant (or broken runtime contract) found by the simulator. The message names the seed and
 * cluster size (re-run with {@code -Dcaucus.sim.seed=<seed>} to reproduce it exactly), the invariant, and
 * the trace of the events that led to it.
 */
public final class SimulationFailure extends AssertionError {

    private final long seed;
    private final String invariant;

    public SimulationFailure(long seed, int clusterSize, String invariant, String detail, String trace) {
        this(seed, clusterSize, invariant, detail, trace, "-Dcaucus.sim.seed=" + seed);
    }

    /** As above, with how to reproduce it (a multi-group run names its test and its number of groups). */
    public SimulationFailure(long seed, int clusterSize, String invariant, String detail, String trace,
                             String reproduce) {
        super("Simulation failed: seed=" + seed + " clusterSize=" + clusterSize + " invariant=" + invariant
                + "\n  " + detail
                + "\n  reproduce: " + reproduce
                + "\n--- last events ---\n" + trace);
        this.seed = seed;
        this.invariant = invariant;
    }

    public long seed() {
        return seed;
    }

    public String invariant() {
        return invariant;
    }

    /** The top of {@code e}'s stack, for a failure's detail. */
    static String stackTop(RuntimeException e) {
        StringBuilder out = new StringBuilder();
        StackTraceElement[] stack = e.getStackTrace();
        for (int i = 0; i < Math.min(6, stack.length); i++) {
            out.append("\n      at ").append(stack[i]);
        }
        return out.toString();
    }
}
