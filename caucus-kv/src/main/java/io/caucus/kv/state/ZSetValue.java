package io.caucus.kv.state;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The value of a Redis sorted set: members by name (for ZSCORE, ZSCAN) and in (score, member) order, members
 * of equal score ordered by their bytes as Redis's memcmp does. Ranks are counted by walking the ordered set,
 * O(rank) where Redis's skip list is O(log n).
 */
public final class ZSetValue {

    /** One member and its score. Immutable: a new score is a new node. */
    public record Node(byte[] member, double score) {
    }

    public static final Comparator<Node> ORDER = (a, b) -> {
        int byScore = Double.compare(a.score(), b.score());
        return byScore != 0 ? byScore : Arrays.compareUnsigned(a.member(), b.member());
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

    /** Sets the member's score; true if the member is new. */
    public boolean put(byte[] member, double score) {
        Dict.Entry<Node> entry = byMember.entry(member);
        Node node = new Node(entry == null ? member : entry.key(), score);
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

    /** The member's 0-based rank in ascending order, or -1 if it is not a member. */
    public long rank(byte[] member) {
        Node node = byMember.get(member);
        return node == null ? -1 : byScore.headSet(node, false).size();
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
