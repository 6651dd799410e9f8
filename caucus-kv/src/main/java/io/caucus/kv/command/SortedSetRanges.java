package io.caucus.kv.command;

import io.caucus.kv.state.ZSetValue;
import io.caucus.kv.state.ZSetValue.Node;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.NavigableSet;
import java.util.regex.Pattern;

/** The ranges of the sorted set commands: by score (ZRANGEBYSCORE, ZCOUNT...) and by member (ZRANGEBYLEX...). */
final class SortedSetRanges {

    private static final String NOT_A_FLOAT_RANGE = "min or max is not a float";
    private static final String NOT_A_LEX_RANGE = "min or max not valid string range item";

    private SortedSetRanges() {
    }

    /**
     * A ZRANGEBYSCORE-style range: each bound a number (read by C's strtod, see {@link #parseBound}), {@code -inf}
     * or {@code +inf}, exclusive when it starts with "(".
     */
    record ScoreRange(double min, boolean minExclusive, double max, boolean maxExclusive) {

        static ScoreRange parse(byte[] min, byte[] max) {
            boolean minExclusive = min.length > 0 && min[0] == '(';
            boolean maxExclusive = max.length > 0 && max[0] == '(';
            double low = parseBound(min, minExclusive ? 1 : 0);
            double high = parseBound(max, maxExclusive ? 1 : 0);
            if (Double.isNaN(low) || Double.isNaN(high)) {
                throw CommandException.err(NOT_A_FLOAT_RANGE);
            }
            return new ScoreRange(low, minExclusive, high, maxExclusive);
        }

        /** The sorted set's nodes in this range, ascending (a view, valid until the set changes). */
        NavigableSet<Node> in(ZSetValue zset) {
            return zset.scoreRange(min, minExclusive, max, maxExclusive);
        }
    }

    /** C's strtod over a whole string: decimal or hexadecimal, with an optional exponent, or inf, infinity, nan. */
    private static final Pattern STRTOD = Pattern.compile(
            "[+-]?(?:(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                    + "|0[xX](?:[0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
                    + "|(?i:inf|infinity))");

    /**
     * A score bound from {@code text[from..]} as Redis reads it: with C's strtod, which must reach the end of the
     * C string (the first NUL byte). Unlike a score (ZADD's, read by {@link Arguments#number}), a bound may have
     * leading white space, an empty bound is 0, and a bound too large for a double is an infinity. Returns NaN
     * for a refused bound (NaN itself is one).
     */
    static double parseBound(byte[] text, int from) {
        int end = from;
        while (end < text.length && text[end] != 0) {
            end++;
        }
        if (end == from) {
            return 0.0; // strtod reads nothing and stops at the terminating NUL: accepted as 0
        }
        int start = from;
        while (start < end && isCSpace(text[start])) {
            start++;
        }
        String number = new String(text, start, end - start, StandardCharsets.ISO_8859_1);
        if (!STRTOD.matcher(number).matches()) {
            return Double.NaN;
        }
        String unsigned = number.startsWith("-") || number.startsWith("+") ? number.substring(1) : number;
        double magnitude;
        if (Character.isLetter(unsigned.charAt(0))) {
            magnitude = Double.POSITIVE_INFINITY;
        } else if (unsigned.length() > 1 && (unsigned.charAt(1) == 'x' || unsigned.charAt(1) == 'X')) {
            boolean hasExponent = unsigned.indexOf('p') >= 0 || unsigned.indexOf('P') >= 0;
            magnitude = Double.parseDouble(hasExponent ? unsigned : unsigned + "p0"); // Java needs the exponent
        } else {
            magnitude = Double.parseDouble(unsigned); // overflow gives infinity, as strtod does
        }
        return number.startsWith("-") ? -magnitude : magnitude;
    }

    /** C's isspace in the C locale. */
    private static boolean isCSpace(byte b) {
        return b == ' ' || b >= '\t' && b <= '\r';
    }

    // ------------------------------------------------------------------ lexicographic ranges

    /**
     * One bound of a ZRANGEBYLEX-style range: "-" (below every member), "+" (above every member), "[member"
     * (inclusive) or "(member" (exclusive). {@code infinity} is -1 for "-", 1 for "+", else 0.
     */
    record LexBound(byte[] value, boolean exclusive, int infinity) {

        static final LexBound LOWEST = new LexBound(new byte[0], true, -1);
        static final LexBound HIGHEST = new LexBound(new byte[0], true, 1);

        static LexBound parse(byte[] text) {
            if (text.length == 0) {
                throw CommandException.err(NOT_A_LEX_RANGE);
            }
            return switch (text[0]) {
                case '+' -> text.length == 1 ? HIGHEST : invalid();
                case '-' -> text.length == 1 ? LOWEST : invalid();
                case '(' -> new LexBound(Arrays.copyOfRange(text, 1, text.length), true, 0);
                case '[' -> new LexBound(Arrays.copyOfRange(text, 1, text.length), false, 0);
                default -> invalid();
            };
        }

        private static LexBound invalid() {
            throw CommandException.err(NOT_A_LEX_RANGE);
        }

        /** Where {@code member} stands against this bound: negative below it, 0 on it, positive above. */
        int compareMember(byte[] member) {
            return infinity != 0 ? -infinity : Arrays.compareUnsigned(member, value);
        }
    }

    /** A lexicographic range: members compared by their bytes, unsigned (memcmp, then the shorter first). */
    record LexRange(LexBound min, LexBound max) {

        static LexRange parse(byte[] min, byte[] max) {
            return new LexRange(LexBound.parse(min), LexBound.parse(max));
        }

        /** True if no member can be in the range: min above max, or equal with either one exclusive. */
        boolean isEmpty() {
            int order = compareBounds();
            return order > 0 || order == 0 && (min.exclusive() || max.exclusive());
        }

        /** Redis's comparison of the bounds: "-" and "+" are below and above every string, equal to themselves. */
        private int compareBounds() {
            if (min.infinity() != 0 && min.infinity() == max.infinity()) {
                return 0;
            }
            if (min.infinity() < 0 || max.infinity() > 0) {
                return -1;
            }
            if (min.infinity() > 0 || max.infinity() < 0) {
                return 1;
            }
            return Arrays.compareUnsigned(min.value(), max.value());
        }

        boolean aboveMin(byte[] member) {
            int order = min.compareMember(member);
            return min.exclusive() ? order > 0 : order >= 0;
        }

        boolean belowMax(byte[] member) {
            int order = max.compareMember(member);
            return max.exclusive() ? order < 0 : order <= 0;
        }

        /** The first node at or above the minimum, in a set whose nodes all have one score (so member order). */
        Node firstAboveMin(NavigableSet<Node> sameScore) {
            if (min.infinity() < 0) {
                return sameScore.first();
            }
            Node bound = new Node(min.value(), sameScore.first().score());
            return min.exclusive() ? sameScore.higher(bound) : sameScore.ceiling(bound);
        }

        /** The last node at or below the maximum, in a set whose nodes all have one score. */
        Node lastBelowMax(NavigableSet<Node> sameScore) {
            if (max.infinity() > 0) {
                return sameScore.last();
            }
            Node bound = new Node(max.value(), sameScore.first().score());
            return max.exclusive() ? sameScore.lower(bound) : sameScore.floor(bound);
        }
    }
}
