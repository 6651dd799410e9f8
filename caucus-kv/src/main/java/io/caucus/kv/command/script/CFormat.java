package io.caucus.kv.command.script;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * C's printf conversions as glibc prints them, for Lua's {@code string.format} and {@code tostring} (Lua 5.1
 * prints numbers with {@code %.14g}; luaj prints them its own way). Exact: a double is converted from its exact
 * binary value, rounded half to even, as glibc does.
 */
final class CFormat {

    private CFormat() {
    }

    /** One parsed conversion: flags, width, precision (-1: none) and the conversion letter. */
    record Spec(boolean left, boolean plus, boolean space, boolean alternate, boolean zero, int width,
                int precision, char conversion) {
    }

    /** Lua 5.1's number to string: {@code %.14g}. */
    static String number(double value) {
        return floating(new Spec(false, false, false, false, false, 0, 14, 'g'), value);
    }

    /** A double by {@code %e}, {@code %E}, {@code %f}, {@code %F}, {@code %g} or {@code %G}. */
    static String floating(Spec spec, double value) {
        char conversion = spec.conversion();
        boolean upper = Character.isUpperCase(conversion);
        boolean negative = value < 0 || (value == 0 && Double.doubleToRawLongBits(value) < 0);
        String body;
        if (Double.isNaN(value)) {
            negative = false; // a NaN's sign bit is not something replicas agree on: never shown
            body = upper ? "NAN" : "nan";
        } else if (Double.isInfinite(value)) {
            body = upper ? "INF" : "inf";
        } else {
            int precision = spec.precision() < 0 ? 6 : spec.precision();
            BigDecimal magnitude = new BigDecimal(Math.abs(value));
            body = switch (Character.toLowerCase(conversion)) {
                case 'f' -> fixed(magnitude, precision, spec.alternate());
                case 'e' -> scientific(magnitude, precision, spec.alternate(), upper);
                default -> general(magnitude, precision, spec.alternate(), upper);
            };
        }
        String sign = negative ? "-" : spec.plus() ? "+" : spec.space() ? " " : "";
        boolean finite = !Double.isNaN(value) && !Double.isInfinite(value);
        return pad(spec, sign, body, spec.zero() && finite);
    }

    private static String fixed(BigDecimal magnitude, int precision, boolean alternate) {
        String text = magnitude.setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
        return alternate && precision == 0 ? text + "." : text;
    }

    private static String scientific(BigDecimal magnitude, int precision, boolean alternate, boolean upper) {
        String digits;
        int exponent;
        if (magnitude.signum() == 0) {
            digits = "0".repeat(precision + 1);
            exponent = 0;
        } else {
            BigDecimal rounded = magnitude.round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            exponent = rounded.precision() - rounded.scale() - 1;
            digits = rounded.unscaledValue().toString();
            if (digits.length() < precision + 1) {
                digits = digits + "0".repeat(precision + 1 - digits.length());
            } else if (digits.length() > precision + 1) {
                digits = digits.substring(0, precision + 1); // trailing zeros of the unscaled value
            }
        }
        StringBuilder out = new StringBuilder(precision + 8);
        out.append(digits.charAt(0));
        if (precision > 0 || alternate) {
            out.append('.');
        }
        out.append(digits, 1, digits.length());
        out.append(upper ? 'E' : 'e').append(exponent < 0 ? '-' : '+');
        int abs = Math.abs(exponent);
        if (abs < 10) {
            out.append('0');
        }
        return out.append(abs).toString();
    }

    private static String general(BigDecimal magnitude, int precision, boolean alternate, boolean upper) {
        int significant = precision == 0 ? 1 : precision;
        int exponent;
        if (magnitude.signum() == 0) {
            exponent = 0;
        } else {
            BigDecimal rounded = magnitude.round(new MathContext(significant, RoundingMode.HALF_EVEN));
            exponent = rounded.precision() - rounded.scale() - 1;
        }
        String text = exponent < significant && exponent >= -4
                ? fixed(magnitude, significant - 1 - exponent, alternate)
                : scientific(magnitude, significant - 1, alternate, upper);
        if (alternate) {
            return text;
        }
        int e = text.indexOf(upper ? 'E' : 'e');
        String mantissa = e < 0 ? text : text.substring(0, e);
        String rest = e < 0 ? "" : text.substring(e);
        if (mantissa.indexOf('.') >= 0) {
            int end = mantissa.length();
            while (mantissa.charAt(end - 1) == '0') {
                end--;
            }
            if (mantissa.charAt(end - 1) == '.') {
                end--;
            }
            mantissa = mantissa.substring(0, end);
        }
        return mantissa + rest;
    }

    /** An integer by {@code %d}, {@code %i}, {@code %u}, {@code %o}, {@code %x} or {@code %X} (C's long). */
    static String integer(Spec spec, long value) {
        char conversion = spec.conversion();
        String digits;
        String sign = "";
        String prefix = "";
        switch (conversion) {
            case 'd', 'i' -> {
                digits = value < 0 ? BigInteger.valueOf(value).negate().toString() : Long.toString(value);
                sign = value < 0 ? "-" : spec.plus() ? "+" : spec.space() ? " " : "";
            }
            case 'u' -> digits = Long.toUnsignedString(value);
            case 'o' -> {
                digits = Long.toOctalString(value);
                if (spec.alternate() && !digits.startsWith("0")) {
                    digits = "0" + digits;
                }
            }
            default -> {
                digits = Long.toHexString(value);
                if (conversion == 'X') {
                    digits = digits.toUpperCase(java.util.Locale.ROOT);
                }
                if (spec.alternate() && value != 0) {
                    prefix = conversion == 'X' ? "0X" : "0x";
                }
            }
        }
        if (spec.precision() >= 0) {
            if (spec.precision() == 0 && value == 0) {
                digits = conversion == 'o' && spec.alternate() ? "0" : "";
            } else if (digits.length() < spec.precision()) {
                digits = "0".repeat(spec.precision() - digits.length()) + digits;
            }
        }
        return pad(spec, sign + prefix, digits, spec.zero() && spec.precision() < 0);
    }

    /** Width padding: spaces on the left (or right with {@code -}), or zeros after the sign. */
    static String pad(Spec spec, String sign, String body, boolean zeroPad) {
        int length = sign.length() + body.length();
        if (length >= spec.width()) {
            return sign + body;
        }
        String fill;
        if (spec.left()) {
            return sign + body + " ".repeat(spec.width() - length);
        }
        if (zeroPad) {
            fill = "0".repeat(spec.width() - length);
            return sign + fill + body;
        }
        return " ".repeat(spec.width() - length) + sign + body;
    }
}
