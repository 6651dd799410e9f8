package io.caucus.kv.state;

import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The value of a Redis sorted set: members by name (for ZSCORE, ZSCAN) and in (score, member) order, members
 * of equal score ordered by their bytes as Redis's memcmp does. Ranks are counted by walking the ordered set
 * from its nearer end, O(min(rank, size - rank)) where Redis's skip list is O(log n).
 *
 * <p>Scores are never NaN, and a score of -0 is kept as 0: Redis 7.0 stores small sorted sets (listpack) with
 * integral scores as integers, so -0 comes back as 0 there; it keeps -0 only in a set already large enough
 * to be a skip list, a history Caucus does not track.
 */
public final class ZSetValue {

    /** One member and its score. Immutable: a new score is a new node. */
    public record Node(byte[] member, double score) {
    }

    /**
     * Redis's order: by score as C compares doubles (so -0 and 0 are equal, unlike {@link Double#compare}), then by
     * the member's bytes, unsigned.
     */
    public static final Comparator<Node> ORDER = (a, b) -> {
        if (a.score() < b.score()) {
            return -1;
        }
        if (a.score() > b.score()) {
            return 1;
        }
        return Arrays.compareUnsigned(a.member(), b.member());
    };

    private final Dict<Node> byMember = new Dict<>();
    private final TreeSet<Node> byScore = new TreeSet<>(ORDER);

    public int size() {
        return byMember.size();
    }

    public boolean isEmpty() {
        return byMember.isEmpty();
    }

    /** The member's score, or null if it is not a member. */
    public Double score(byte[] member) {
        Node node = byMember.get(member);
        return node == null ? null : node.score();
    }

    /** Sets the member's score (-0 is kept as 0, see the class comment); true if the member is new. */
    public boolean put(byte[] member, double score) {
        if (Double.isNaN(score)) {
            throw new IllegalArgumentException("a sorted set score cannot be NaN");
        }
        Dict.Entry<Node> entry = byMember.entry(member);
        Node node = new Node(entry == null ? member : entry.key(), score + 0.0); // -0 + 0 is 0
        if (entry == null) {
            byMember.put(member, node);
            byScore.add(node);
            return true;
        }
        byScore.remove(entry.value());
        entry.value(node);
        byScore.add(node);
        return false;
    }

    /** Removes the member; true if it was one. */
    public boolean remove(byte[] member) {
        Dict.Entry<Node> entry = byMember.remove(member);
        if (entry == null) {
            return false;
        }
        byScore.remove(entry.value());
        return true;
    }

    /**
     * The member's 0-based rank in ascending order, or -1 if it is not a member. Walks from both ends at once, so
     * members near either end (ZRANK and ZREVRANK of a leaderboard's top) are found quickly.
     */
    public long rank(byte[] member) {
        Node node = byMember.get(member);
        if (node == null) {
            return -1;
        }
        Iterator<Node> up = byScore.iterator();
        Iterator<Node> down = byScore.descendingIterator();
        for (int steps = 0; ; steps++) {
            if (up.next() == node) {
                return steps;
            }
            if (down.next() == node) {
                return size() - 1L - steps;
            }
        }
    }

    /**
     * The nodes from the one at 0-based {@code rank} onwards, ascending, or from the one at {@code rank} counted
     * from the top downwards when {@code descending}. Starts its walk from the nearer end.
     */
    public Iterator<Node> fromRank(int rank, boolean descending) {
        if (rank < 0 || rank >= size()) {
            return Collections.emptyIterator();
        }
        int ascendingRank = descending ? size() - 1 - rank : rank;
        Node start = nodeAtAscendingRank(ascendingRank);
        return descending ? byScore.headSet(start, true).descendingIterator()
                : byScore.tailSet(start, true).iterator();
    }

    private Node nodeAtAscendingRank(int rank) {
        boolean fromTop = rank >= size() / 2;
        Iterator<Node> walk = fromTop ? byScore.descendingIterator() : byScore.iterator();
        int steps = fromTop ? size() - 1 - rank : rank;
        for (int i = 0; i < steps; i++) {
            walk.next();
        }
        return walk.next();
    }

    /**
     * The nodes whose score is within the bounds (each inclusive, or exclusive when its flag is set), ascending;
     * empty when the bounds leave no room. A view: it is only valid until the set changes.
     */
    public NavigableSet<Node> scoreRange(double min, boolean minExclusive, double max, boolean maxExclusive) {
        if (min > max || min == max && (minExclusive || maxExclusive)
                || minExclusive && min == Double.POSITIVE_INFINITY
                || maxExclusive && max == Double.NEGATIVE_INFINITY) {
            return Collections.emptyNavigableSet();
        }
        // A node of score s with any member sorts at or after (s, empty member), so the bounds become nodes:
        // score > m is score >= nextUp(m) as doubles have no value between.
        Node from = new Node(new byte[0], minExclusive ? Math.nextUp(min) : min);
        if (!maxExclusive && max == Double.POSITIVE_INFINITY) {
            return byScore.tailSet(from, true);
        }
        Node to = new Node(new byte[0], maxExclusive ? max : Math.nextUp(max));
        if (ORDER.compare(from, to) >= 0) {
            return Collections.emptyNavigableSet();
        }
        return byScore.subSet(from, true, to, false);
    }

    /** Ascending (score, member) order. */
    public NavigableSet<Node> ascending() {
        return byScore;
    }

    public Iterator<Node> descendingIterator() {
        return byScore.descendingIterator();
    }

    /** The members table, for ZSCAN and random picks. */
    public Dict<Node> members() {
        return byMember;
    }

    public ZSetValue copyOf() {
        ZSetValue copy = new ZSetValue();
        for (Node node : byScore) {
            copy.byMember.put(node.member(), node);
            copy.byScore.add(node);
        }
        return copy;
    }
}
