package io.caucus.kv.state;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of commands (log entries), queries and results.
 *
 * <p>Why hand-rolled rather than Protocol Buffers: the messages are a handful of byte strings and integers,
 * they live in the log for ever, and a fixed, documented layout keeps every entry a few bytes over its
 * payload with no generated code. Layout: one format-version byte ({@value #VERSION}), one tag byte, then
 * fields; integers are unsigned LEB128 varints (signed values zig-zag encoded); byte strings are a varint
 * length followed by the bytes; lists are a varint count followed by the elements. A decoder refuses an
 * unknown version or tag, a truncated field and trailing bytes, so a future format change is detected rather
 * than misread.
 *
 * <pre>
 * command  = VERSION (REGISTER | SESSION varint:clientId varint:sequence write)
 * write    = SET key value | DEL list | INCRBY key zigzag | APPEND key value | MSET list list | CAS key exp new
 * query    = VERSION (GET key | MGET list | EXISTS list | STRLEN key | DBSIZE)
 * result   = VERSION (OK | INT zigzag | BULK bytes | NIL | ARRAY count (0 | 1 bytes)* | ERROR code message)
 * </pre>
 */
public final class KvCodec {

    public static final int VERSION = 1;

    private static final int REGISTER = 1;
    private static final int SESSION = 2;

    private static final int SET = 1;
    private static final int DEL = 2;
    private static final int INCRBY = 3;
    private static final int APPEND = 4;
    private static final int MSET = 5;
    private static final int CAS = 6;

    private static final int GET = 1;
    private static final int MGET = 2;
    private static final int EXISTS = 3;
    private static final int STRLEN = 4;
    private static final int DBSIZE = 5;

    private static final int OK = 1;
    private static final int INT = 2;
    private static final int BULK = 3;
    private static final int NIL = 4;
    private static final int ARRAY = 5;
    private static final int ERROR = 6;

    private KvCodec() {
    }

    public static byte[] encode(KvCommand command) {
        Writer out = new Writer();
        out.raw(VERSION);
        switch (command) {
            case KvCommand.RegisterClient ignored -> out.raw(REGISTER);
            case KvCommand.SessionWrite write -> {
                out.raw(SESSION);
                out.varint(write.clientId());
                out.varint(write.sequence());
                encodeWrite(out, write.write());
            }
        }
        return out.toByteArray();
    }

    private static void encodeWrite(Writer out, KvWrite write) {
        switch (write) {
            case KvWrite.Set set -> {
                out.raw(SET);
                out.bytes(set.key());
                out.bytes(set.value());
            }
            case KvWrite.Delete delete -> {
                out.raw(DEL);
                out.list(delete.keys());
            }
            case KvWrite.IncrementBy increment -> {
                out.raw(INCRBY);
                out.bytes(increment.key());
                out.zigzag(increment.delta());
            }
            case KvWrite.Append append -> {
                out.raw(APPEND);
                out.bytes(append.key());
                out.bytes(append.value());
            }
            case KvWrite.MultiSet multiSet -> {
                out.raw(MSET);
                out.list(multiSet.keys());
                out.list(multiSet.values());
            }
            case KvWrite.CompareAndSet cas -> {
                out.raw(CAS);
                out.bytes(cas.key());
                out.bytes(cas.expected());
                out.bytes(cas.replacement());
            }
        }
    }

    public static KvCommand decodeCommand(byte[] data) {
        Reader in = new Reader(data);
        KvCommand command = switch (in.tag("command")) {
            case REGISTER -> new KvCommand.RegisterClient();
            case SESSION -> new KvCommand.SessionWrite(in.varint(), in.varint(), decodeWrite(in));
            default -> throw in.malformed("unknown command tag");
        };
        in.end();
        return command;
    }

    private static KvWrite decodeWrite(Reader in) {
        return switch (in.raw()) {
            case SET -> new KvWrite.Set(in.bytes(), in.bytes());
            case DEL -> new KvWrite.Delete(in.list());
            case INCRBY -> new KvWrite.IncrementBy(in.bytes(), in.zigzag());
            case APPEND -> new KvWrite.Append(in.bytes(), in.bytes());
            case MSET -> new KvWrite.MultiSet(in.list(), in.list());
            case CAS -> new KvWrite.CompareAndSet(in.bytes(), in.bytes(), in.bytes());
            default -> throw in.malformed("unknown write tag");
        };
    }

    public static byte[] encode(KvQuery query) {
        Writer out = new Writer();
        out.raw(VERSION);
        switch (query) {
            case KvQuery.Get get -> {
                out.raw(GET);
                out.bytes(get.key());
            }
            case KvQuery.MultiGet multiGet -> {
                out.raw(MGET);
                out.list(multiGet.keys());
            }
            case KvQuery.Exists exists -> {
                out.raw(EXISTS);
                out.list(exists.keys());
            }
            case KvQuery.Strlen strlen -> {
                out.raw(STRLEN);
                out.bytes(strlen.key());
            }
            case KvQuery.DbSize ignored -> out.raw(DBSIZE);
        }
        return out.toByteArray();
    }

    public static KvQuery decodeQuery(byte[] data) {
        Reader in = new Reader(data);
        KvQuery query = switch (in.tag("query")) {
            case GET -> new KvQuery.Get(in.bytes());
            case MGET -> new KvQuery.MultiGet(in.list());
            case EXISTS -> new KvQuery.Exists(in.list());
            case STRLEN -> new KvQuery.Strlen(in.bytes());
            case DBSIZE -> new KvQuery.DbSize();
            default -> throw in.malformed("unknown query tag");
        };
        in.end();
        return query;
    }

    public static byte[] encode(KvResult result) {
        Writer out = new Writer();
        out.raw(VERSION);
        switch (result) {
            case KvResult.Ok ignored -> out.raw(OK);
            case KvResult.Int value -> {
                out.raw(INT);
                out.zigzag(value.value());
            }
            case KvResult.Bulk bulk -> {
                out.raw(BULK);
                out.bytes(bulk.value());
            }
            case KvResult.Nil ignored -> out.raw(NIL);
            case KvResult.Array array -> {
                out.raw(ARRAY);
                out.varint(array.elements().size());
                for (byte[] element : array.elements()) {
                    out.raw(element == null ? 0 : 1);
                    if (element != null) {
                        out.bytes(element);
                    }
                }
            }
            case KvResult.Error error -> {
                out.raw(ERROR);
                out.bytes(error.code().getBytes(StandardCharsets.UTF_8));
                out.bytes(error.message().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    public static KvResult decodeResult(byte[] data) {
        Reader in = new Reader(data);
        KvResult result = switch (in.tag("result")) {
            case OK -> KvResult.OK;
            case INT -> new KvResult.Int(in.zigzag());
            case BULK -> new KvResult.Bulk(in.bytes());
            case NIL -> KvResult.NIL;
            case ARRAY -> decodeArray(in);
            case ERROR -> new KvResult.Error(in.string(), in.string());
            default -> throw in.malformed("unknown result tag");
        };
        in.end();
        return result;
    }

    private static KvResult.Array decodeArray(Reader in) {
        int count = in.count();
        List<byte[]> elements = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            elements.add(switch (in.raw()) {
                case 0 -> null;
                case 1 -> in.bytes();
                default -> throw in.malformed("bad array element marker");
            });
        }
        return new KvResult.Array(elements);
    }

    /** Thrown for bytes that are not a valid encoding; says where decoding stopped. */
    public static final class MalformedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }

    private static final class Writer extends ByteArrayOutputStream {
        Writer() {
            super(32);
        }

        void raw(int value) {
            write(value);
        }

        void varint(long value) {
            long rest = value;
            while ((rest & ~0x7FL) != 0) {
                write((int) ((rest & 0x7F) | 0x80));
                rest >>>= 7;
            }
            write((int) rest);
        }

        void zigzag(long value) {
            varint((value << 1) ^ (value >> 63));
        }

        void bytes(byte[] value) {
            varint(value.length);
            writeBytes(value);
        }

        void list(List<byte[]> values) {
            varint(values.size());
            for (byte[] value : values) {
                bytes(value);
            }
        }
    }

    private static final class Reader {
        private final byte[] data;
        private int position;

        Reader(byte[] data) {
            this.data = data;
        }

        int tag(String what) {
            int version = raw();
            if (version != VERSION) {
                throw malformed("unsupported " + what + " format version " + version);
            }
            return raw();
        }

        int raw() {
            if (position >= data.length) {
                throw malformed("truncated");
            }
            return data[position++] & 0xFF;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = raw();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw malformed("varint longer than 10 bytes");
        }

        long zigzag() {
            long encoded = varint();
            return (encoded >>> 1) ^ -(encoded & 1);
        }

        int count() {
            long count = varint();
            if (count < 0 || count > data.length - position) {
                throw malformed("length " + count + " exceeds the remaining " + (data.length - position) + " bytes");
            }
            return (int) count;
        }

        byte[] bytes() {
            int length = count();
            byte[] value = new byte[length];
            System.arraycopy(data, position, value, 0, length);
            position += length;
            return value;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        List<byte[]> list() {
            int count = count();
            List<byte[]> values = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                values.add(bytes());
            }
            return values;
        }

        void end() {
            if (position != data.length) {
                throw malformed((data.length - position) + " trailing bytes");
            }
        }

        MalformedException malformed(String why) {
            return new MalformedException(why + " at byte " + position + " of " + data.length);
        }
    }
}
