package io.caucus.kv.command;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Reading command arguments as Redis does, with Redis's exact error replies. */
public final class Arguments {

    private Arguments() {
    }

    /** The argument as a 64-bit integer; {@code ERR value is not an integer or out of range} otherwise. */
    public static long integer(byte[] arg) {
        try {
            return RedisNumbers.parseLong(arg);
        } catch (NumberFormatException e) {
            throw CommandException.notInteger();
        }
    }

    /** The argument as a double (inf allowed, NaN not); {@code ERR value is not a valid float} otherwise. */
    public static double number(byte[] arg) {
        try {
            return RedisNumbers.parseDouble(arg);
        } catch (NumberFormatException e) {
            throw CommandException.notFloat();
        }
    }

    /** True if the argument is {@code keyword}, ignoring ASCII case. */
    public static boolean is(byte[] arg, String keyword) {
        if (arg.length != keyword.length()) {
            return false;
        }
        for (int i = 0; i < arg.length; i++) {
            if (Character.toUpperCase((char) (arg[i] & 0xFF)) != Character.toUpperCase(keyword.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The argument in upper case (for a switch over keywords). */
    public static String upper(byte[] arg) {
        return new String(arg, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
    }

    public static String text(byte[] arg) {
        return new String(arg, StandardCharsets.UTF_8);
    }

    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] bytes(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
