package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Lowe's memo, extended with dominance for optional operations: the configurations (linearized operations,
 * model value) already explored. Once a configuration has been explored, any configuration reached later is
 * pruned if it has the same acknowledged operations linearized, the same value, and at least the same UNKNOWN
 * operations linearized: it offers a subset of the same futures (an UNKNOWN operation left out can always be
 * left out for good), so it cannot succeed where the explored one failed, and if the explored one is still
 * in progress on the search stack, that one will find any success. With no UNKNOWN operations this is exactly
 * Lowe's equality memo.
 *
 * <p>An open-addressing table keyed by an incrementally maintained Zobrist hash of the acknowledged set and the
 * value, so a lookup costs O(1) plus full comparisons only on a hash match; bitsets are copied (compressed)
 * only when a configuration is new. Per key, the UNKNOWN sets kept form an antichain (none contains another).
 */
final class ExploredConfigurations {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int INITIAL_CAPACITY = 1024;

    private long[] hashes = new long[INITIAL_CAPACITY];
    private Object[] values = new Object[INITIAL_CAPACITY];
    /**
     * The acknowledged set of slot i, compressed: knownFullWords[i] leading words that are all ones (the search
     * linearizes roughly in time order, so long histories have long full prefixes), then knownSets[i] holds the
     * remaining words up to the last non-zero one. Invariant: knownSets[i] == null exactly when slot i is empty.
     */
    private long[][] knownSets = new long[INITIAL_CAPACITY][];
    private int[] knownFullWords = new int[INITIAL_CAPACITY];
    /** Non-empty antichain of UNKNOWN sets explored with the slot's acknowledged set and value. */
    private List<List<long[]>> unknownSets = new ArrayList<>(Collections.nCopies(INITIAL_CAPACITY,
            (List<long[]>) null));
    private int size;

    /**
     * Records the configuration unless an explored one dominates it.
     *
     * @param knownHash the Zobrist hash of {@code known}
     * @param known     the linearized acknowledged operations; copied if stored
     * @param unknown   the linearized UNKNOWN operations; copied if stored
     * @param value     the model state
     * @return true if the configuration is new and must be explored
     */
    boolean add(long knownHash, long[] known, long[] unknown, Object value) {
        long hash = mix(knownHash ^ (Objects.hashCode(value) * GOLDEN));
        int fullWords = 0;
        while (fullWords < known.length && known[fullWords] == -1L) {
            fullWords++;
        }
        int end = known.length;
        while (end > fullWords && known[end - 1] == 0) {
            end--;
        }
        int mask = knownSets.length - 1;
        for (int slot = (int) hash & mask; ; slot = (slot + 1) & mask) {
            if (knownSets[slot] == null) {
                hashes[slot] = hash;
                values[slot] = value;
                knownFullWords[slot] = fullWords;
                knownSets[slot] = Arrays.copyOfRange(known, fullWords, end);
                List<long[]> explored = new ArrayList<>(1);
                explored.add(unknown.clone());
                unknownSets.set(slot, explored);
                if (++size * 2 > knownSets.length) {
                    grow();
                }
                return true;
            }
            if (hashes[slot] == hash && knownFullWords[slot] == fullWords && Objects.equals(values[slot], value)
                    && Arrays.equals(knownSets[slot], 0, knownSets[slot].length, known, fullWords, end)) {
                return addUnlessDominated(unknownSets.get(slot), unknown);
            }
        }
    }

    int size() {
        return size;
    }

    private static boolean addUnlessDominated(List<long[]> explored, long[] unknown) {
        for (long[] earlier : explored) {
            if (isSubset(earlier, unknown)) {
                return false;
            }
        }
        explored.removeIf(earlier -> isSubset(unknown, earlier));
        explored.add(unknown.clone());
        return true;
    }

    private static boolean isSubset(long[] small, long[] large) {
        for (int i = 0; i < small.length; i++) {
            if ((small[i] & ~large[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    private void grow() {
        long[] oldHashes = hashes;
        Object[] oldValues = values;
        long[][] oldKnownSets = knownSets;
        int[] oldKnownFullWords = knownFullWords;
        List<List<long[]>> oldUnknownSets = unknownSets;
        int capacity = oldKnownSets.length * 2;
        hashes = new long[capacity];
        values = new Object[capacity];
        knownSets = new long[capacity][];
        knownFullWords = new int[capacity];
        unknownSets = new ArrayList<>(Collections.nCopies(capacity, (List<long[]>) null));
        int mask = capacity - 1;
        for (int i = 0; i < oldKnownSets.length; i++) {
            if (oldKnownSets[i] == null) {
                continue;
            }
            int slot = (int) oldHashes[i] & mask;
            while (knownSets[slot] != null) {
                slot = (slot + 1) & mask;
            }
            hashes[slot] = oldHashes[i];
            values[slot] = oldValues[i];
            knownSets[slot] = oldKnownSets[i];
            knownFullWords[slot] = oldKnownFullWords[i];
            unknownSets.set(slot, oldUnknownSets.get(i));
        }
    }

    /** Spreads the bits so that the low bits used as the slot index depend on all of them (Stafford mix 13). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
