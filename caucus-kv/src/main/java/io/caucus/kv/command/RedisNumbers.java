package io.caucus.kv.command;

import java.nio.charset.StandardCharsets;

/** Placeholder: replaced by the full implementation. */
public final class RedisNumbers {
    private RedisNumbers() {
    }

    public static long parseLong(byte[] text) {
        String s = new String(text, StandardCharsets.US_ASCII);
        long value = Long.parseLong(s);
        if (!Long.toString(value).equals(s)) {
            throw new NumberFormatException("not canonical: " + s);
        }
        return value;
    }

    public static double parseDouble(byte[] text) {
        double value = Double.parseDouble(new String(text, StandardCharsets.US_ASCII));
        if (Double.isNaN(value)) {
            throw new NumberFormatException("NaN");
        }
        return value;
    }

    public static String formatDouble(double value) {
        return Double.toString(value);
    }

    public static java.math.BigDecimal parseLongDouble(byte[] text) {
        return new java.math.BigDecimal(new String(text, StandardCharsets.US_ASCII));
    }

    public static java.math.BigDecimal addLongDouble(java.math.BigDecimal a, java.math.BigDecimal b) {
        return a.add(b);
    }

    public static String formatLongDouble(java.math.BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }
}
