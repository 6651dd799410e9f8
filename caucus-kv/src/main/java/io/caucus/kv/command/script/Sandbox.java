package io.caucus.kv.command.script;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.function.Function;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.MathLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The Lua environment scripts run in, as Redis 7.0 builds it, minus what would make replicas disagree.
 *
 * <p>The libraries are built once and shared by every run, as read-only tables ({@link ReadOnlyTable}): base
 * functions, {@code string}, {@code table}, {@code math}, {@code bit} and {@code redis}. Each run gets its own
 * globals table ({@link ScriptGlobals}: read-only, reading a missing global is an error, as in Redis 7.0) holding
 * them plus {@code KEYS} and {@code ARGV}. Library functions that need the run (redis.call, math.random,
 * tostring's names, the budget) find it through {@link ScriptRun#current()}.
 *
 * <p>What is not there, and why: {@code os}, {@code io}, {@code debug}, {@code package}/{@code require},
 * {@code dofile}/{@code loadfile} and {@code print} (Redis 7.0 has none of them either); {@code coroutine} (luaj runs
 * each coroutine on a Java thread); {@code cjson}, {@code cmsgpack}, {@code struct} (not written yet);
 * {@code string.dump}. Replaced by deterministic versions: {@code math.random}/{@code randomseed} (Redis's rand48
 * seeded from the log), the transcendental math functions and {@code ^} (StrictMath: the same bits on every JVM
 * and CPU), {@code collectgarbage}/{@code gcinfo} (always 0), {@code tostring} of tables and functions (named in
 * the order the run first names them, not by address), weak tables (refused: their contents would depend on the
 * garbage collector). {@code string.format} and {@code tostring} of numbers are C's (luaj's are not).
 */
final class Sandbox {

    /** The name Redis gives scripts: its errors say {@code user_script:3:}. */
    static final String CHUNK_NAME = "user_script";
    private static final LuaString INDEX = LuaString.valueOf("__index");
    private static final LuaString MODE = LuaString.valueOf("__mode");
    private static final LuaString TOSTRING = LuaString.valueOf("__tostring");
    private static final LuaString METATABLE = LuaString.valueOf("__metatable");
    /** Lua 5.1's LUAI_MAXCSTACK: the most values unpack (and load's pieces) may produce. */
    private static final int MAX_UNPACK = 8000;
    /** Quantifiers and captures in one pattern: luaj matches recursively, one Java frame per item. */
    private static final int MAX_PATTERN_ITEMS = 200;

    /** Globals every run starts with (shared, never changed after class initialisation). */
    private static final LuaTable SHARED;
    /** The metatable of every run's globals: reading a missing global is an error. */
    private static final LuaTable GLOBALS_META;
    /** Rewrites luaj's error positions ("user_script:3 msg") to Lua's ("user_script:3: msg"). */
    private static final LuaValue ERROR_POSITIONS;

    static {
        // luaj's own libraries, loaded once into a scratch environment to take their functions from.
        Globals scratch = new Globals();
        scratch.load(new BaseLib());
        scratch.load(new PackageLib());
        scratch.load(new TableLib());
        scratch.load(new StringLib());
        new StrictMathLib(); // MathLib's constructor makes it the implementation of ^ (MathLib.dpow_d)

        SHARED = new LuaTable();
        for (String name : new String[] {"assert", "getmetatable", "ipairs", "next", "pairs", "rawequal",
                "rawget", "rawset", "select", "tonumber", "type"}) {
            SHARED.rawset(name, scratch.get(name));
        }
        SHARED.rawset("_VERSION", LuaValue.valueOf("Lua 5.1"));
        SHARED.rawset("error", function("error", Sandbox::error));
        SHARED.rawset("pcall", function("pcall", Sandbox::pcall));
        SHARED.rawset("xpcall", function("xpcall", Sandbox::xpcall));
        SHARED.rawset("tostring", function("tostring", args -> tostring(args.checkvalue(1))));
        SHARED.rawset("setmetatable", function("setmetatable", Sandbox::setmetatable));
        SHARED.rawset("unpack", function("unpack", Sandbox::unpack));
        SHARED.rawset("collectgarbage", function("collectgarbage", args -> LuaValue.ZERO));
        SHARED.rawset("gcinfo", function("gcinfo", args -> LuaValue.ZERO));
        SHARED.rawset("loadstring", function("loadstring", args -> load(args.checkstring(1))));
        SHARED.rawset("load", function("load", Sandbox::loadChunks));

        LuaTable string = new ReadOnlyTable();
        LuaValue luajString = scratch.get("string");
        for (String name : new String[] {"byte", "char", "len", "lower", "reverse", "sub", "upper"}) {
            string.rawset(name, luajString.get(name));
        }
        for (String name : new String[] {"find", "match", "gmatch", "gsub"}) {
            LuaValue matcher = luajString.get(name);
            string.rawset(name, function(name, args -> {
                checkPattern(args.arg(2));
                if (name.equals("gsub")) {
                    checkGsub(args);
                }
                return matcher.invoke(args);
            }));
        }
        string.rawset("gfind", string.rawget("gmatch"));
        string.rawset("format", function("format", LuaFormat::format));
        string.rawset("rep", function("rep", Sandbox::rep));
        SHARED.rawset("string", ((ReadOnlyTable) string).seal());
        ReadOnlyTable stringMeta = new ReadOnlyTable();
        stringMeta.rawset(INDEX, string);
        LuaString.s_metatable = stringMeta.seal();

        LuaTable table = new ReadOnlyTable();
        LuaValue luajTable = scratch.get("table");
        for (String name : new String[] {"insert", "remove", "sort"}) {
            table.rawset(name, luajTable.get(name));
        }
        LuaValue concat = luajTable.get("concat");
        table.rawset("concat", function("concat", args -> {
            checkConcat(args);
            return concat.invoke(args);
        }));
        table.rawset("getn", function("getn", args -> LuaValue.valueOf(args.checktable(1).length())));
        table.rawset("maxn", function("maxn", Sandbox::maxn));
        table.rawset("setn", function("setn", args -> {
            throw new LuaError("'setn' is obsolete");
        }));
        table.rawset("foreach", function("foreach", Sandbox::foreach));
        table.rawset("foreachi", function("foreachi", Sandbox::foreachi));
        SHARED.rawset("table", ((ReadOnlyTable) table).seal());

        SHARED.rawset("math", MathFunctions.library());
        SHARED.rawset("bit", BitFunctions.library());
        SHARED.rawset("redis", RedisFunctions.library());

        GLOBALS_META = new ReadOnlyTable();
        GLOBALS_META.rawset(INDEX, function("__index", args -> {
            throw new LuaError("Script attempted to access nonexistent global variable '"
                    + args.arg(2).tojstring() + "'");
        }));
        ((ReadOnlyTable) GLOBALS_META).seal();

        ERROR_POSITIONS = function("error position", args -> {
            ScriptRun.current().errorRaised();
            return LuaValue.valueOf(withColon(args.arg1().tojstring()));
        });
    }

    private Sandbox() {
    }

    /** A function of the libraries: a name (for argument errors) and a body. */
    static LuaValue function(String name, Function<Varargs, Varargs> body) {
        return new VarArgFunction() {
            {
                this.name = name;
            }

            @Override
            public Varargs invoke(Varargs args) {
                return body.apply(args);
            }
        };
    }

    /** The globals of a new run: the shared libraries, {@code _G}, KEYS and ARGV; read-only. */
    static ScriptGlobals globals(ScriptRun run, List<byte[]> keys, List<byte[]> args) {
        ScriptGlobals globals = new ScriptGlobals();
        for (Varargs entry = SHARED.next(LuaValue.NIL); !entry.arg1().isnil(); entry = SHARED.next(entry.arg1())) {
            globals.rawset(entry.arg1(), entry.arg(2));
        }
        globals.rawset("_G", globals);
        globals.rawset("KEYS", array(keys));
        globals.rawset("ARGV", array(args));
        globals.setmetatable(GLOBALS_META);
        globals.debuglib = run;
        globals.running.errorfunc = ERROR_POSITIONS;
        globals.seal();
        run.globals = globals;
        return globals;
    }

    private static LuaTable array(List<byte[]> values) {
        LuaTable table = new LuaTable(values.size(), 0);
        for (int i = 0; i < values.size(); i++) {
            table.rawset(i + 1, LuaString.valueOf(values.get(i)));
        }
        return table;
    }

    // ------------------------------------------------------------------ compiling

    /** Compiles a chunk as Redis names scripts ("user_script"); a syntax error is a LuaError. */
    static Prototype compile(byte[] source) {
        try {
            // "@name": luaj's syntax errors then say "user_script:1:" (its runtime ones "@user_script:1 ").
            return org.luaj.vm2.compiler.LuaC.instance.compile(new java.io.ByteArrayInputStream(source),
                    "@" + CHUNK_NAME);
        } catch (java.io.IOException e) {
            throw new LuaError(e.getMessage());
        }
    }

    /** loadstring: the chunk as a function of the run's globals, or nil and the error. */
    private static Varargs load(LuaString source) {
        ScriptRun run = ScriptRun.current();
        try {
            return new LuaClosure(compile(Conversions.bytes(source)), run.globals);
        } catch (LuaError e) {
            return LuaValue.varargsOf(LuaValue.NIL, LuaValue.valueOf(e.getMessage()));
        }
    }

    /** load: Lua 5.1's, taking the chunk's pieces from a function (a string, as in 5.2, is taken too). */
    private static Varargs loadChunks(Varargs args) {
        LuaValue source = args.arg1();
        if (source.type() == LuaValue.TSTRING) {
            return load(source.checkstring());
        }
        LuaValue reader = args.checkfunction(1);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (int pieces = 0; ; pieces++) {
            LuaValue piece = reader.call();
            if (piece.isnil() || piece.type() == LuaValue.TSTRING && piece.rawlen() == 0) {
                break;
            }
            if (piece.type() != LuaValue.TSTRING || pieces >= MAX_UNPACK) {
                return LuaValue.varargsOf(LuaValue.NIL, LuaValue.valueOf("reader function must return a string"));
            }
            byte[] bytes = Conversions.bytes(piece.checkstring());
            ScriptRun.checkLength((long) text.size() + bytes.length);
            text.writeBytes(bytes);
        }
        return load(LuaString.valueOf(text.toByteArray()));
    }

    // ------------------------------------------------------------------ base functions

    /** error(message [, level]): a string message gets the position of the function at that level. */
    private static Varargs error(Varargs args) {
        LuaValue message = args.arg1();
        int level = args.optint(2, 1);
        if (message.isstring() && level > 0) {
            int line = ScriptRun.current().callerLine(level);
            String text = message.type() == LuaValue.TNUMBER ? CFormat.number(message.todouble())
                    : message.tojstring();
            throw new Raised(LuaValue.valueOf(line > 0 ? CHUNK_NAME + ":" + line + ": " + text : text));
        }
        throw new Raised(message.type() == LuaValue.TNUMBER ? LuaValue.valueOf(CFormat.number(message.todouble()))
                : message);
    }

    /** What error() raises: its value exactly as the script gave it (with the position error() adds). */
    static final class Raised extends LuaError {
        private static final long serialVersionUID = 1L;

        Raised(LuaValue value) {
            super(value);
        }
    }

    private static Varargs pcall(Varargs args) {
        LuaValue function = args.checkvalue(1);
        ScriptRun run = ScriptRun.current();
        run.push(null, null);
        try {
            return LuaValue.varargsOf(LuaValue.TRUE, function.invoke(args.subargs(2)));
        } catch (LuaError e) {
            return LuaValue.varargsOf(LuaValue.FALSE, messageOf(e));
        } finally {
            run.onReturn();
        }
    }

    private static Varargs xpcall(Varargs args) {
        LuaValue function = args.arg1();
        LuaValue handler = args.checkvalue(2);
        ScriptRun run = ScriptRun.current();
        run.push(null, null);
        try {
            return LuaValue.varargsOf(LuaValue.TRUE, function.invoke(args.subargs(3)));
        } catch (LuaError e) {
            try {
                return LuaValue.varargsOf(LuaValue.FALSE, handler.call(messageOf(e)));
            } catch (LuaError inHandler) {
                return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf("error in error handling"));
            }
        } finally {
            run.onReturn();
        }
    }

    /**
     * What pcall returns for an error: the value raised. A message gets the position of the line that raised it,
     * as Lua's luaL_error gives it; luaj adds it as the error leaves a Lua function, which a Java function called
     * by a tail call has already left: that position is added here.
     */
    static LuaValue messageOf(LuaError e) {
        LuaValue message = e.getMessageObject();
        if (message == null) {
            return LuaValue.NIL;
        }
        if (!(e instanceof Raised) && message.type() == LuaValue.TSTRING) {
            ScriptRun run = ScriptRun.current();
            String text = message.tojstring();
            if (run.afterTailCall() && !text.startsWith(CHUNK_NAME + ":")) {
                int line = run.callerLine(1);
                return line > 0 ? LuaValue.valueOf(CHUNK_NAME + ":" + line + ": " + text) : message;
            }
        }
        return message;
    }

    /** Lua 5.1's tostring, with C's number format and names that do not depend on addresses. */
    static LuaValue tostring(LuaValue value) {
        LuaValue handler = value.metatag(TOSTRING);
        if (!handler.isnil()) {
            return handler.call(value);
        }
        return switch (value.type()) {
            case LuaValue.TSTRING -> value.checkstring();
            case LuaValue.TNUMBER -> LuaValue.valueOf(CFormat.number(value.todouble()));
            case LuaValue.TNIL, LuaValue.TBOOLEAN -> LuaValue.valueOf(value.tojstring());
            default -> LuaValue.valueOf(ScriptRun.current().nameOf(value));
        };
    }

    private static Varargs setmetatable(Varargs args) {
        LuaTable table = args.checktable(1);
        LuaValue metatable = args.arg(2);
        if (!metatable.isnil() && !metatable.istable()) {
            throw new LuaError("bad argument #2 to 'setmetatable' (nil or table expected)");
        }
        LuaValue current = table.getmetatable();
        if (current != null && !current.rawget(METATABLE).isnil()) {
            throw new LuaError("cannot change a protected metatable");
        }
        if (metatable.istable() && !metatable.rawget(MODE).isnil()) {
            throw new LuaError("weak tables (__mode) are not supported: what they hold would depend on the "
                    + "garbage collector, not on the script");
        }
        return table.setmetatable(metatable.isnil() ? null : metatable);
    }

    private static Varargs unpack(Varargs args) {
        LuaTable table = args.checktable(1);
        int first = args.optint(2, 1);
        int last = args.isnoneornil(3) ? table.length() : args.checkint(3);
        if (first > last) {
            return LuaValue.NONE;
        }
        long count = (long) last - first + 1;
        if (count >= MAX_UNPACK) {
            throw new LuaError("too many results to unpack");
        }
        LuaValue[] values = new LuaValue[(int) count];
        for (int i = 0; i < count; i++) {
            values[i] = table.get(first + i);
        }
        return LuaValue.varargsOf(values);
    }

    // ------------------------------------------------------------------ string and table

    private static Varargs rep(Varargs args) {
        LuaString string = args.checkstring(1);
        int count = args.checkint(2);
        if (count <= 0 || string.length() == 0) {
            return LuaValue.EMPTYSTRING;
        }
        ScriptRun.checkLength((long) string.length() * count);
        byte[] out = new byte[string.length() * count];
        for (int i = 0; i < count; i++) {
            string.copyInto(0, out, i * string.length(), string.length());
        }
        return LuaString.valueUsing(out);
    }

    private static void checkPattern(LuaValue pattern) {
        if (!(pattern instanceof LuaString string)) {
            return;
        }
        int items = 0;
        for (int i = 0; i < string.length(); i++) {
            switch (string.luaByte(i)) {
                case '*', '+', '-', '?', '(' -> items++;
                case '%' -> i++;
                default -> {
                }
            }
        }
        if (items > MAX_PATTERN_ITEMS) {
            throw new LuaError("pattern too complex (at most " + MAX_PATTERN_ITEMS
                    + " quantifiers and captures)");
        }
    }

    /** gsub with a string replacement: refused if its result could pass the string bound. */
    private static void checkGsub(Varargs args) {
        LuaValue source = args.arg1();
        LuaValue replacement = args.arg(3);
        if (!(source instanceof LuaString s) || !(replacement instanceof LuaString r)) {
            return;
        }
        long matches = args.isnoneornil(4) ? s.length() + 1L : Math.max(0, Math.min(args.checkint(4),
                s.length() + 1L));
        long perMatch = r.length();
        for (int i = 0; i < r.length(); i++) {
            if (r.luaByte(i) == '%') {
                perMatch += s.length(); // %0..%9 insert at most the whole subject
            }
        }
        ScriptRun.checkLength(s.length() + matches * perMatch);
    }

    private static void checkConcat(Varargs args) {
        LuaTable list = args.checktable(1);
        LuaValue separator = args.arg(2);
        int first = args.optint(3, 1);
        int last = args.isnoneornil(4) ? list.length() : args.checkint(4);
        long length = 0;
        long separatorLength = separator instanceof LuaString s ? s.length() : 0;
        for (long i = first; i <= last; i++) {
            LuaValue element = list.rawget((int) i);
            length += (element instanceof LuaString s ? s.length() : 24) + separatorLength;
            ScriptRun.checkLength(length);
        }
    }

    private static Varargs maxn(Varargs args) {
        LuaTable table = args.checktable(1);
        double max = 0;
        for (Varargs entry = table.next(LuaValue.NIL); !entry.arg1().isnil(); entry = table.next(entry.arg1())) {
            if (entry.arg1().type() == LuaValue.TNUMBER) {
                max = Math.max(max, entry.arg1().todouble());
            }
        }
        return LuaValue.valueOf(max);
    }

    private static Varargs foreach(Varargs args) {
        LuaTable table = args.checktable(1);
        LuaValue function = args.checkfunction(2);
        for (Varargs entry = table.next(LuaValue.NIL); !entry.arg1().isnil(); entry = table.next(entry.arg1())) {
            LuaValue result = function.call(entry.arg1(), entry.arg(2));
            if (!result.isnil()) {
                return result;
            }
        }
        return LuaValue.NIL;
    }

    private static Varargs foreachi(Varargs args) {
        LuaTable table = args.checktable(1);
        LuaValue function = args.checkfunction(2);
        int length = table.length();
        for (int i = 1; i <= length; i++) {
            LuaValue result = function.call(LuaValue.valueOf(i), table.get(i));
            if (!result.isnil()) {
                return result;
            }
        }
        return LuaValue.NIL;
    }

    // ------------------------------------------------------------------ messages

    /** luaj puts "@chunk:line " before a message where Lua puts "chunk:line: ". */
    static String withColon(String message) {
        if (message == null || !message.startsWith("@" + CHUNK_NAME + ":")) {
            return message;
        }
        message = message.substring(1);
        int i = CHUNK_NAME.length() + 1;
        int digits = i;
        while (digits < message.length() && Character.isDigit(message.charAt(digits))) {
            digits++;
        }
        if (digits == i || digits >= message.length() || message.charAt(digits) != ' ') {
            return message;
        }
        return message.substring(0, digits) + ":" + message.substring(digits);
    }

    /** luaj's MathLib whose {@code ^} is StrictMath's pow: the same bits on every JVM. */
    private static final class StrictMathLib extends MathLib {
        @Override
        public double dpow_lib(double a, double b) {
            return StrictMath.pow(a, b);
        }
    }
}
