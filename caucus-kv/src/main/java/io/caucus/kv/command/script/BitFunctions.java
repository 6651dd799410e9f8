package io.caucus.kv.command.script;

import static io.caucus.kv.command.script.Sandbox.function;

import java.util.function.IntBinaryOperator;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/** Redis's {@code bit} library (LuaBitOp 1.0): 32-bit operations whose results are signed 32-bit numbers. */
final class BitFunctions {

    private BitFunctions() {
    }

    static LuaTable library() {
        ReadOnlyTable bit = new ReadOnlyTable();
        bit.rawset("tobit", function("tobit", args -> result(toBit(args, 1))));
        bit.rawset("bnot", function("bnot", args -> result(~toBit(args, 1))));
        fold(bit, "band", (a, b) -> a & b);
        fold(bit, "bor", (a, b) -> a | b);
        fold(bit, "bxor", (a, b) -> a ^ b);
        shift(bit, "lshift", (x, n) -> x << n);
        shift(bit, "rshift", (x, n) -> x >>> n);
        shift(bit, "arshift", (x, n) -> x >> n);
        shift(bit, "rol", Integer::rotateLeft);
        shift(bit, "ror", Integer::rotateRight);
        bit.rawset("bswap", function("bswap", args -> result(Integer.reverseBytes(toBit(args, 1)))));
        bit.rawset("tohex", function("tohex", args -> {
            int x = toBit(args, 1);
            int n = args.isnoneornil(2) ? 8 : toBit(args, 2);
            boolean upper = n < 0;
            n = Math.min(8, Math.abs(n));
            String hex = String.format("%08x", x).substring(8 - n);
            return LuaValue.valueOf(upper ? hex.toUpperCase(java.util.Locale.ROOT) : hex);
        }));
        return bit.seal();
    }

    private static void fold(LuaTable bit, String name, IntBinaryOperator operator) {
        bit.rawset(name, function(name, args -> {
            int value = toBit(args, 1);
            for (int i = 2; i <= args.narg(); i++) {
                value = operator.applyAsInt(value, toBit(args, i));
            }
            return result(value);
        }));
    }

    private static void shift(LuaTable bit, String name, IntBinaryOperator operator) {
        bit.rawset(name, function(name, args -> result(operator.applyAsInt(toBit(args, 1), toBit(args, 2) & 31))));
    }

    /** LuaBitOp's normalisation: rounded to an integer, taken modulo 2^32. */
    static int toBit(Varargs args, int i) {
        double x = Math.rint(args.checkdouble(i));
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return 0;
        }
        return (int) (long) (x % 4294967296.0);
    }

    private static LuaValue result(int value) {
        return LuaValue.valueOf(value);
    }
}
