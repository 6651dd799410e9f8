package io.caucus.kv.command.script;

import io.caucus.kv.command.CommandContext;
import java.util.IdentityHashMap;
import java.util.Map;
import org.luaj.vm2.Lua;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * One run of one script: what it runs against (the command's context), and the bounds that stop it the same way on
 * every replica. It is luaj's debug hook for the run ({@code Globals.debuglib}, never visible to the script), so it
 * sees every Lua call, return and instruction:
 *
 * <ul>
 *   <li>{@link #MAX_INSTRUCTIONS}: the run stops (an {@link Abort}, which {@code pcall} cannot catch) at the first
 *       instruction past the budget. Instructions are counted, not time, so every replica stops at the same
 *       instruction, after the same {@code redis.call}s.</li>
 *   <li>{@link #MAX_DEPTH} nested Lua calls (Lua 5.1's C-call limit): deeper is a {@code stack overflow} error, well
 *       before the Java stack runs out (where it would run out depends on the JVM's state, not on the script).</li>
 *   <li>{@link #MAX_STRING_BYTES}: a concatenation that would build a longer string is an error.</li>
 * </ul>
 *
 * It also keeps the line each Lua frame is at (for error messages), the run's random generator (Redis's rand48,
 * seeded from the log) and deterministic names for tables and functions ({@code tostring}).
 */
final class ScriptRun extends DebugLib {

    /** Lua VM instructions a script may run (about half a second of luaj). */
    static final long MAX_INSTRUCTIONS = 50_000_000L;
    /** Nested Lua calls. */
    static final int MAX_DEPTH = 200;
    /** The longest string a script may build (by {@code ..}, string.rep, string.format, table.concat...). */
    static final int MAX_STRING_BYTES = 64 << 20;

    private static final ThreadLocal<ScriptRun> CURRENT = new ThreadLocal<>();

    /** Stops a run for good: an Error, so no pcall, xpcall or library function catches it. */
    static final class Abort extends Error {
        private static final long serialVersionUID = 1L;

        Abort(String message) {
            super(message, null, false, false);
        }
    }

    final CommandContext context;
    /** EVAL_RO, EVALSHA_RO, or a script whose shebang says {@code no-writes}: writes are refused. */
    final boolean readOnly;
    final String sha;
    final Rand48 random;
    /** The run's globals (set when they are made): what loadstring's chunks see. */
    ScriptGlobals globals;

    private long instructions;
    private final LuaClosure[] frames = new LuaClosure[MAX_DEPTH + 1];
    private final int[] pcs = new int[MAX_DEPTH + 1];
    private int depth;
    private int errorLine;
    /** The instruction count when {@link #errorRaised} last ran. */
    private long errorAt = -1;
    /** The last instruction run (its function and pc): where a tail call that failed was made. */
    private LuaClosure lastClosure;
    private int lastPc;
    private Map<LuaValue, Integer> names;

    ScriptRun(CommandContext context, boolean readOnly, String sha) {
        this.context = context;
        this.readOnly = readOnly;
        this.sha = sha;
        this.random = new Rand48(context.nextRandom());
    }

    static ScriptRun current() {
        ScriptRun run = CURRENT.get();
        if (run == null) {
            throw new LuaError("no script is running");
        }
        return run;
    }

    void enter() {
        CURRENT.set(this);
    }

    void exit() {
        CURRENT.remove();
    }

    long instructions() {
        return instructions;
    }

    // ------------------------------------------------------------------ the hook

    @Override
    public void onCall(LuaFunction function) {
        push(null, null);
    }

    @Override
    public void onCall(LuaClosure closure, Varargs varargs, LuaValue[] stack) {
        push(closure, stack);
    }

    /** Also counts a Java function that calls back into Lua (pcall, xpcall): the Java stack grows with both. */
    void push(LuaClosure closure, LuaValue[] stack) {
        if (depth >= MAX_DEPTH) {
            // Thrown before luaj's try block: no onReturn follows, so the frame is not counted.
            throw new LuaError("stack overflow");
        }
        frames[depth] = closure;
        pcs[depth] = 0;
        stacks[depth] = stack;
        depth++;
    }

    private final LuaValue[][] stacks = new LuaValue[MAX_DEPTH + 1][];

    @Override
    public void onReturn() {
        if (depth > 0) {
            depth--;
            frames[depth] = null;
            stacks[depth] = null;
        }
    }

    @Override
    public void onInstruction(int pc, Varargs varargs, int top) {
        int frame = depth - 1;
        if (frame < 0 || frames[frame] == null) {
            return;
        }
        LuaClosure closure = frames[frame];
        pcs[frame] = pc;
        lastClosure = closure;
        lastPc = pc;
        if (++instructions > MAX_INSTRUCTIONS) {
            errorRaised();
            throw new Abort("script exceeded the limit of " + MAX_INSTRUCTIONS + " Lua instructions; it was "
                    + "stopped there (what it changed before stays changed, as after any script error)");
        }
        int instruction = closure.p.code[pc];
        if ((instruction & 0x3f) == Lua.OP_CONCAT) {
            checkConcat(stacks[frame], instruction);
        }
    }

    /** OP_CONCAT R(A) := R(B) .. ... .. R(C): refused before it builds a string over the bound. */
    private static void checkConcat(LuaValue[] stack, int instruction) {
        int b = (instruction >>> 23) & 0x1ff;
        int c = (instruction >>> 14) & 0x1ff;
        long length = 0;
        for (int r = b; r <= c && r < stack.length; r++) {
            LuaValue value = stack[r];
            if (value instanceof LuaString string) {
                length += string.length();
            } else if (value != null && value.isnumber()) {
                length += 24;
            }
        }
        checkLength(length);
    }

    static void checkLength(long length) {
        if (length > MAX_STRING_BYTES) {
            throw new LuaError("string length overflow (a script may build strings of at most "
                    + MAX_STRING_BYTES + " bytes)");
        }
    }

    @Override
    public String traceback(int level) {
        return "";
    }

    // ------------------------------------------------------------------ where the script is

    /**
     * The line of the Lua function that called the running Java function, {@code level} frames up (1: its
     * caller). A Java function called by a tail call ({@code return f(x)}) runs after luaj has left the calling
     * function; Lua (which runs C functions in place) places it at the tail call, and so does this.
     */
    int callerLine(int level) {
        return level == 1 && afterTailCall() ? lastLine() : lineAt(level);
    }

    /** True if the last instruction run was a tail call whose function has already returned. */
    boolean afterTailCall() {
        if (lastClosure == null || (depth > 0 && frames[depth - 1] == lastClosure)) {
            return false;
        }
        return (lastClosure.p.code[lastPc] & 0x3f) == Lua.OP_TAILCALL;
    }

    private int lastLine() {
        int[] lines = lastClosure == null ? null : lastClosure.p.lineinfo;
        return lines != null && lastPc < lines.length ? lines[lastPc] : 0;
    }

    /** The line the innermost Lua function is at (0 if none). */
    int currentLine() {
        return lineAt(1);
    }

    /** The line of the Lua function {@code level} frames up (1: the innermost), or 0. */
    int lineAt(int level) {
        int frame = depth - level;
        if (frame < 0 || frames[frame] == null) {
            return 0;
        }
        int[] lines = frames[frame].p.lineinfo;
        int pc = pcs[frame];
        return lines != null && pc >= 0 && pc < lines.length ? lines[pc] : 0;
    }

    /** Called as an error leaves the Lua function it arose in: remembers that function's line. */
    void errorRaised() {
        errorLine = currentLine();
        errorAt = instructions;
    }

    /**
     * The line of the error that ended the run: where it left its Lua function; or, if it left none (a failing
     * {@code return redis.call(...)} is a tail call, made after its function returned), the last line run.
     */
    int errorLine() {
        return errorAt == instructions && errorLine > 0 ? errorLine : lastLine();
    }

    /** A name for a table or function that is the same on every replica: the order in which the run named it. */
    String nameOf(LuaValue value) {
        if (names == null) {
            names = new IdentityHashMap<>();
        }
        int id = names.computeIfAbsent(value, v -> names.size() + 1);
        return value.typename() + ": 0x" + String.format("%08x", id);
    }
}
