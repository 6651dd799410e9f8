package io.caucus.kv.command;

/** Placeholder: replaced by the full implementation. */
public final class GlobPattern {
    private GlobPattern() {
    }

    public static boolean matches(byte[] pattern, byte[] subject) {
        return pattern.length == 1 && pattern[0] == '*' || java.util.Arrays.equals(pattern, subject);
    }
}
