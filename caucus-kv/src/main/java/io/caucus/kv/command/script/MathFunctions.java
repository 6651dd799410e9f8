package io.caucus.kv.command.script;

import static io.caucus.kv.command.script.Sandbox.function;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Lua 5.1's {@code math} library with Redis's {@code random}/{@code randomseed} (rand48, {@link Rand48}) and
 * StrictMath's functions: {@code java.lang.Math}'s may differ in the last bit between JVMs, CPUs, and even the
 * interpreter and the JIT, and replicas must compute the same bits.
 */
final class MathFunctions {

    private MathFunctions() {
    }

    static LuaTable library() {
        ReadOnlyTable math = new ReadOnlyTable();
        unary(math, "abs", Math::abs);
        unary(math, "ceil", Math::ceil);
        unary(math, "floor", Math::floor);
        unary(math, "sqrt", StrictMath::sqrt);
        unary(math, "sin", StrictMath::sin);
        unary(math, "cos", StrictMath::cos);
        unary(math, "tan", StrictMath::tan);
        unary(math, "asin", StrictMath::asin);
        unary(math, "acos", StrictMath::acos);
        unary(math, "atan", StrictMath::atan);
        unary(math, "sinh", StrictMath::sinh);
        unary(math, "cosh", StrictMath::cosh);
        unary(math, "tanh", StrictMath::tanh);
        unary(math, "exp", StrictMath::exp);
        unary(math, "log10", StrictMath::log10);
        unary(math, "deg", x -> x * (180.0 / Math.PI));
        unary(math, "rad", x -> x * (Math.PI / 180.0));
        binary(math, "atan2", StrictMath::atan2);
        binary(math, "pow", StrictMath::pow);
        binary(math, "fmod", (x, y) -> x % y);
        binary(math, "mod", (x, y) -> x % y);
        math.rawset("log", function("log", args -> {
            double x = args.checkdouble(1);
            if (args.isnoneornil(2)) {
                return LuaValue.valueOf(StrictMath.log(x));
            }
            double base = args.checkdouble(2);
            return LuaValue.valueOf(base == 10 ? StrictMath.log10(x) : StrictMath.log(x) / StrictMath.log(base));
        }));
        math.rawset("ldexp", function("ldexp", args ->
                LuaValue.valueOf(Math.scalb(args.checkdouble(1), args.checkint(2)))));
        math.rawset("frexp", function("frexp", args -> frexp(args.checkdouble(1))));
        math.rawset("modf", function("modf", args -> {
            double x = args.checkdouble(1);
            double integral = x >= 0 ? Math.floor(x) : Math.ceil(x);
            double fraction = Double.isInfinite(x) ? 0.0 : x - integral;
            return LuaValue.varargsOf(LuaValue.valueOf(integral), LuaValue.valueOf(fraction));
        }));
        math.rawset("max", function("max", args -> extreme(args, true)));
        math.rawset("min", function("min", args -> extreme(args, false)));
        math.rawset("huge", LuaValue.valueOf(Double.POSITIVE_INFINITY));
        math.rawset("pi", LuaValue.valueOf(Math.PI));
        math.rawset("random", function("random", MathFunctions::random));
        math.rawset("randomseed", function("randomseed", args -> {
            ScriptRun.current().random.seed(checkInt(args, 1));
            return LuaValue.NONE;
        }));
        return math.seal();
    }

    private static void unary(LuaTable math, String name, DoubleUnaryOperator operator) {
        math.rawset(name, function(name, args -> LuaValue.valueOf(operator.applyAsDouble(args.checkdouble(1)))));
    }

    private static void binary(LuaTable math, String name, DoubleBinaryOperator operator) {
        math.rawset(name, function(name, args ->
                LuaValue.valueOf(operator.applyAsDouble(args.checkdouble(1), args.checkdouble(2)))));
    }

    private static Varargs frexp(double x) {
        if (x == 0 || Double.isNaN(x) || Double.isInfinite(x)) {
            return LuaValue.varargsOf(LuaValue.valueOf(x), LuaValue.ZERO);
        }
        int shift = 0;
        if (Math.getExponent(x) < Double.MIN_EXPONENT) { // subnormal: normalise first
            x = Math.scalb(x, 64);
            shift = 64;
        }
        int exponent = Math.getExponent(x) + 1;
        return LuaValue.varargsOf(LuaValue.valueOf(Math.scalb(x, -exponent)), LuaValue.valueOf(exponent - shift));
    }

    private static Varargs extreme(Varargs args, boolean max) {
        double best = args.checkdouble(1);
        for (int i = 2; i <= args.narg(); i++) {
            double d = args.checkdouble(i);
            if (max ? d > best : d < best) {
                best = d;
            }
        }
        return LuaValue.valueOf(best);
    }

    /** Redis's redis_math_random: [0,1), [1,u] or [l,u]. */
    private static Varargs random(Varargs args) {
        double r = ScriptRun.current().random.nextDouble();
        switch (args.narg()) {
            case 0:
                return LuaValue.valueOf(r);
            case 1: {
                int upper = checkInt(args, 1);
                if (upper < 1) {
                    throw new LuaError("bad argument #1 to 'random' (interval is empty)");
                }
                return LuaValue.valueOf(Math.floor(r * upper) + 1);
            }
            case 2: {
                int lower = checkInt(args, 1);
                int upper = checkInt(args, 2);
                if (lower > upper) {
                    throw new LuaError("bad argument #2 to 'random' (interval is empty)");
                }
                return LuaValue.valueOf(Math.floor(r * ((double) upper - lower + 1)) + lower);
            }
            default:
                throw new LuaError("wrong number of arguments");
        }
    }

    /** luaL_checkint: the number truncated to a C int (as x86 truncates). */
    static int checkInt(Varargs args, int i) {
        return (int) Conversions.toLong(args.checkdouble(i));
    }
}
