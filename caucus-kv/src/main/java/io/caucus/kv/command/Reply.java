package io.caucus.kv.command;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a command answers, as RESP2 can say it. Produced by the state machine on every replica alike, so it
 * is also what the session table keeps and what a log entry's result encodes.
 */
public sealed interface Reply {

    /** A simple string: {@code +OK}, {@code +QUEUED}, {@code +string} (TYPE). */
    record Status(String text) implements Reply {
    }

    /**
     * An error: {@code code} is the first word of the RESP error (ERR, WRONGTYPE, EXECABORT, or one of
     * {@code ErrorCodes}' codes), {@code message} the rest.
     */
    record Error(String code, String message) implements Reply {
        /** The whole line as the client sees it. */
        public String line() {
            return message.isEmpty() ? code : code + " " + message;
        }
    }

    record Int(long value) implements Reply {
    }

    /** A bulk string; never null (see {@link #NIL}). */
    record Bulk(byte[] value) implements Reply {
    }

    /** The null bulk string ({@code $-1}). */
    record Nil() implements Reply {
    }

    /** An array of replies, possibly nested. */
    record Array(List<Reply> elements) implements Reply {
        public Array {
            elements = List.copyOf(elements);
        }
    }

    /** The null array ({@code *-1}): EXEC after a WATCHed key changed. */
    record NullArray() implements Reply {
    }

    Status OK = new Status("OK");
    Status QUEUED = new Status("QUEUED");
    Nil NIL = new Nil();
    NullArray NULL_ARRAY = new NullArray();
    Int ZERO = new Int(0);
    Int ONE = new Int(1);
    Array EMPTY_ARRAY = new Array(List.of());

    static Reply bulk(String text) {
        return new Bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    static Reply bulkOrNil(byte[] value) {
        return value == null ? NIL : new Bulk(value);
    }

    static Reply bool(boolean value) {
        return value ? ONE : ZERO;
    }

    static Error error(String message) {
        return new Error("ERR", message);
    }

    /** An array of bulk strings; a null element becomes a null bulk string. */
    static Array bulks(List<byte[]> values) {
        return new Array(values.stream().map(Reply::bulkOrNil).toList());
    }
}
