package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The expectations here were read off redis-server 7.0.15 (x86-64) unless noted: SET + INCRBY for integers,
 * ZADD + ZSCORE for scores (a skiplist-encoded zset, where the sign of zero survives), ZCOUNT for range bounds,
 * INCRBYFLOAT and HINCRBYFLOAT for long doubles. Random differential runs against that server (hundreds of
 * thousands of scores, strings and increments) agreed everywhere too.
 */
class RedisNumbersTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String score(String argument) {
        return RedisNumbers.formatDouble(RedisNumbers.parseDouble(b(argument)));
    }

    private static String incr(String current, String increment) {
        try {
            return RedisNumbers.incrByFloat(current == null ? null : b(current), b(increment));
        } catch (NumberFormatException | ArithmeticException e) {
            return e.getMessage();
        }
    }

    private static String hincr(String current, String increment) {
        try {
            return RedisNumbers.hincrByFloat(current == null ? null : b(current), b(increment));
        } catch (NumberFormatException | ArithmeticException e) {
            return e.getMessage();
        }
    }

    // ---------------------------------------------------------------------------------------------- long

    @Test
    void parseLongAcceptsCanonicalDecimalsOnly() {
        assertThat(RedisNumbers.parseLong(b("0"))).isZero();
        assertThat(RedisNumbers.parseLong(b("1"))).isEqualTo(1);
        assertThat(RedisNumbers.parseLong(b("-1"))).isEqualTo(-1);
        assertThat(RedisNumbers.parseLong(b("1234567890"))).isEqualTo(1234567890);
        assertThat(RedisNumbers.parseLong(b("9223372036854775807"))).isEqualTo(Long.MAX_VALUE);
        assertThat(RedisNumbers.parseLong(b("-9223372036854775808"))).isEqualTo(Long.MIN_VALUE);
        for (String bad : new String[] {"", "-", "-0", "+1", "01", "00", "007", " 1", "1 ", "1a", "1.0", "1e3",
                "9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999",
                "100000000000000000000", "a\0", "1\0"}) {
            assertThatThrownBy(() -> RedisNumbers.parseLong(b(bad))).as(bad)
                    .isInstanceOf(NumberFormatException.class)
                    .hasMessage("ERR value is not an integer or out of range");
            assertThat(RedisNumbers.isLong(b(bad))).as(bad).isFalse();
        }
        assertThat(RedisNumbers.isLong(b("-42"))).isTrue();
    }

    @Test
    void parseLongRoundTripsEveryMagnitude() {
        long value = 1;
        for (int i = 0; i < 63; i++, value <<= 1) {
            for (long v : new long[] {value, -value, value - 1, -value + 1, value + 1}) {
                assertThat(RedisNumbers.parseLong(b(Long.toString(v)))).isEqualTo(v);
            }
        }
    }

    // -------------------------------------------------------------------------------------------- double

    @Test
    void parseDoubleAcceptsWhatStrtodConvertsEntirely() {
        assertThat(score("1e3")).isEqualTo("1000");
        assertThat(score("1E3")).isEqualTo("1000");
        assertThat(score("1e+2")).isEqualTo("100");
        assertThat(score("0x10")).isEqualTo("16");
        assertThat(score("0X1p4")).isEqualTo("16");
        assertThat(score("0x1.8p1")).isEqualTo("3");
        assertThat(score("0x1.p1")).isEqualTo("2");
        assertThat(score("0x.8")).isEqualTo("0.5");
        assertThat(score("0X.8P+1")).isEqualTo("1");
        assertThat(score("inf")).isEqualTo("inf");
        assertThat(score("+inf")).isEqualTo("inf");
        assertThat(score("INF")).isEqualTo("inf");
        assertThat(score("Infinity")).isEqualTo("inf");
        assertThat(score("-inf")).isEqualTo("-inf");
        assertThat(score("-infinity")).isEqualTo("-inf");
        assertThat(score(".5")).isEqualTo("0.5");
        assertThat(score("+.5")).isEqualTo("0.5");
        assertThat(score("5.")).isEqualTo("5");
        assertThat(score("1.e5")).isEqualTo("100000");
        assertThat(score("00012")).isEqualTo("12");
        assertThat(score("+0")).isEqualTo("0");
        assertThat(score("-0")).isEqualTo("-0");
        assertThat(score("0e-400")).isEqualTo("0");
        assertThat(score("0e999999")).isEqualTo("0");
        assertThat(score("00000.0000e-99999")).isEqualTo("0");
        // Correct rounding, subnormals included.
        assertThat(score("1e-310")).isEqualTo("9.9999999999999694e-311");
        assertThat(score("4.9e-324")).isEqualTo("4.9406564584124654e-324");
        assertThat(score("2.5e-324")).isEqualTo("4.9406564584124654e-324");
        assertThat(score("2.4703282292062328e-324")).isEqualTo("4.9406564584124654e-324");
        assertThat(score("0x1p-1074")).isEqualTo("4.9406564584124654e-324");
        assertThat(score("1.7976931348623158e308")).isEqualTo("1.7976931348623157e+308");
        assertThat(score("1.797693134862315807e308")).isEqualTo("1.7976931348623157e+308");
        assertThat(score("9007199254740993")).isEqualTo("9007199254740992");
        assertThat(score("9007199254740993.0000000000000000000001")).isEqualTo("9007199254740994");
        assertThat(score("4503599627370497.5")).isEqualTo("4503599627370498");
        assertThat(score("1e23")).isEqualTo("9.9999999999999992e+22");
        assertThat(score("1".repeat(300) + "e-600")).isEqualTo("1.1111111111111111e-301");
        // Longer than the digits the converter keeps; the cut-off digits still break the tie.
        assertThat(score("0." + "0".repeat(30000) + "1e30010")).isEqualTo("1000000000");
        assertThat(score("4503599627370497.5" + "0".repeat(25000) + "1")).isEqualTo("4503599627370498");
        assertThat(score("1." + "0".repeat(25000) + "1")).isEqualTo("1");
    }

    @Test
    void parseDoubleRejectsTheRest() {
        for (String bad : new String[] {"", " 1", "1 ", "+ 1", "\t1", ".", "-.e1", ".e5", "1e", "1e+", "0x", "0x.",
                "0x.p1", "0x1p", "infin", "infinit", "nan", "NaN", "-nan", "nan(123)", "-nan(abc)", "1_0", "1\0",
                "abc", "1e400", "-1e400", "1e-400", "-1e-5000", "2e-324", "2.4703282292062327e-324",
                "0x1p-1075", "0x1p1024", "1.7976931348623159e308", "1e99999999999999999999",
                "0.1e-99999999999999999999", "1".repeat(21000)}) {
            assertThatThrownBy(() -> RedisNumbers.parseDouble(b(bad))).as(bad)
                    .isInstanceOf(NumberFormatException.class)
                    .hasMessage("ERR value is not a valid float");
            assertThat(RedisNumbers.isDouble(b(bad))).as(bad).isFalse();
        }
        assertThat(RedisNumbers.isDouble(b("1.5"))).isTrue();
    }

    @Test
    void rangeBoundsAreBareStrtod() {
        // ZRANGEBYSCORE z "(" +inf: the caller strips "(" and parses from index 1.
        assertThat(RedisNumbers.parseRangeBound(b(""), 0)).isEqualTo(0.0);
        assertThat(RedisNumbers.parseRangeBound(b("("), 1)).isEqualTo(0.0);
        assertThat(RedisNumbers.parseRangeBound(b(" 1"), 0)).isEqualTo(1.0);
        assertThat(RedisNumbers.parseRangeBound(b("(\t1"), 1)).isEqualTo(1.0);
        assertThat(RedisNumbers.parseRangeBound(b("1e400"), 0)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(RedisNumbers.parseRangeBound(b("-1e400"), 0)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(RedisNumbers.parseRangeBound(b("1e-400"), 0)).isEqualTo(0.0);
        assertThat(RedisNumbers.parseRangeBound(b("1\0abc"), 0)).isEqualTo(1.0);
        assertThat(RedisNumbers.parseRangeBound(b("(\0"), 1)).isEqualTo(0.0);
        assertThat(RedisNumbers.parseRangeBound(b("\0"), 0)).isEqualTo(0.0);
        assertThat(RedisNumbers.parseRangeBound(b("0x10"), 0)).isEqualTo(16.0);
        assertThat(RedisNumbers.parseRangeBound(b("0x1p-1074"), 0)).isEqualTo(Double.MIN_VALUE);
        assertThat(RedisNumbers.parseRangeBound(b("-inf"), 0)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(RedisNumbers.parseRangeBound(b("(+inf"), 1)).isEqualTo(Double.POSITIVE_INFINITY);
        for (String bad : new String[] {" ", "1 ", "( ", "nan", "(nan", "abc", "1e", "infin"}) {
            int from = bad.startsWith("(") ? 1 : 0;
            assertThatThrownBy(() -> RedisNumbers.parseRangeBound(b(bad), from)).as(bad)
                    .isInstanceOf(NumberFormatException.class)
                    .hasMessage("ERR min or max is not a float");
        }
    }

    @Test
    void formatDoubleIsPercentSeventeenG() {
        assertThat(RedisNumbers.formatDouble(1.1)).isEqualTo("1.1000000000000001");
        assertThat(RedisNumbers.formatDouble(3.0)).isEqualTo("3");
        assertThat(RedisNumbers.formatDouble(1e20)).isEqualTo("1e+20");
        assertThat(RedisNumbers.formatDouble(1e21)).isEqualTo("1e+21");
        assertThat(RedisNumbers.formatDouble(1e100)).isEqualTo("1e+100");
        assertThat(RedisNumbers.formatDouble(0.0001)).isEqualTo("0.0001");
        assertThat(RedisNumbers.formatDouble(0.00001)).isEqualTo("1.0000000000000001e-05");
        assertThat(RedisNumbers.formatDouble(9.9999999999999e-5)).isEqualTo("9.9999999999999002e-05");
        assertThat(RedisNumbers.formatDouble(0.000123456789)).isEqualTo("0.000123456789");
        assertThat(RedisNumbers.formatDouble(0.1)).isEqualTo("0.10000000000000001");
        assertThat(RedisNumbers.formatDouble(0.2)).isEqualTo("0.20000000000000001");
        assertThat(RedisNumbers.formatDouble(0.3)).isEqualTo("0.29999999999999999");
        assertThat(RedisNumbers.formatDouble(1.0 / 3)).isEqualTo("0.33333333333333331");
        assertThat(RedisNumbers.formatDouble(-2.0 / 3)).isEqualTo("-0.66666666666666663");
        assertThat(RedisNumbers.formatDouble(0.5)).isEqualTo("0.5");
        assertThat(RedisNumbers.formatDouble(2.5)).isEqualTo("2.5");
        assertThat(RedisNumbers.formatDouble(-1.5)).isEqualTo("-1.5");
        assertThat(RedisNumbers.formatDouble(100)).isEqualTo("100");
        assertThat(RedisNumbers.formatDouble(123.456)).isEqualTo("123.456");
        assertThat(RedisNumbers.formatDouble(3.14159)).isEqualTo("3.1415899999999999");
        assertThat(RedisNumbers.formatDouble(1e15)).isEqualTo("1000000000000000");
        assertThat(RedisNumbers.formatDouble(1e16)).isEqualTo("10000000000000000");
        assertThat(RedisNumbers.formatDouble(1e17)).isEqualTo("1e+17");
        assertThat(RedisNumbers.formatDouble(99999999999999999.0)).isEqualTo("1e+17");
        assertThat(RedisNumbers.formatDouble(12345678901234567.0)).isEqualTo("12345678901234568");
        assertThat(RedisNumbers.formatDouble(123456789012345678.0)).isEqualTo("1.2345678901234568e+17");
        assertThat(RedisNumbers.formatDouble(1.5e300)).isEqualTo("1.5000000000000001e+300");
        assertThat(RedisNumbers.formatDouble(9007199254740992.0)).isEqualTo("9007199254740992");
        assertThat(RedisNumbers.formatDouble(Double.MAX_VALUE)).isEqualTo("1.7976931348623157e+308");
        assertThat(RedisNumbers.formatDouble(Double.MIN_NORMAL)).isEqualTo("2.2250738585072014e-308");
        assertThat(RedisNumbers.formatDouble(Double.MIN_VALUE)).isEqualTo("4.9406564584124654e-324");
        // 1 + 2^-17 = 1.00000762939453125 exactly: a tie at 17 digits, rounded to even as glibc does.
        assertThat(RedisNumbers.formatDouble(1.00000762939453125)).isEqualTo("1.0000076293945312");
        assertThat(RedisNumbers.formatDouble(0.0)).isEqualTo("0");
        assertThat(RedisNumbers.formatDouble(-0.0)).isEqualTo("-0");
        assertThat(RedisNumbers.formatDouble(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(RedisNumbers.formatDouble(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
    }

    @Test
    void formattedDoublesParseBackExactly() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) {
            double value = Double.longBitsToDouble(random.nextLong());
            if (Double.isNaN(value)) {
                continue;
            }
            String text = RedisNumbers.formatDouble(value);
            assertThat(Double.doubleToRawLongBits(RedisNumbers.parseDouble(b(text)))).as(text)
                    .isEqualTo(Double.doubleToRawLongBits(value));
            assertThat(RedisNumbers.parseDouble(b(Double.toString(value)))).isEqualTo(value);
            assertThat(RedisNumbers.parseDouble(b(Double.toHexString(value)))).isEqualTo(value);
        }
    }

    // --------------------------------------------------------------------------------------- long double

    @Test
    void incrByFloatRoundsAsEightyBitLongDoubles() {
        assertThat(incr(null, "0.1")).isEqualTo("0.1");
        assertThat(incr("0.1", "0.1")).isEqualTo("0.2");
        assertThat(incr("0.2", "0.1")).isEqualTo("0.3");
        assertThat(incr("0.1", "0.2")).isEqualTo("0.3");
        assertThat(incr("10.50", "0.1")).isEqualTo("10.6");
        // 10.6 is not exact in binary; at 5010 the 64-bit significand shows it in the 17th decimal.
        assertThat(incr("10.6", "5.0e3")).isEqualTo("5010.60000000000000009");
        assertThat(incr("5010.60000000000000009", "-5")).isEqualTo("5005.60000000000000009");
        assertThat(incr(null, "5.0e3")).isEqualTo("5000");
        assertThat(incr("3.0e3", "1.5")).isEqualTo("3001.5");
        assertThat(incr("1", "-1")).isEqualTo("0");
        assertThat(incr("-2", "0.5")).isEqualTo("-1.5");
        assertThat(incr("1.5", "-1e-17")).isEqualTo("1.49999999999999999");
        assertThat(incr("1.49999999999999999", "1e-18")).isEqualTo("1.49999999999999999");
        assertThat(incr("1", "1e-17")).isEqualTo("1.00000000000000001");
        assertThat(incr("1.00000000000000001", "1e-18")).isEqualTo("1.00000000000000001");
        assertThat(incr("5", "-5.0000000000000000001")).isEqualTo("0");
        assertThat(incr("9223372036854775807", "1")).isEqualTo("9223372036854775808");
        assertThat(incr("9223372036854775808", "0.5")).isEqualTo("9223372036854775808");
        assertThat(incr("9223372036854775808", "1")).isEqualTo("9223372036854775809");
        assertThat(incr("9223372036854775808", "2")).isEqualTo("9223372036854775810");
        assertThat(incr("-0.000000000000000006", "0")).isEqualTo("-0.00000000000000001");
        assertThat(incr(null, "0.123456789012345675")).isEqualTo("0.12345678901234567");
        assertThat(incr("9007199254740993", "0")).isEqualTo("9007199254740993");
        assertThat(incr("123456789012345678901234567890", "1")).isEqualTo("123456789012345678899921813504");
        assertThat(incr("0x1p-3", "0")).isEqualTo("0.125");
        assertThat(incr("0", "0x10")).isEqualTo("16");
        // Zero, negative zero and tiny values all print as "0".
        assertThat(incr("-0", "0")).isEqualTo("0");
        assertThat(incr("-0.0", "-0.0")).isEqualTo("0");
        assertThat(incr("0", "-0.0000000000000000001")).isEqualTo("0");
        assertThat(incr("16", "1e-400")).isEqualTo("16");
        assertThat(incr("16", "1e-4940")).isEqualTo("16");
        assertThat(incr(null, "3e-4951")).isEqualTo("0");
        assertThat(incr(null, "0x1p-16445")).isEqualTo("0");
    }

    @Test
    void incrByFloatWritesHugeValuesInFull() {
        assertThat(incr(null, "1e300")).isEqualTo("1000000000000000000008997324079559193870523944273290747938260082"
                + "321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287"
                + "327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611"
                + "627097410650567187386105690089424915104006144");
        assertThat(incr(null, "1e400")).hasSize(401).startsWith("10000000000000000000281880683947586514586453");
        assertThat(incr(null, "1" + "0".repeat(400))).isEqualTo(incr(null, "1e400"));
        assertThat(incr(null, "1e4932")).hasSize(4933).startsWith("10000000000000000000060189493879638913238");
        assertThat(incr(null, "0x1p16383")).hasSize(4932).startsWith("59486574767861588254287966331400356538");
        assertThat(incr(null, "1.18973149535723176502e4932")).hasSize(4933)
                .startsWith("118973149535723176502126385303097020516906332229");
        assertThat(incr(null, "0x1.fffffffffffffffep16383")).isEqualTo(incr(null, "1.18973149535723176502e4932"));
    }

    @Test
    void incrByFloatErrorsComeInRedisOrder() {
        String notFloat = "ERR value is not a valid float";
        String infinite = "ERR increment would produce NaN or Infinity";
        assertThat(incr(null, "inf")).isEqualTo(infinite);
        assertThat(incr(null, "-infinity")).isEqualTo(infinite);
        assertThat(incr(null, "nan")).isEqualTo(notFloat);
        assertThat(incr(null, " 1")).isEqualTo(notFloat);
        assertThat(incr(null, "1 ")).isEqualTo(notFloat);
        assertThat(incr(null, "")).isEqualTo(notFloat);
        assertThat(incr("inf", "1")).isEqualTo(infinite);
        assertThat(incr("inf", "-inf")).isEqualTo(infinite);
        assertThat(incr("inf", "abc")).isEqualTo(notFloat);
        assertThat(incr("abc", "inf")).isEqualTo(notFloat);
        assertThat(incr("abc", "1")).isEqualTo(notFloat);
        assertThat(incr("1e4932", "1e4932")).isEqualTo(infinite);
        // Beyond the long double range, or rounding to zero: not a float.
        for (String bad : new String[] {"1e5000", "1.18973149535723176508e4932", "1.1897314953572317651e4932",
                "0x1p16384", "0x1.ffffffffffffffffp16383", "1e-4951", "1.8e-4951", "0x1p-16446", "-1e-5000",
                "1e99999999999999999999", "1." + "0".repeat(25000) + "1"}) {
            assertThat(incr(null, bad)).as(bad).isEqualTo(notFloat);
        }
        assertThat(incr(null, "0x1.8p-16446")).isEqualTo("0");
        // string2ld copies into a 5 KiB buffer: 5119 bytes fit, 5120 do not.
        assertThat(incr(null, "0".repeat(5118) + "1")).isEqualTo("1");
        assertThat(incr(null, "0".repeat(5119) + "1")).isEqualTo(notFloat);
        assertThat(incr("0".repeat(5119) + "1", "1")).isEqualTo(notFloat);
    }

    @Test
    void hincrByFloatChecksTheIncrementFirst() {
        assertThat(hincr(null, "inf")).isEqualTo("ERR value is NaN or Infinity");
        assertThat(hincr("abc", "inf")).isEqualTo("ERR value is NaN or Infinity");
        assertThat(hincr(null, "abc")).isEqualTo("ERR value is not a valid float");
        assertThat(hincr("abc", "abc")).isEqualTo("ERR value is not a valid float");
        assertThat(hincr("abc", "1")).isEqualTo("ERR hash value is not a float");
        assertThat(hincr("inf", "1")).isEqualTo("ERR increment would produce NaN or Infinity");
        assertThat(hincr("1e4932", "1e4932")).isEqualTo("ERR increment would produce NaN or Infinity");
        assertThat(hincr(null, "5.0e3")).isEqualTo("5000");
        assertThat(hincr("5000", "0.1")).isEqualTo("5000.10000000000000009");
        assertThatThrownBy(() -> RedisNumbers.checkHashIncrement(b("-inf")))
                .isInstanceOf(ArithmeticException.class).hasMessage("ERR value is NaN or Infinity");
    }

    @Test
    void longDoublesAreExactBinaryValues() {
        // strtold rounds 0.1 to the nearest multiple of 2^-67.
        assertThat(RedisNumbers.parseLongDouble(b("0.1")))
                .isEqualByComparingTo("0.1000000000000000000013552527156068805425093160010874271392822265625");
        assertThat(RedisNumbers.parseLongDouble(b("-2.5"))).isEqualByComparingTo("-2.5");
        assertThat(RedisNumbers.parseLongDouble(b("18446744073709551617")))
                .isEqualByComparingTo("18446744073709551616");
        assertThat(RedisNumbers.parseLongDouble(b("18446744073709551617.000000000000000000001")))
                .isEqualByComparingTo("18446744073709551618");
        assertThat(RedisNumbers.parseLongDouble(b("36893488147419103233")))
                .isEqualByComparingTo("36893488147419103232");
        assertThat(RedisNumbers.parseLongDouble(b("9007199254740993"))).isEqualByComparingTo("9007199254740993");
        // 64 significand bits: 2^63 + 1 is exact, 2^63 + 0.5 is a tie that goes to the even 2^63.
        assertThat(RedisNumbers.addLongDouble(new BigDecimal("9223372036854775808"), new BigDecimal("1")))
                .isEqualByComparingTo("9223372036854775809");
        assertThat(RedisNumbers.addLongDouble(new BigDecimal("9223372036854775808"), new BigDecimal("0.5")))
                .isEqualByComparingTo("9223372036854775808");
        assertThat(RedisNumbers.addLongDouble(new BigDecimal("9223372036854775808"), new BigDecimal("2")))
                .isEqualByComparingTo("9223372036854775810");
        assertThat(RedisNumbers.addLongDouble(BigDecimal.ONE, BigDecimal.ONE.negate())).isEqualByComparingTo("0");
        assertThatThrownBy(() -> RedisNumbers.parseLongDouble(b("inf")))
                .isInstanceOf(ArithmeticException.class).hasMessage("ERR increment would produce NaN or Infinity");
    }

    private static String format(String decimal) {
        return RedisNumbers.formatLongDouble(new BigDecimal(decimal));
    }

    /** The exact ties here are printf's rounding of arbitrary decimals, not values Redis can hold. */
    @Test
    void formatLongDoubleIsPercentSeventeenLfTrimmed() {
        assertThat(format("3")).isEqualTo("3");
        assertThat(format("3.000")).isEqualTo("3");
        assertThat(format("300")).isEqualTo("300");
        assertThat(format("1E+3")).isEqualTo("1000");
        assertThat(format("-0.5")).isEqualTo("-0.5");
        assertThat(format("0.123456789012345675")).isEqualTo("0.12345678901234568");
        assertThat(format("0.123456789012345665")).isEqualTo("0.12345678901234566");
        assertThat(format("-0.000000000000000001")).isEqualTo("0");
        assertThat(format("-0.000000000000000006")).isEqualTo("-0.00000000000000001");
    }
}
