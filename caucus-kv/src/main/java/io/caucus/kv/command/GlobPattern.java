package io.caucus.kv.command;

/**
 * Redis's glob matching, for KEYS and the MATCH option of SCAN, HSCAN, SSCAN and ZSCAN: the results of
 * {@code util.c stringmatchlen} (case-sensitive) in Redis 7.0, byte for byte, quirks included, but without
 * its recursion.
 *
 * <ul>
 *   <li>{@code *} any run of bytes, {@code ?} any one byte, {@code \x} the byte x.</li>
 *   <li>{@code [...]} one byte from a set: single bytes, {@code \x} escapes and ranges {@code a-z}; a
 *       leading {@code ^} negates. A range may be written backwards ({@code [z-a]} is {@code [a-z]}) and
 *       compares bytes as C's signed {@code char} on x86-64, so {@code [a-\xff]} holds {@code \x00}-{@code a}
 *       and {@code \xff} but not {@code b}. An escaped byte cannot start a range ({@code [\]-a]} is the
 *       three bytes {@code ]}, {@code -} and {@code a}), and a {@code \} after the {@code -} ends one
 *       unescaped ({@code [a-\]} is {@code \} to {@code a}). A
 *       {@code ]} right after {@code [} or {@code [^} closes an empty set: {@code []} matches nothing,
 *       {@code [^]} any byte.</li>
 *   <li>An unclosed {@code [} takes the rest of the pattern as its set: {@code [abc} is {@code [abc]},
 *       {@code [^} any byte, a lone {@code [} nothing. A trailing lone {@code \} is a literal {@code \}.</li>
 *   <li>An empty subject matches only the empty pattern, not even {@code *}: KEYS and the SCANs treat the
 *       pattern {@code *} (exactly that) as "no filter" before they call stringmatchlen, which is why
 *       {@code KEYS *} lists the key "" and {@code KEYS **} does not. Callers do the same with
 *       {@link #matchesEverything}.</li>
 *   <li>Redis recurses once per {@code *} and gives up (no match) at a depth above 1000, so a pattern whose
 *       1001st group of consecutive stars is followed by anything matches nothing; a final star costs no
 *       depth.</li>
 * </ul>
 *
 * <p>Matching here backtracks only to the most recent star (as Redis 7's skipLongerMatches effectively
 * does), so it takes O(pattern × subject) time at worst, whatever the pattern.
 */
public final class GlobPattern {

    /** Redis's limit on stringmatchlen's recursion, one level per star group that is not the last byte. */
    static final int MAX_NESTING = 1000;

    private GlobPattern() {
    }

    /** Whether KEYS or a SCAN would skip matching for this pattern: it is exactly {@code *}. */
    public static boolean matchesEverything(byte[] pattern) {
        return pattern.length == 1 && pattern[0] == '*';
    }

    /** Whether {@code subject} matches {@code pattern}, as {@code stringmatchlen(pattern, subject, nocase=0)}. */
    public static boolean matches(byte[] pattern, byte[] subject) {
        int patternLength = pattern.length;
        int subjectLength = subject.length;
        if (subjectLength == 0) {
            return patternLength == 0;
        }
        if (exceedsNesting(pattern)) {
            return false;
        }
        int p = 0;
        int s = 0;
        int starNext = -1; // where the pattern resumes after the last star seen
        int starSubject = 0; // where the subject resumed after it
        while (true) {
            if (s == subjectLength) {
                while (p < patternLength && pattern[p] == '*') {
                    p++;
                }
                return p == patternLength;
            }
            if (p < patternLength && pattern[p] == '*') {
                while (p + 1 < patternLength && pattern[p + 1] == '*') {
                    p++;
                }
                if (p == patternLength - 1) {
                    return true; // a final star takes whatever is left
                }
                starNext = p + 1;
                starSubject = s;
                p = starNext;
                continue;
            }
            int next = p < patternLength ? step(pattern, p, subject[s]) : -1;
            if (next >= 0) {
                p = next;
                s++;
                continue;
            }
            // Mismatch: let the last star take one more byte. Earlier stars need no retry: whatever they could
            // take, the last star can take instead. A star never takes the subject's last byte (the rest of
            // the pattern, which is not a star, needs one), hence the bound.
            if (starNext < 0 || ++starSubject >= subjectLength) {
                return false;
            }
            s = starSubject;
            p = starNext;
        }
    }

    /**
     * Where the pattern continues after the element at {@code p} (not a star) if it matches byte {@code c},
     * or -1. An element's extent never depends on the subject.
     */
    private static int step(byte[] pattern, int p, byte c) {
        switch (pattern[p]) {
            case '?':
                return p + 1;
            case '[':
                long bracket = bracket(pattern, p, c);
                return (bracket & 1) != 0 ? (int) (bracket >>> 1) : -1;
            case '\\':
                if (pattern.length - p >= 2) {
                    p++;
                }
                return pattern[p] == c ? p + 1 : -1;
            default:
                return pattern[p] == c ? p + 1 : -1;
        }
    }

    /**
     * The set starting with the {@code [} at {@code open}: (where the pattern continues) &lt;&lt; 1 | (whether
     * it holds {@code c}). Reading past the pattern's end sees the NUL that ends every Redis string.
     */
    private static long bracket(byte[] pattern, int open, byte c) {
        int length = pattern.length;
        int i = open + 1;
        boolean negated = at(pattern, i) == '^';
        if (negated) {
            i++;
        }
        boolean match = false;
        while (true) {
            byte b = at(pattern, i);
            if (b == '\\' && length - i >= 2) {
                i++;
                match |= pattern[i] == c;
            } else if (b == ']') {
                break;
            } else if (i == length) {
                i--; // unclosed: the set ends with the pattern
                break;
            } else if (length - i >= 3 && pattern[i + 1] == '-') {
                int start = pattern[i]; // signed, as C's char
                int end = pattern[i + 2];
                if (start > end) {
                    int swap = start;
                    start = end;
                    end = swap;
                }
                match |= c >= start && c <= end;
                i += 2;
            } else {
                match |= b == c;
            }
            i++;
        }
        return ((long) (i + 1) << 1) | (match != negated ? 1 : 0);
    }

    private static byte at(byte[] pattern, int i) {
        return i < pattern.length ? pattern[i] : 0;
    }

    /** Whether Redis's recursion would reach depth {@value #MAX_NESTING} + 1, which fails every match. */
    private static boolean exceedsNesting(byte[] pattern) {
        int length = pattern.length;
        if (length <= 2 * MAX_NESTING) {
            return false; // each group but the last needs a star and another element
        }
        int groups = 0;
        int p = 0;
        while (p < length) {
            if (pattern[p] == '*') {
                while (p + 1 < length && pattern[p + 1] == '*') {
                    p++;
                }
                if (p == length - 1) {
                    return false; // the final star does not recurse
                }
                if (++groups > MAX_NESTING) {
                    return true;
                }
                p++;
            } else {
                p = extent(pattern, p);
            }
        }
        return false;
    }

    /** Where the element (not a star) at {@code p} ends. */
    private static int extent(byte[] pattern, int p) {
        return switch (pattern[p]) {
            case '[' -> (int) (bracket(pattern, p, (byte) 0) >>> 1);
            case '\\' -> pattern.length - p >= 2 ? p + 2 : p + 1;
            default -> p + 1;
        };
    }
}
