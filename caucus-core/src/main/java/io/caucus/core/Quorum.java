package io.caucus.core;

import java.util.Arrays;
import java.util.Set;
import java.util.function.ToLongFunction;

/** Majority arithmetic over one voter set. Tiny pure functions, tested by properties. */
public final class Quorum {

    private Quorum() {
    }

    /** The number of voters that make a majority of {@code size}: more than half. */
    public static int majority(int size) {
        return size / 2 + 1;
    }

    /** True if more than half of {@code voters} are in {@code granted}. */
    public static boolean isMajority(Set<NodeId> voters, Set<NodeId> granted) {
        int count = 0;
        for (NodeId voter : voters) {
            if (granted.contains(voter)) {
                count++;
            }
        }
        return count >= majority(voters.size());
    }

    /** True if so many of {@code voters} refused that a majority can no longer be reached. */
    public static boolean isLost(Set<NodeId> voters, Set<NodeId> refused) {
        int count = 0;
        for (NodeId voter : voters) {
            if (refused.contains(voter)) {
                count++;
            }
        }
        return voters.size() - count < majority(voters.size());
    }

    /**
     * The largest index that a majority of {@code voters} has reached: sort the match indexes in descending
     * order and take the one at position majority-1.
     */
    public static long majorityIndex(Set<NodeId> voters, ToLongFunction<NodeId> matchIndex) {
        long[] matches = new long[voters.size()];
        int i = 0;
        for (NodeId voter : voters) {
            matches[i++] = matchIndex.applyAsLong(voter);
        }
        Arrays.sort(matches);
        return matches[matches.length - majority(matches.length)];
    }
}
