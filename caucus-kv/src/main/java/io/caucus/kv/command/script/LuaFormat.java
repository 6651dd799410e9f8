package io.caucus.kv.command.script;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Lua 5.1's {@code string.format} ({@code lstrlib.c str_format}) over C's printf as glibc prints: flags
 * {@code -+ #0}, width and precision of at most two digits, and {@code %c %d %i %o %u %x %X %e %E %f %g %G %q %s
 * %%}. (luaj's own leaves floating-point conversions unimplemented.)
 */
final class LuaFormat {

    private static final String FLAGS = "-+ #0";

    private LuaFormat() {
    }

    static Varargs format(Varargs args) {
        LuaString format = args.checkstring(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream(format.length() + 16);
        int arg = 1;
        int i = 0;
        int length = format.length();
        while (i < length) {
            int c = format.luaByte(i++);
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (i < length && format.luaByte(i) == '%') {
                out.write('%');
                i++;
                continue;
            }
            arg++;
            if (arg > args.narg()) {
                throw new LuaError("bad argument #" + arg + " to 'format' (no value)");
            }
            int start = i;
            while (i < length && FLAGS.indexOf(format.luaByte(i)) >= 0) {
                i++;
            }
            if (i - start >= FLAGS.length() + 1) {
                throw new LuaError("invalid format (repeated flags)");
            }
            String flags = text(format, start, i);
            int width = 0;
            for (int d = 0; d < 2 && i < length && isDigit(format.luaByte(i)); d++) {
                width = width * 10 + format.luaByte(i++) - '0';
            }
            int precision = -1;
            if (i < length && format.luaByte(i) == '.') {
                i++;
                precision = 0;
                for (int d = 0; d < 2 && i < length && isDigit(format.luaByte(i)); d++) {
                    precision = precision * 10 + format.luaByte(i++) - '0';
                }
            }
            if (i < length && isDigit(format.luaByte(i))) {
                throw new LuaError("invalid format (width or precision too long)");
            }
            char conversion = i < length ? (char) format.luaByte(i++) : '\0';
            CFormat.Spec spec = new CFormat.Spec(flags.indexOf('-') >= 0, flags.indexOf('+') >= 0,
                    flags.indexOf(' ') >= 0, flags.indexOf('#') >= 0, flags.indexOf('0') >= 0, width, precision,
                    conversion);
            LuaValue value = args.arg(arg);
            switch (conversion) {
                case 'c' -> {
                    byte[] one = {(byte) (int) number(value, arg)};
                    String padded = CFormat.pad(new CFormat.Spec(spec.left(), false, false, false, false, width, -1,
                            'c'), "", "\u0000", false);
                    for (int k = 0; k < padded.length(); k++) {
                        out.write(padded.charAt(k) == '\u0000' ? one[0] : padded.charAt(k));
                    }
                }
                case 'd', 'i', 'o', 'u', 'x', 'X' -> ascii(out, CFormat.integer(spec,
                        Conversions.toLong(number(value, arg))));
                case 'e', 'E', 'f', 'g', 'G' -> ascii(out, CFormat.floating(spec, number(value, arg)));
                case 'q' -> quoted(out, string(value, arg));
                case 's' -> {
                    LuaString s = string(value, arg);
                    if (precision < 0 && s.length() >= 100) {
                        out.write(s.m_bytes, s.m_offset, s.length());
                    } else {
                        int end = 0;
                        while (end < s.length() && s.luaByte(end) != 0) {
                            end++; // sprintf's %s stops at a NUL
                        }
                        if (precision >= 0) {
                            end = Math.min(end, precision);
                        }
                        byte[] body = new byte[end];
                        s.copyInto(0, body, 0, end);
                        int pad = Math.max(0, width - end);
                        if (!spec.left()) {
                            spaces(out, pad);
                        }
                        out.writeBytes(body);
                        if (spec.left()) {
                            spaces(out, pad);
                        }
                    }
                }
                default -> throw new LuaError("invalid option '%" + conversion + "' to 'format'");
            }
            ScriptRun.checkLength(out.size());
        }
        return LuaString.valueUsing(out.toByteArray());
    }

    private static double number(LuaValue value, int arg) {
        if (value.type() == LuaValue.TNUMBER) {
            return value.todouble();
        }
        LuaValue converted = value.type() == LuaValue.TSTRING ? value.tonumber() : LuaValue.NIL;
        if (converted.isnil()) {
            throw new LuaError("bad argument #" + arg + " to 'format' (number expected, got "
                    + value.typename() + ")");
        }
        return converted.todouble();
    }

    private static LuaString string(LuaValue value, int arg) {
        if (value.type() == LuaValue.TSTRING && value instanceof LuaString s) {
            return s;
        }
        if (value.type() == LuaValue.TNUMBER) {
            return LuaString.valueOf(CFormat.number(value.todouble()));
        }
        throw new LuaError("bad argument #" + arg + " to 'format' (string expected, got " + value.typename() + ")");
    }

    private static void quoted(ByteArrayOutputStream out, LuaString s) {
        out.write('"');
        for (int k = 0; k < s.length(); k++) {
            int b = s.luaByte(k);
            switch (b) {
                case '"', '\\', '\n' -> {
                    out.write('\\');
                    out.write(b);
                }
                case '\r' -> ascii(out, "\\r");
                case 0 -> ascii(out, "\\000");
                default -> out.write(b);
            }
        }
        out.write('"');
    }

    private static void ascii(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void spaces(ByteArrayOutputStream out, int count) {
        for (int k = 0; k < count; k++) {
            out.write(' ');
        }
    }

    private static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }

    private static String text(LuaString s, int from, int to) {
        StringBuilder b = new StringBuilder(to - from);
        for (int k = from; k < to; k++) {
            b.append((char) s.luaByte(k));
        }
        return b.toString();
    }
}
