package io.caucus.kv.command.script;

import io.caucus.kv.command.CommandException;
import io.caucus.kv.command.RedisNumbers;
import io.caucus.kv.command.Reply;
import java.util.ArrayList;
import java.util.List;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Replies to Lua values and back, exactly as Redis 7.0's {@code script_lua.c} converts them (RESP2).
 *
 * <pre>
 *   Redis -> Lua                          Lua -> Redis
 *   integer      -> number                number        -> integer (truncated toward zero)
 *   bulk         -> string                string        -> bulk
 *   nil bulk     -> false                 true / false  -> 1 / nil
 *   array        -> table (nested)        table         -> array up to the first nil (nested)
 *   nil array    -> false                 {ok=s}        -> status s
 *   status s     -> {ok=s}                {err=s}       -> error s
 *   error s      -> {err=s}               {double=n}    -> bulk n (%.17g); {map=t}, {set=t} -> flat arrays
 * </pre>
 */
final class Conversions {

    /** Nested tables deeper than this become an error element, as Redis's "reached lua stack limit". */
    static final int MAX_NESTING = 128;

    static final LuaString OK = LuaString.valueOf("ok");
    static final LuaString ERR = LuaString.valueOf("err");
    private static final LuaString DOUBLE = LuaString.valueOf("double");
    private static final LuaString BIG_NUMBER = LuaString.valueOf("big_number");
    private static final LuaString MAP = LuaString.valueOf("map");
    private static final LuaString SET = LuaString.valueOf("set");

    private Conversions() {
    }

    // ------------------------------------------------------------------ Redis -> Lua

    static LuaValue toLua(Reply reply) {
        return switch (reply) {
            case Reply.Int i -> LuaValue.valueOf((double) i.value());
            case Reply.Bulk b -> LuaString.valueUsing(b.value());
            case Reply.Nil ignored -> LuaValue.FALSE;
            case Reply.NullArray ignored -> LuaValue.FALSE;
            case Reply.Status s -> table(OK, LuaValue.valueOf(s.text()));
            case Reply.Error e -> errorTable(e.line());
            case Reply.Array a -> {
                LuaTable table = new LuaTable(a.elements().size(), 0);
                int i = 1;
                for (Reply element : a.elements()) {
                    table.rawset(i++, toLua(element));
                }
                yield table;
            }
        };
    }

    static LuaTable errorTable(String line) {
        return table(ERR, LuaValue.valueOf(line));
    }

    static LuaTable table(LuaString key, LuaValue value) {
        LuaTable table = new LuaTable();
        table.rawset(key, value);
        return table;
    }

    // ------------------------------------------------------------------ Lua -> Redis

    static Reply toReply(LuaValue value) {
        return toReply(value, 0);
    }

    private static Reply toReply(LuaValue value, int depth) {
        switch (value.type()) {
            case LuaValue.TSTRING:
                return new Reply.Bulk(bytes(value.checkstring()));
            case LuaValue.TBOOLEAN:
                return value.toboolean() ? Reply.ONE : Reply.NIL;
            case LuaValue.TNUMBER:
                return new Reply.Int(toLong(value.todouble()));
            case LuaValue.TTABLE:
                return tableToReply((LuaTable) value, depth);
            default:
                return Reply.NIL;
        }
    }

    private static Reply tableToReply(LuaTable table, int depth) {
        if (depth >= MAX_NESTING) {
            return Reply.error("reached lua stack limit");
        }
        LuaValue err = table.rawget(ERR);
        if (err.type() == LuaValue.TSTRING) {
            return errorReply(err.tojstring());
        }
        LuaValue ok = table.rawget(OK);
        if (ok.type() == LuaValue.TSTRING) {
            return new Reply.Status(ok.tojstring().replace('\r', ' ').replace('\n', ' '));
        }
        LuaValue dbl = table.rawget(DOUBLE);
        if (dbl.type() == LuaValue.TNUMBER) {
            return Reply.bulk(RedisNumbers.formatDouble(dbl.todouble()));
        }
        LuaValue big = table.rawget(BIG_NUMBER);
        if (big.type() == LuaValue.TSTRING) {
            return new Reply.Bulk(bytes(big.checkstring()));
        }
        LuaValue map = table.rawget(MAP);
        if (map.type() == LuaValue.TTABLE) {
            List<Reply> flat = new ArrayList<>();
            for (Varargs entry = map.next(LuaValue.NIL); !entry.arg1().isnil(); entry = map.next(entry.arg1())) {
                flat.add(toReply(entry.arg1(), depth + 1));
                flat.add(toReply(entry.arg(2), depth + 1));
            }
            return new Reply.Array(flat);
        }
        LuaValue set = table.rawget(SET);
        if (set.type() == LuaValue.TTABLE) {
            List<Reply> members = new ArrayList<>();
            for (Varargs entry = set.next(LuaValue.NIL); !entry.arg1().isnil(); entry = set.next(entry.arg1())) {
                members.add(toReply(entry.arg1(), depth + 1));
            }
            return new Reply.Array(members);
        }
        List<Reply> elements = new ArrayList<>();
        for (int i = 1; ; i++) {
            LuaValue element = table.rawget(i);
            if (element.isnil()) {
                break;
            }
            elements.add(toReply(element, depth + 1));
        }
        return new Reply.Array(elements);
    }

    /**
     * The error reply of {@code {err=s}}: Redis sends {@code -s} as it is (so its first word is the error code;
     * {@code redis.error_reply} is what adds ERR when there is none), with CR and LF as spaces.
     */
    static Reply.Error errorReply(String line) {
        return CommandException.ofLine(line.replace('\r', ' ').replace('\n', ' ')).reply();
    }

    /**
     * C's {@code (long long)} of a double as x86-64 computes it: truncation toward zero, and the "integer
     * indefinite" value (Long.MIN_VALUE) for NaN and for anything out of range (Redis replies that for
     * {@code return 1/0}).
     */
    static long toLong(double value) {
        if (Double.isNaN(value) || value >= 0x1p63 || value < -0x1p63) {
            return Long.MIN_VALUE;
        }
        return (long) value;
    }

    static byte[] bytes(LuaString string) {
        byte[] copy = new byte[string.length()];
        string.copyInto(0, copy, 0, copy.length);
        return copy;
    }
}
