package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The expected matches were read off {@code KEYS pattern} on redis-server 7.0.15 holding exactly the subjects
 * listed (the strings stand for their ISO-8859-1 bytes, so the character U+00FF is the byte 0xff). A random
 * differential run (20,000 patterns over a 16-byte alphabet against 400 keys) agreed everywhere too.
 */
class GlobPatternTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final List<String> KEYS = List.of("", "a", "b", "c", "ab", "abc", "[", "]", "^", "-", "\\", "*",
            "?", "z", "A", "ba", "aXb", "\u00ff", "\u0080", "\0");

    /** What KEYS would list: {@code *} alone is "no filter", anything else goes through the matcher. */
    private static List<String> keys(String pattern, List<String> subjects) {
        List<String> matched = new ArrayList<>();
        for (String subject : subjects) {
            if (GlobPattern.matchesEverything(b(pattern)) || GlobPattern.matches(b(pattern), b(subject))) {
                matched.add(subject);
            }
        }
        return matched;
    }

    private static List<String> keys(String pattern) {
        return keys(pattern, KEYS);
    }

    @Test
    void wildcards() {
        assertThat(keys("*")).containsExactlyElementsOf(KEYS);
        // "**" is not the shortcut, and no pattern but "" matches the empty key.
        assertThat(keys("**")).containsExactlyElementsOf(KEYS.subList(1, KEYS.size()));
        assertThat(keys("?")).containsExactly("a", "b", "c", "[", "]", "^", "-", "\\", "*", "?", "z", "A", "\u00ff",
                "\u0080", "\0");
        assertThat(keys("a*b")).containsExactly("ab", "aXb");
        assertThat(keys("a*")).containsExactly("a", "ab", "abc", "aXb");
        assertThat(keys("*b*")).containsExactly("b", "ab", "abc", "ba", "aXb");
        assertThat(keys("?b")).containsExactly("ab");
        assertThat(keys("")).containsExactly("");
        assertThat(GlobPattern.matches(b("*"), b(""))).isFalse();
        assertThat(GlobPattern.matchesEverything(b("**"))).isFalse();
    }

    @Test
    void escapes() {
        assertThat(keys("\\*")).containsExactly("*");
        assertThat(keys("\\?")).containsExactly("?");
        assertThat(keys("\\a")).containsExactly("a");
        // A trailing lone backslash is a literal backslash.
        assertThat(keys("\\")).containsExactly("\\");
        assertThat(keys("*\\")).containsExactly("\\");
        assertThat(keys("a\\")).isEmpty();
        assertThat(GlobPattern.matches(b("a\\"), b("a\\"))).isTrue();
    }

    @Test
    void sets() {
        assertThat(keys("[abc]")).containsExactly("a", "b", "c");
        assertThat(keys("[^abc]")).containsExactly("[", "]", "^", "-", "\\", "*", "?", "z", "A", "\u00ff", "\u0080",
                "\0");
        assertThat(keys("[a-c]")).containsExactly("a", "b", "c");
        assertThat(keys("[z-a]")).containsExactly("a", "b", "c", "z");
        assertThat(keys("[!a]")).containsExactly("a"); // no "!" negation
        assertThat(keys("[*]")).containsExactly("*");
        assertThat(keys("[[]")).containsExactly("[");
        assertThat(keys("[\\]]")).containsExactly("]");
        assertThat(keys("[\\\\]")).containsExactly("\\");
        assertThat(keys("[\\-]")).containsExactly("-");
        assertThat(keys("[-a]")).containsExactly("a", "-");
        assertThat(keys("[^-]")).containsExactly("a", "b", "c", "[", "]", "^", "\\", "*", "?", "z", "A", "\u00ff",
                "\u0080", "\0");
        // "]" right after "[" closes an empty set.
        assertThat(keys("[]")).isEmpty();
        assertThat(keys("[]]")).isEmpty();
        assertThat(keys("[^]")).isEqualTo(keys("?"));
    }

    @Test
    void rangeEndPoints() {
        List<String> subjects =
                List.of("a", "b", "[", "]", "^", "-", "\\", "_", "`", "ab", "a]", "b]", "[]", "ba", "a-");
        // "\" can end a range; an escaped byte cannot start one.
        assertThat(keys("[a-\\]", subjects)).containsExactly("a", "]", "^", "\\", "_", "`");
        assertThat(keys("[\\]-a]", subjects)).containsExactly("a", "]", "-");
        assertThat(keys("[a-]]", subjects)).containsExactly("a", "]", "^", "_", "`");
        assertThat(keys("[]-a]", subjects)).isEmpty();
        assertThat(keys("[]a]", subjects)).isEmpty();
        assertThat(keys("[a]]", subjects)).containsExactly("a]");
        assertThat(keys("[^]]", subjects)).containsExactly("a]", "b]", "[]");
        assertThat(keys("?]", subjects)).containsExactly("a]", "b]", "[]");
        assertThat(keys("[[]]", subjects)).containsExactly("[]");
        assertThat(keys("a[]", subjects)).isEmpty();
        assertThat(keys("[^\\]", subjects)).containsExactly("a", "b", "[", "^", "-", "\\", "_", "`");
    }

    @Test
    void unclosedSets() {
        assertThat(keys("[")).isEmpty();
        assertThat(keys("*[")).isEmpty();
        assertThat(keys("[^")).isEqualTo(keys("?"));
        assertThat(keys("[abc")).containsExactly("a", "b", "c");
        assertThat(keys("[^abc")).isEqualTo(keys("[^abc]"));
        assertThat(keys("[a-c")).containsExactly("a", "b", "c");
        assertThat(keys("[a-")).containsExactly("a", "-");
        assertThat(keys("[a-]")).containsExactly("a", "]", "^"); // the range a-] is the whole set
        assertThat(keys("a[^")).containsExactly("ab");
        List<String> subjects = List.of("a", "b", "[", "]", "^", "-", "\\", "_", "`");
        assertThat(keys("[\\", subjects)).containsExactly("\\");
        assertThat(keys("[a\\", subjects)).containsExactly("a", "\\");
        assertThat(keys("[^\\", subjects)).containsExactly("a", "b", "[", "]", "^", "-", "_", "`");
    }

    @Test
    void rangesCompareSignedBytes() {
        // C's char is signed on x86-64: 0xff is -1 and 0x80 is -128.
        assertThat(keys("[a-\u00ff]")).containsExactly("a", "[", "]", "^", "-", "\\", "*", "?", "A", "\u00ff", "\0");
        assertThat(keys("[\u0080-a]")).containsExactly("a", "[", "]", "^", "-", "\\", "*", "?", "A", "\u00ff",
                "\u0080", "\0");
        assertThat(keys("[\u00ff-\u0080]")).containsExactly("\u00ff", "\u0080");
        assertThat(keys("[\0-\u0001]")).containsExactly("\0");
        assertThat(keys("\0")).containsExactly("\0");
        assertThat(keys("[^\0]")).isEqualTo(keys("?").subList(0, keys("?").size() - 1));
    }

    private static String repeat(String unit, int times) {
        return unit.repeat(times);
    }

    @Test
    void redisGivesUpBeyondAThousandNestedStars() {
        byte[] subject = b("a".repeat(1001));
        assertThat(GlobPattern.matches(b(repeat("*a", 1000)), subject)).isTrue();
        assertThat(GlobPattern.matches(b(repeat("*a", 1001)), subject)).isFalse();
        assertThat(GlobPattern.matches(b(repeat("a*", 1001)), subject)).isTrue(); // the last star is free
        assertThat(GlobPattern.matches(b(repeat("a*", 1000) + "a"), subject)).isTrue();
        assertThat(GlobPattern.matches(b(repeat("a*", 1001) + "a"), subject)).isFalse();
        assertThat(GlobPattern.matches(b(repeat("*a", 1000) + "*"), subject)).isTrue();
        assertThat(GlobPattern.matches(b(repeat("*a", 1001) + "*"), subject)).isFalse();
        assertThat(GlobPattern.matches(b(repeat("*?", 1000)), subject)).isTrue();
        assertThat(GlobPattern.matches(b(repeat("*?", 1001)), subject)).isFalse();
        assertThat(GlobPattern.matches(b("a" + repeat("*?", 1000)), subject)).isTrue();
        // Runs of stars count once, stars in sets or escaped not at all.
        assertThat(GlobPattern.matches(b(repeat("***a", 1000)), subject)).isTrue();
        assertThat(GlobPattern.matches(b(repeat("*a[*]\\*", 1000)), b("a**".repeat(1000)))).isTrue();
    }

    @Test
    void pathologicalPatternsStayFast() {
        byte[] subject = b("a".repeat(10_000));
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThat(GlobPattern.matches(b(repeat("a*", 30) + "b"), b("a".repeat(60)))).isFalse();
            assertThat(GlobPattern.matches(b(repeat("*a", 900) + "b"), subject)).isFalse();
            assertThat(GlobPattern.matches(b(repeat("*?", 999) + "*b"), subject)).isFalse();
            assertThat(GlobPattern.matches(b(repeat("*a", 900)), subject)).isTrue();
        });
    }

    @Test
    void agreesWithABacktrackingReferenceOnRandomInput() {
        java.util.Random random = new java.util.Random(11);
        byte[] alphabet = b("ab*?[]^-\\");
        for (int i = 0; i < 200_000; i++) {
            byte[] pattern = new byte[random.nextInt(8)];
            for (int j = 0; j < pattern.length; j++) {
                pattern[j] = alphabet[random.nextInt(alphabet.length)];
            }
            byte[] subject = new byte[random.nextInt(6)];
            for (int j = 0; j < subject.length; j++) {
                subject[j] = alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(GlobPattern.matches(pattern, subject))
                    .as("%s ~ %s", new String(pattern, StandardCharsets.ISO_8859_1),
                            new String(subject, StandardCharsets.ISO_8859_1))
                    .isEqualTo(Reference.matches(pattern, 0, subject, 0));
        }
    }

    /**
     * A plain recursive reading of Redis's algorithm, exponential but simple, without the nesting limit: the
     * check that the linear matcher backtracks correctly. Bytes past the pattern's end read as NUL.
     */
    private static final class Reference {
        static byte at(byte[] pattern, int i) {
            return i < pattern.length ? pattern[i] : 0;
        }

        static boolean matches(byte[] pattern, int p, byte[] subject, int s) {
            int pl = pattern.length;
            int sl = subject.length;
            while (p < pl && s < sl) {
                switch (pattern[p]) {
                    case '*' -> {
                        while (p + 1 < pl && pattern[p + 1] == '*') {
                            p++;
                        }
                        if (p == pl - 1) {
                            return true;
                        }
                        for (; s < sl; s++) {
                            if (matches(pattern, p + 1, subject, s)) {
                                return true;
                            }
                        }
                        return false;
                    }
                    case '?' -> s++;
                    case '[' -> {
                        p++;
                        boolean not = at(pattern, p) == '^';
                        if (not) {
                            p++;
                        }
                        boolean match = false;
                        while (true) {
                            if (at(pattern, p) == '\\' && pl - p >= 2) {
                                p++;
                                match |= pattern[p] == subject[s];
                            } else if (at(pattern, p) == ']') {
                                break;
                            } else if (p == pl) {
                                p--;
                                break;
                            } else if (pl - p >= 3 && pattern[p + 1] == '-') {
                                int lo = Math.min(pattern[p], pattern[p + 2]);
                                int hi = Math.max(pattern[p], pattern[p + 2]);
                                match |= subject[s] >= lo && subject[s] <= hi;
                                p += 2;
                            } else {
                                match |= pattern[p] == subject[s];
                            }
                            p++;
                        }
                        if (match == not) {
                            return false;
                        }
                        s++;
                    }
                    default -> {
                        if (pattern[p] == '\\' && pl - p >= 2) {
                            p++;
                        }
                        if (pattern[p] != subject[s]) {
                            return false;
                        }
                        s++;
                    }
                }
                p++;
                if (s == sl) {
                    while (p < pl && pattern[p] == '*') {
                        p++;
                    }
                    break;
                }
            }
            return p == pl && s == sl;
        }
    }
}
