package io.caucus.kv.command;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Numbers as Redis 7.0 reads and writes them, byte for byte: a client that compares our replies with
 * redis-server's must not see a difference, so nothing here may use Java's own (different) number syntax or
 * formatting.
 *
 * <ul>
 *   <li>Integers: {@link #parseLong} accepts exactly what {@code util.c string2ll} accepts.</li>
 *   <li>Doubles (sorted-set scores): {@link #parseDouble} is {@code util.c string2d} (ZADD, ZINCRBY),
 *       {@link #parseRangeBound} is the bare {@code strtod} of {@code t_zset.c zslParseRange}
 *       (ZRANGEBYSCORE, ZCOUNT, ...), and {@link #formatDouble} is the {@code %.17g} of
 *       {@code networking.c addReplyDouble}.</li>
 *   <li>Long doubles (INCRBYFLOAT, HINCRBYFLOAT): Redis reads these with {@code strtold}, adds them in the
 *       x86-64 80-bit extended format and prints them with {@code %.17Lf}, trailing zeros removed. The visible
 *       digits depend on that binary rounding ({@code SET k 10.6; INCRBYFLOAT k 5000} replies
 *       {@code 5010.60000000000000009}), so rounding decimal values merely to 17 fractional digits is not
 *       enough: {@link #parseLongDouble} and {@link #addLongDouble} round exactly as the x87 format does
 *       (64-bit significand, 15-bit exponent, subnormals, ties to even), and represent the result as the exact
 *       {@link BigDecimal} value of that long double. {@link #formatLongDouble} then rounds that exact value to
 *       17 fractional digits as glibc's printf does. Where Redis runs on another long double (128-bit on
 *       aarch64, plain double on some platforms) its digits differ; we match the x86-64 build.</li>
 * </ul>
 *
 * <p>The C conversions are emulated from their documented behaviour (C17 7.22.1.3, glibc): a correctly
 * rounded conversion of the longest prefix of the form [sign] (decimal | hexadecimal float | inf | infinity |
 * nan[(chars)]), case-insensitive, with overflow to ±HUGE_VAL and underflow to zero reported as ERANGE.
 */
public final class RedisNumbers {

    /** The reply to a malformed or out-of-range integer argument or value. */
    public static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";
    /** The reply to a malformed score or INCRBYFLOAT / HINCRBYFLOAT argument or value. */
    public static final String NOT_A_FLOAT = "ERR value is not a valid float";
    /** The reply to a malformed ZRANGEBYSCORE-style bound. */
    public static final String RANGE_NOT_A_FLOAT = "ERR min or max is not a float";
    /** INCRBYFLOAT / HINCRBYFLOAT whose sum (or an operand) is infinite. */
    public static final String NAN_OR_INFINITY = "ERR increment would produce NaN or Infinity";
    /** HINCRBYFLOAT's reply to an infinite increment, checked before the key's type. */
    public static final String HASH_INCREMENT_NAN_OR_INFINITY = "ERR value is NaN or Infinity";
    /** HINCRBYFLOAT's reply when the field holds something that is not a float. */
    public static final String HASH_VALUE_NOT_A_FLOAT = "ERR hash value is not a float";

    /**
     * {@code server.h MAX_LONG_DOUBLE_CHARS}: string2ld copies its input into a buffer of this size, so
     * anything this long or longer is not a long double.
     */
    static final int MAX_LONG_DOUBLE_CHARS = 5 * 1024;

    /** An IEEE 754 binary format: significand bits (with the leading one), normal exponent range. */
    private record BinaryFormat(int precision, int minExponent, int maxExponent) {
        /** The exponent of the least significant significand bit of the smallest subnormal. */
        int minQuantum() {
            return minExponent - (precision - 1);
        }
    }

    private static final BinaryFormat DOUBLE = new BinaryFormat(53, -1022, 1023);
    /** x87 extended precision, C's {@code long double} on x86-64. */
    private static final BinaryFormat X87 = new BinaryFormat(64, -16382, 16383);

    private RedisNumbers() {
    }

    // ------------------------------------------------------------------------------------------ integers

    /**
     * The 64-bit integer these bytes spell, as {@code util.c string2ll} reads it (every integer argument and
     * INCR-family value): an optional {@code -}, then {@code 0} alone or digits without a leading zero, in
     * range. No {@code +}, no spaces, no {@code -0}.
     *
     * @throws NumberFormatException with message {@link #NOT_AN_INTEGER} otherwise
     */
    public static long parseLong(byte[] bytes) {
        int length = bytes.length;
        if (length == 0 || length > 20) {
            throw new NumberFormatException(NOT_AN_INTEGER);
        }
        if (length == 1 && bytes[0] == '0') {
            return 0;
        }
        boolean negative = bytes[0] == '-';
        int i = negative ? 1 : 0;
        if (i == length || bytes[i] < '1' || bytes[i] > '9') {
            throw new NumberFormatException(NOT_AN_INTEGER);
        }
        // Accumulate negatively: the negative range is the larger one.
        long value = 0;
        for (; i < length; i++) {
            int digit = bytes[i] - '0';
            if (digit < 0 || digit > 9 || value < (Long.MIN_VALUE + digit) / 10) {
                throw new NumberFormatException(NOT_AN_INTEGER);
            }
            value = value * 10 - digit;
        }
        if (!negative) {
            if (value == Long.MIN_VALUE) {
                throw new NumberFormatException(NOT_AN_INTEGER);
            }
            value = -value;
        }
        return value;
    }

    /** Whether {@link #parseLong} accepts these bytes: whether Redis would store them as an integer. */
    public static boolean isLong(byte[] bytes) {
        try {
            parseLong(bytes);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------- doubles

    /**
     * A score as ZADD and ZINCRBY read it ({@code object.c getDoubleFromObject}, {@code util.c string2d}):
     * all of the bytes must be a C floating constant. Accepted: {@code 1}, {@code -1.5}, {@code .5},
     * {@code 5.}, {@code 1e3}, {@code 1E+3}, {@code +2}, {@code 0x10}, {@code 0x1.8p1}, {@code inf},
     * {@code -Infinity} (any case). Rejected: empty, leading or trailing spaces, {@code nan}, anything that
     * overflows to infinity ({@code 1e400}) or underflows to zero ({@code 1e-400}; a subnormal such as
     * {@code 1e-310} is fine, and so is an exact zero such as {@code 0e-400}). {@code -0} is {@code -0.0}.
     *
     * @throws NumberFormatException with message {@link #NOT_A_FLOAT} otherwise
     */
    public static double parseDouble(byte[] bytes) {
        Scan scan = Scan.of(bytes, 0, bytes.length);
        if (scan == null || scan.end != bytes.length || scan.kind == Scan.NAN) {
            throw new NumberFormatException(NOT_A_FLOAT);
        }
        if (scan.kind == Scan.INFINITY) {
            return scan.negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        Rounded rounded = scan.round(DOUBLE);
        if (rounded.overflow() || rounded.underflow()) {
            throw new NumberFormatException(NOT_A_FLOAT);
        }
        return rounded.toDouble();
    }

    /** Whether {@link #parseDouble} accepts these bytes. */
    public static boolean isDouble(byte[] bytes) {
        try {
            parseDouble(bytes);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * A ZRANGEBYSCORE / ZCOUNT / ZREMRANGEBYSCORE / ZRANGE BYSCORE bound from {@code from} on (the caller skips
     * a leading {@code (} and remembers that the bound is exclusive). {@code t_zset.c zslParseRange} calls
     * {@code strtod} itself and only checks that it stopped at the C string's end and did not produce NaN, so
     * it is laxer than {@link #parseDouble}: leading white space is skipped ({@code " 1"}), overflow gives
     * ±infinity ({@code 1e400}), underflow gives zero, an empty bound is 0 (so {@code "("} is "above 0"), and a
     * NUL byte ends the bound.
     *
     * @throws NumberFormatException with message {@link #RANGE_NOT_A_FLOAT} otherwise
     */
    public static double parseRangeBound(byte[] bytes, int from) {
        int end = from;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        int start = from;
        while (start < end && isCSpace(bytes[start])) {
            start++;
        }
        Scan scan = Scan.of(bytes, start, end);
        if (scan == null) {
            // No conversion: strtod leaves its end pointer at the very start, white space included.
            if (from == end) {
                return 0.0;
            }
            throw new NumberFormatException(RANGE_NOT_A_FLOAT);
        }
        if (scan.end != end || scan.kind == Scan.NAN) {
            throw new NumberFormatException(RANGE_NOT_A_FLOAT);
        }
        if (scan.kind == Scan.INFINITY) {
            return scan.negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        Rounded rounded = scan.round(DOUBLE);
        if (rounded.overflow()) {
            return scan.negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return rounded.toDouble();
    }

    /**
     * A double as Redis 7.0 replies it in RESP2 (ZSCORE, ZINCRBY, ZRANGE WITHSCORES, ...):
     * {@code networking.c addReplyDouble} prints C's {@code %.17g} (so {@code 1.1} is
     * {@code 1.1000000000000001}, {@code 3.0} is {@code 3}, {@code 1e20} is {@code 1e+20}, {@code 0.00001} is
     * {@code 1.0000000000000001e-05}, {@code -0.0} is {@code -0}), and {@code inf} / {@code -inf}. NaN, which
     * no score can be, comes out as {@code nan}. (Redis 7.2 switched to the shortest round-trip form; 7.0 did
     * not.)
     */
    public static String formatDouble(double value) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        if (value == 0) {
            return Double.doubleToRawLongBits(value) < 0 ? "-0" : "0";
        }
        // %.17g: 17 significant digits of the exact binary value, rounded as glibc does (to nearest, ties to
        // even); fixed notation when the decimal exponent X of that rounded value is in [-4, 17), scientific
        // otherwise; then trailing zeros (and a bare '.') go.
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(17, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent >= -4 && exponent < 17) {
            return stripFraction(rounded.setScale(Math.max(0, 16 - exponent), RoundingMode.UNNECESSARY)
                    .toPlainString());
        }
        String digits = rounded.unscaledValue().abs().toString();
        StringBuilder out = new StringBuilder(24);
        if (value < 0) {
            out.append('-');
        }
        out.append(digits.charAt(0));
        int last = digits.length();
        while (last > 1 && digits.charAt(last - 1) == '0') {
            last--;
        }
        if (last > 1) {
            out.append('.').append(digits, 1, last);
        }
        out.append('e').append(exponent < 0 ? '-' : '+');
        int magnitude = Math.abs(exponent);
        if (magnitude < 10) {
            out.append('0');
        }
        return out.append(magnitude).toString();
    }

    // -------------------------------------------------------------------------------------- long doubles

    /**
     * An INCRBYFLOAT / HINCRBYFLOAT operand as {@code util.c string2ld} reads it: like {@link #parseDouble}
     * but in the 80-bit format ({@code 1e400} and {@code 1e-4940} are fine, {@code 1e5000} is not) and at most
     * {@value #MAX_LONG_DOUBLE_CHARS} - 1 bytes. The result is the exact value of the long double
     * {@code strtold} returns.
     *
     * <p>string2ld also accepts {@code inf}; since no sum with an infinite operand can succeed, it is reported
     * as an {@link ArithmeticException} instead of a value. Mind the order of the errors when both operands
     * are parsed: {@link #incrByFloat} and {@link #hincrByFloat} get it right.
     *
     * @throws NumberFormatException with message {@link #NOT_A_FLOAT} if string2ld rejects the bytes
     * @throws ArithmeticException   with message {@link #NAN_OR_INFINITY} if they are an infinity
     */
    public static BigDecimal parseLongDouble(byte[] bytes) {
        if (bytes.length == 0 || bytes.length >= MAX_LONG_DOUBLE_CHARS) {
            throw new NumberFormatException(NOT_A_FLOAT);
        }
        Scan scan = Scan.of(bytes, 0, bytes.length);
        if (scan == null || scan.end != bytes.length || scan.kind == Scan.NAN) {
            throw new NumberFormatException(NOT_A_FLOAT);
        }
        if (scan.kind == Scan.INFINITY) {
            throw new ArithmeticException(NAN_OR_INFINITY);
        }
        Rounded rounded = scan.round(X87);
        if (rounded.overflow() || rounded.underflow()) {
            throw new NumberFormatException(NOT_A_FLOAT);
        }
        return rounded.toBigDecimal();
    }

    /**
     * {@code a + b} in the 80-bit format: the exact sum rounded to the nearest long double.
     *
     * @throws ArithmeticException with message {@link #NAN_OR_INFINITY} if it overflows
     */
    public static BigDecimal addLongDouble(BigDecimal a, BigDecimal b) {
        BigDecimal sum = a.add(b);
        if (sum.signum() == 0) {
            return BigDecimal.ZERO;
        }
        Rounded rounded = Scan.ofDecimal(sum).round(X87);
        if (rounded.overflow()) {
            throw new ArithmeticException(NAN_OR_INFINITY);
        }
        return rounded.toBigDecimal();
    }

    /**
     * A long double as INCRBYFLOAT and HINCRBYFLOAT store and reply it: {@code util.c ld2string} in
     * {@code LD_STR_HUMAN} mode, that is {@code %.17Lf} (exact value rounded half-even to 17 fractional
     * digits), then trailing zeros and a bare {@code .} removed, and {@code -0} turned into {@code 0}. Large
     * values are written out in full: 1e300 gives 301 digits. Pass a value from {@link #parseLongDouble} or
     * {@link #addLongDouble}; any other {@code BigDecimal} is printed as if it were a long double.
     */
    public static String formatLongDouble(BigDecimal value) {
        String text = stripFraction(value.setScale(17, RoundingMode.HALF_EVEN).toPlainString());
        return text.equals("-0") ? "0" : text;
    }

    /**
     * INCRBYFLOAT's new value for a key that holds {@code current} ({@code null} when the key is missing),
     * with {@code t_string.c incrbyfloatCommand}'s checks in its order: both operands must be floats
     * ({@link #NOT_A_FLOAT}, the value first), then the sum must be finite ({@link #NAN_OR_INFINITY}; an
     * infinite operand counts as an infinite sum).
     *
     * @throws NumberFormatException or ArithmeticException with the error reply as message
     */
    public static String incrByFloat(byte[] current, byte[] increment) {
        boolean infinite = false;
        BigDecimal value = BigDecimal.ZERO;
        if (current != null) {
            try {
                value = parseLongDouble(current);
            } catch (ArithmeticException e) {
                infinite = true;
            }
        }
        BigDecimal incr = parseLongDouble(increment);
        if (infinite) {
            throw new ArithmeticException(NAN_OR_INFINITY);
        }
        return formatLongDouble(addLongDouble(value, incr));
    }

    /**
     * HINCRBYFLOAT's new value for a field that holds {@code current} ({@code null} when the field or the key
     * is missing). {@code t_hash.c hincrbyfloatCommand} checks the increment first ({@link #NOT_A_FLOAT}, then
     * {@link #HASH_INCREMENT_NAN_OR_INFINITY}), then the key's type, then the field
     * ({@link #HASH_VALUE_NOT_A_FLOAT}), then the sum ({@link #NAN_OR_INFINITY}). A caller that must answer
     * WRONGTYPE therefore calls {@link #checkHashIncrement} before the type check.
     *
     * @throws NumberFormatException or ArithmeticException with the error reply as message
     */
    public static String hincrByFloat(byte[] current, byte[] increment) {
        BigDecimal incr = checkHashIncrement(increment);
        BigDecimal value = BigDecimal.ZERO;
        if (current != null) {
            try {
                value = parseLongDouble(current);
            } catch (NumberFormatException e) {
                throw new NumberFormatException(HASH_VALUE_NOT_A_FLOAT);
            }
        }
        return formatLongDouble(addLongDouble(value, incr));
    }

    /**
     * HINCRBYFLOAT's increment, with its own reply for an infinite one.
     *
     * @throws NumberFormatException with message {@link #NOT_A_FLOAT} if it is not a float
     * @throws ArithmeticException   with message {@link #HASH_INCREMENT_NAN_OR_INFINITY} if it is infinite
     */
    public static BigDecimal checkHashIncrement(byte[] increment) {
        try {
            return parseLongDouble(increment);
        } catch (ArithmeticException e) {
            throw new ArithmeticException(HASH_INCREMENT_NAN_OR_INFINITY);
        }
    }

    // ---------------------------------------------------------------------------------------- internals

    /** Drops trailing zeros after a '.', then a bare '.'. */
    private static String stripFraction(String text) {
        if (text.indexOf('.') < 0) {
            return text;
        }
        int end = text.length();
        while (text.charAt(end - 1) == '0') {
            end--;
        }
        if (text.charAt(end - 1) == '.') {
            end--;
        }
        return text.substring(0, end);
    }

    /** C's {@code isspace} in the C locale. */
    private static boolean isCSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }

    private static boolean startsWithIgnoreCase(byte[] bytes, int at, int end, String word) {
        if (end - at < word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if ((bytes[at + i] | 0x20) != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The longest prefix of {@code bytes[from, end)} that {@code strtod} converts, and its exact value as
     * {@code ±digits × radix^exponent} (radix 10, or 2 for hexadecimal floats).
     */
    private static final class Scan {
        static final int FINITE = 0;
        static final int INFINITY = 1;
        static final int NAN = 2;

        /**
         * Digits kept of a long significand. A value exactly halfway between two long doubles has at most
         * about 11,500 significant decimal digits (or 4,200 hexadecimal ones), so cutting after more than that
         * and appending a nonzero digit for whatever was cut cannot change how the value rounds.
         */
        private static final int MAX_DIGITS = 20_000;
        /** Exponents beyond this are saturated; they over- or underflow every format anyway. */
        private static final long EXPONENT_LIMIT = 1_000_000_000L;

        int end;
        int kind;
        boolean negative;
        int radix;
        /** Significant digits (no leading or trailing zeros); empty for zero. */
        String digits = "";
        /** Value = digits × radix^exponent, where radix 2 is applied to hex digits four bits each. */
        long exponent;

        /** Null when strtod converts nothing (its end pointer stays at the start). */
        static Scan of(byte[] bytes, int from, int end) {
            Scan scan = new Scan();
            int i = from;
            if (i < end && (bytes[i] == '+' || bytes[i] == '-')) {
                scan.negative = bytes[i] == '-';
                i++;
            }
            if (startsWithIgnoreCase(bytes, i, end, "inf")) {
                scan.kind = INFINITY;
                scan.end = startsWithIgnoreCase(bytes, i, end, "infinity") ? i + 8 : i + 3;
                return scan;
            }
            if (startsWithIgnoreCase(bytes, i, end, "nan")) {
                scan.kind = NAN;
                scan.end = i + 3;
                int j = scan.end;
                if (j < end && bytes[j] == '(') {
                    j++;
                    while (j < end && (isDigit(bytes[j]) || bytes[j] == '_'
                            || ((bytes[j] | 0x20) >= 'a' && (bytes[j] | 0x20) <= 'z'))) {
                        j++;
                    }
                    if (j < end && bytes[j] == ')') {
                        scan.end = j + 1;
                    }
                }
                return scan;
            }
            if (i + 1 < end && bytes[i] == '0' && (bytes[i + 1] | 0x20) == 'x') {
                int j = i + 2;
                if (j < end && (hexValue(bytes[j]) >= 0
                        || (bytes[j] == '.' && j + 1 < end && hexValue(bytes[j + 1]) >= 0))) {
                    return scan.mantissa(bytes, j, end, 16);
                }
                // "0x" with no hex digits after it: strtod reads the "0" alone.
            }
            if (i < end && (isDigit(bytes[i]) || (bytes[i] == '.' && i + 1 < end && isDigit(bytes[i + 1])))) {
                return scan.mantissa(bytes, i, end, 10);
            }
            return null;
        }

        /** The exact value of a (nonzero) decimal. */
        static Scan ofDecimal(BigDecimal value) {
            Scan scan = new Scan();
            scan.kind = FINITE;
            scan.negative = value.signum() < 0;
            scan.radix = 10;
            BigDecimal stripped = value.abs().stripTrailingZeros();
            scan.digits = stripped.unscaledValue().toString();
            scan.exponent = -(long) stripped.scale();
            return scan;
        }

        private Scan mantissa(byte[] bytes, int i, int end, int base) {
            kind = FINITE;
            radix = base == 16 ? 2 : 10;
            StringBuilder kept = new StringBuilder();
            boolean cut = false;
            long scale = 0; // value = kept × base^scale, before the exponent part
            boolean seenPoint = false;
            for (; i < end; i++) {
                byte b = bytes[i];
                int digit = base == 16 ? hexValue(b) : (isDigit(b) ? b - '0' : -1);
                if (digit < 0) {
                    if (b == '.' && !seenPoint) {
                        seenPoint = true;
                        continue;
                    }
                    break;
                }
                if (seenPoint) {
                    scale--;
                }
                if (digit == 0 && kept.isEmpty()) {
                    continue; // leading zero
                }
                if (kept.length() < MAX_DIGITS) {
                    kept.append(Character.forDigit(digit, base));
                } else {
                    scale++;
                    cut |= digit != 0;
                }
            }
            long exp = 0;
            byte marker = base == 16 ? (byte) 'p' : (byte) 'e';
            if (i < end && (bytes[i] | 0x20) == marker) {
                int j = i + 1;
                boolean negativeExp = false;
                if (j < end && (bytes[j] == '+' || bytes[j] == '-')) {
                    negativeExp = bytes[j] == '-';
                    j++;
                }
                if (j < end && isDigit(bytes[j])) {
                    for (; j < end && isDigit(bytes[j]); j++) {
                        exp = Math.min(EXPONENT_LIMIT, exp * 10 + (bytes[j] - '0'));
                    }
                    if (negativeExp) {
                        exp = -exp;
                    }
                    i = j;
                }
            }
            this.end = i;
            if (cut) {
                kept.append('1');
                scale--;
            }
            int last = kept.length();
            while (last > 0 && kept.charAt(last - 1) == '0') {
                last--;
                scale++;
            }
            kept.setLength(last);
            digits = kept.toString();
            exponent = base == 16 ? exp + 4 * scale : exp + scale;
            return this;
        }

        /** The value rounded to the nearest number of {@code format}, ties to even. */
        Rounded round(BinaryFormat format) {
            if (digits.isEmpty()) {
                return new Rounded(negative, BigInteger.ZERO, 0, false, false);
            }
            // Rough magnitude first, so that absurd exponents never reach BigInteger.
            double log2 = radix == 2
                    ? 4.0 * digits.length() + exponent
                    : (digits.length() + exponent) * 3.321928094887362;
            double log2Low = radix == 2
                    ? 4.0 * (digits.length() - 1) + exponent
                    : (digits.length() - 1 + exponent) * 3.321928094887362;
            if (log2Low > format.maxExponent() + 2) {
                return new Rounded(negative, null, 0, true, false);
            }
            if (log2 < format.minQuantum() - 2) {
                return new Rounded(negative, BigInteger.ZERO, 0, false, true);
            }
            BigInteger numerator = new BigInteger(digits, radix == 2 ? 16 : 10);
            BigInteger denominator = BigInteger.ONE;
            if (radix == 2) {
                if (exponent >= 0) {
                    numerator = numerator.shiftLeft((int) exponent);
                } else {
                    denominator = denominator.shiftLeft((int) -exponent);
                }
            } else if (exponent >= 0) {
                numerator = numerator.multiply(BigInteger.TEN.pow((int) exponent));
            } else {
                denominator = BigInteger.TEN.pow((int) -exponent);
            }
            return roundRational(negative, numerator, denominator, format);
        }
    }

    /** ±significand × 2^exponent, or an overflow, or a nonzero value that became zero. */
    private record Rounded(boolean negative, BigInteger significand, int exponent, boolean overflow,
                           boolean underflow) {

        double toDouble() {
            double magnitude = Math.scalb(significand.doubleValue(), exponent); // exact: it fits
            return negative ? -magnitude : magnitude;
        }

        BigDecimal toBigDecimal() {
            BigDecimal magnitude;
            if (exponent >= 0) {
                magnitude = new BigDecimal(significand.shiftLeft(exponent));
            } else {
                // 2^-k = 5^k / 10^k, so the value is exact in decimal.
                magnitude = new BigDecimal(significand.multiply(BigInteger.valueOf(5).pow(-exponent)), -exponent);
            }
            return negative ? magnitude.negate() : magnitude;
        }
    }

    /** {@code numerator / denominator} (both positive) rounded to {@code format}. */
    private static Rounded roundRational(boolean negative, BigInteger numerator, BigInteger denominator,
                                         BinaryFormat format) {
        int precision = format.precision();
        // 2^(n-d-1) < numerator/denominator < 2^(n-d+1) for bit lengths n, d: start with a quotient that has
        // precision or precision + 1 bits.
        int exponent = numerator.bitLength() - denominator.bitLength() - precision;
        exponent = Math.max(exponent, format.minQuantum());
        BigInteger[] division = divideScaled(numerator, denominator, exponent);
        if (division[0].bitLength() > precision) {
            exponent++;
            division = divideScaled(numerator, denominator, exponent);
        }
        BigInteger quotient = division[0];
        int compareHalf = division[1].shiftLeft(1).compareTo(division[2]);
        if (compareHalf > 0 || (compareHalf == 0 && quotient.testBit(0))) {
            quotient = quotient.add(BigInteger.ONE);
            if (quotient.bitLength() > precision) {
                quotient = quotient.shiftRight(1);
                exponent++;
            }
        }
        if (quotient.signum() == 0) {
            return new Rounded(negative, BigInteger.ZERO, 0, false, true);
        }
        if (exponent + quotient.bitLength() - 1 > format.maxExponent()) {
            return new Rounded(negative, null, 0, true, false);
        }
        return new Rounded(negative, quotient, exponent, false, false);
    }

    /** Quotient, remainder and divisor of {@code numerator / (denominator × 2^exponent)}. */
    private static BigInteger[] divideScaled(BigInteger numerator, BigInteger denominator, int exponent) {
        BigInteger dividend = exponent >= 0 ? numerator : numerator.shiftLeft(-exponent);
        BigInteger divisor = exponent >= 0 ? denominator.shiftLeft(exponent) : denominator;
        BigInteger[] division = dividend.divideAndRemainder(divisor);
        return new BigInteger[] {division[0], division[1], divisor};
    }
}
