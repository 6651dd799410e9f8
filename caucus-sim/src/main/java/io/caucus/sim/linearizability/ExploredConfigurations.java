package io.caucus.sim.linearizability;

import java.util.Arrays;
import java.util.Objects;

/**
 * Lowe's memo: the set of configurations (set of linearized operations, model value) already explored. A
 * configuration reached a second time by a different order leads to the same futures, so it is pruned.
 *
 * <p>An open-addressing table keyed by an incrementally maintained Zobrist hash of the set, so a lookup costs
 * O(1) plus a full comparison only on a hash match; the bitset is copied only when a configuration is new.
 */
final class ExploredConfigurations {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long[] hashes = new long[1024];
    private String[] values = new String[1024];
    /** Invariant: sets[i] == null exactly when slot i is empty. */
    private long[][] sets = new long[1024][];
    private int size;

    /**
     * Adds the configuration unless already present.
     *
     * @param setHash   the Zobrist hash of {@code set}
     * @param value     the model value (null = absent)
     * @param set       the linearized operations as a bitset; copied if added
     * @return true if the configuration was new
     */
    boolean add(long setHash, String value, long[] set) {
        long hash = mix(setHash ^ (Objects.hashCode(value) * GOLDEN));
        int mask = sets.length - 1;
        for (int slot = (int) hash & mask; ; slot = (slot + 1) & mask) {
            if (sets[slot] == null) {
                hashes[slot] = hash;
                values[slot] = value;
                sets[slot] = set.clone();
                if (++size * 2 > sets.length) {
                    grow();
                }
                return true;
            }
            if (hashes[slot] == hash && Objects.equals(values[slot], value) && Arrays.equals(sets[slot], set)) {
                return false;
            }
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldHashes = hashes;
        String[] oldValues = values;
        long[][] oldSets = sets;
        int capacity = oldSets.length * 2;
        hashes = new long[capacity];
        values = new String[capacity];
        sets = new long[capacity][];
        int mask = capacity - 1;
        for (int i = 0; i < oldSets.length; i++) {
            if (oldSets[i] == null) {
                continue;
            }
            int slot = (int) oldHashes[i] & mask;
            while (sets[slot] != null) {
                slot = (slot + 1) & mask;
            }
            hashes[slot] = oldHashes[i];
            values[slot] = oldValues[i];
            sets[slot] = oldSets[i];
        }
    }

    /** Spreads the bits so that the low bits used as the slot index depend on all of them (Stafford mix 13). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
