package io.caucus.kv.state;

import io.caucus.kv.protocol.ErrorCodes;
import java.util.List;

/** The answer to a write or a query, encoded by {@link KvCodec} and turned into a RESP reply. */
public sealed interface KvResult {

    record Ok() implements KvResult {
    }

    record Int(long value) implements KvResult {
    }

    record Bulk(byte[] value) implements KvResult {
    }

    /** A missing value (RESP null bulk string). */
    record Nil() implements KvResult {
    }

    /** An array of bulk strings; an element is {@code null} for a missing value. */
    record Array(List<byte[]> elements) implements KvResult {
    }

    /**
     * A deterministic error, e.g. {@code ERR value is not an integer}: {@code code} is the first word of the RESP
     * error (see {@link ErrorCodes}).
     */
    record Error(String code, String message) implements KvResult {
    }

    Ok OK = new Ok();
    Nil NIL = new Nil();
}
