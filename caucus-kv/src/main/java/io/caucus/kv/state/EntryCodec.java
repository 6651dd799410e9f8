package io.caucus.kv.state;

import io.caucus.kv.command.Reply;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of log entries ({@link KvEntry}), reads ({@link KvQuery}) and replies ({@link Reply}).
 *
 * <p>Why hand-rolled rather than Protocol Buffers: the messages are argument vectors of byte strings and a few
 * integers, they live in the log for ever, and a fixed, documented layout keeps every entry a few bytes over
 * its payload with no generated code. Integers are unsigned LEB128 varints (signed ones zig-zag encoded); byte
 * strings a varint length and the bytes; lists a varint count and the elements. A decoder refuses an unknown
 * version or tag, a truncated field and trailing bytes, so a format change is detected rather than misread.
 *
 * <pre>
 * entry   = 2 tag time:int64be (REGISTER | (SESSION | ASKING_SESSION) varint:client varint:sequence body
 *         | SWEEP varint:max | MOVE bytes:step | FENCED_MOVE varint:mover bytes:step)
 * body    = CALL argv | EXEC varint:n (bytes:key varint:index)^n varint:m argv^m
 * argv    = varint:n bytes^n
 * query   = 2 tag time:int64be ((CALL | ASKING_CALL) argv | WATCH_INDEX
 *         | MOVE_SCAN varint:start varint:end varint:cursor varint:max)
 * reply   = 2 value
 * value   = STATUS bytes | ERROR bytes:code bytes:message | INT zigzag | BULK bytes | NIL
 *         | ARRAY varint:n value^n | NULL_ARRAY
 * </pre>
 *
 * The time sits at a fixed offset so that the leader can stamp an encoded entry without decoding it
 * ({@link #stamp}). Version 1 (strings only: typed SET/DEL/INCRBY/APPEND/MSET/CAS entries, and replies without
 * STATUS or nesting) is still read, so a log or snapshot written before the data model grew replays as it did.
 */
public final class EntryCodec {

    public static final int VERSION = 2;
    static final int LEGACY_VERSION = 1;
    private static final int TIME_OFFSET = 2;

    private static final int REGISTER = 1;
    private static final int SESSION = 2;
    private static final int SWEEP = 3;
    /** A slot move's step, its body in {@link MoveStep}'s own form. */
    private static final int MOVE = 4;
    /** A session command sent after ASKING: as SESSION (a tag of its own: logs written before it read as they did). */
    private static final int ASKING_SESSION = 5;
    /** A slot move's step with the term of the mover that proposed it (MOVE: a step written before, term 0). */
    private static final int FENCED_MOVE = 6;

    private static final int CALL = 1;
    private static final int EXEC = 2;
    private static final int WATCH_INDEX = 3;
    private static final int MOVE_SCAN = 4;
    /** A read sent after ASKING: as CALL. */
    private static final int ASKING_CALL = 5;

    private static final int STATUS = 1;
    private static final int ERROR = 2;
    private static final int INT = 3;
    private static final int BULK = 4;
    private static final int NIL = 5;
    private static final int ARRAY = 6;
    private static final int NULL_ARRAY = 7;

    private EntryCodec() {
    }

    // ------------------------------------------------------------------ entries

    public static byte[] encode(KvEntry entry) {
        Writer out = new Writer(entry instanceof KvEntry.SessionCommand command
                && command.body() instanceof KvEntry.Call call ? 32 + encodedSize(call.argv()) : 32);
        out.raw(VERSION);
        switch (entry) {
            case KvEntry.Register register -> {
                out.raw(REGISTER);
                out.fixedLong(register.timeMillis());
            }
            case KvEntry.SessionCommand command -> {
                out.raw(command.asking() ? ASKING_SESSION : SESSION);
                out.fixedLong(command.timeMillis());
                out.varint(command.clientId());
                out.varint(command.sequence());
                encodeBody(out, command.body());
            }
            case KvEntry.Sweep sweep -> {
                out.raw(SWEEP);
                out.fixedLong(sweep.timeMillis());
                out.varint(sweep.maxKeys());
            }
            case KvEntry.Move move -> {
                out.raw(move.mover() == 0 ? MOVE : FENCED_MOVE);
                out.fixedLong(move.timeMillis());
                if (move.mover() != 0) {
                    out.varint(move.mover());
                }
                out.bytes(MoveStep.encode(move.step()));
            }
        }
        return out.toByteArray();
    }

    private static void encodeBody(Writer out, KvEntry.Body body) {
        switch (body) {
            case KvEntry.Call call -> {
                out.raw(CALL);
                out.list(call.argv());
            }
            case KvEntry.Exec exec -> {
                out.raw(EXEC);
                out.varint(exec.watches().size());
                for (KvEntry.Watch watch : exec.watches()) {
                    out.bytes(watch.key());
                    out.varint(watch.index());
                }
                out.varint(exec.commands().size());
                for (List<byte[]> argv : exec.commands()) {
                    out.list(argv);
                }
            }
        }
    }

    /**
     * The entry {@code data} encodes.
     *
     * @throws MalformedException for bytes that are not a valid entry, including well-formed bytes whose values no
     *                            entry may hold (a sequence number of 0): a replica skips such an entry, it never fails
     *                            on it, since every replica would fail on it alike
     */
    public static KvEntry decodeEntry(byte[] data) {
        Reader in = new Reader(data);
        try {
            return entry(in);
        } catch (MalformedException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw in.malformed("invalid entry: " + e.getMessage());
        }
    }

    private static KvEntry entry(Reader in) {
        int version = in.raw();
        if (version == LEGACY_VERSION) {
            return LegacyEntries.decode(in);
        }
        in.expectVersion(version, "entry");
        int tag = in.raw();
        long time = in.fixedLong();
        KvEntry entry = switch (tag) {
            case REGISTER -> new KvEntry.Register(time);
            case SESSION, ASKING_SESSION -> new KvEntry.SessionCommand(time, in.varint(), in.varint(), decodeBody(in),
                    tag == ASKING_SESSION);
            case SWEEP -> new KvEntry.Sweep(time, (int) Math.min(in.varint(), Integer.MAX_VALUE));
            case MOVE -> new KvEntry.Move(time, MoveStep.decode(in.bytes()));
            case FENCED_MOVE -> {
                long mover = in.varint();
                yield new KvEntry.Move(time, MoveStep.decode(in.bytes()), mover);
            }
            default -> throw in.malformed("unknown entry tag " + tag);
        };
        in.end();
        return entry;
    }

    private static KvEntry.Body decodeBody(Reader in) {
        int tag = in.raw();
        return switch (tag) {
            case CALL -> new KvEntry.Call(in.list());
            case EXEC -> {
                int watchCount = in.count();
                List<KvEntry.Watch> watches = new ArrayList<>(watchCount);
                for (int i = 0; i < watchCount; i++) {
                    watches.add(new KvEntry.Watch(in.bytes(), in.varint()));
                }
                int commandCount = in.count();
                List<List<byte[]>> commands = new ArrayList<>(commandCount);
                for (int i = 0; i < commandCount; i++) {
                    commands.add(in.list());
                }
                yield new KvEntry.Exec(watches, commands);
            }
            default -> throw in.malformed("unknown command body tag " + tag);
        };
    }

    /**
     * A copy of an encoded entry or query with its time set to {@code timeMillis}: the leader stamps what it
     * proposes or reads. A version-1 entry carries no time and is returned as it is.
     */
    public static byte[] stamp(byte[] encoded, long timeMillis) {
        if (encoded.length < TIME_OFFSET + Long.BYTES || encoded[0] != VERSION) {
            return encoded;
        }
        byte[] stamped = encoded.clone();
        for (int i = 0; i < Long.BYTES; i++) {
            stamped[TIME_OFFSET + i] = (byte) (timeMillis >>> (56 - 8 * i));
        }
        return stamped;
    }

    /** An upper bound of an argument vector's encoded size, so the buffer is allocated once. */
    private static int encodedSize(List<byte[]> argv) {
        int size = 5;
        for (byte[] arg : argv) {
            size += arg.length + 5;
        }
        return size;
    }

    // ------------------------------------------------------------------ queries

    public static byte[] encode(KvQuery query) {
        Writer out = new Writer(query instanceof KvQuery.Call call ? 16 + encodedSize(call.argv()) : 16);
        out.raw(VERSION);
        switch (query) {
            case KvQuery.Call call -> {
                out.raw(call.asking() ? ASKING_CALL : CALL);
                out.fixedLong(call.timeMillis());
                out.list(call.argv());
            }
            case KvQuery.WatchIndex watch -> {
                out.raw(WATCH_INDEX);
                out.fixedLong(watch.timeMillis());
            }
            case KvQuery.MoveScan scan -> {
                out.raw(MOVE_SCAN);
                out.fixedLong(scan.timeMillis());
                out.varint(scan.range().start());
                out.varint(scan.range().end());
                out.varint(scan.cursor());
                out.varint(scan.maxKeys());
            }
        }
        return out.toByteArray();
    }

    /** The read {@code data} encodes; {@link MalformedException} for anything else (see {@link #decodeEntry}). */
    public static KvQuery decodeQuery(byte[] data) {
        Reader in = new Reader(data);
        try {
            return query(in);
        } catch (MalformedException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw in.malformed("invalid query: " + e.getMessage());
        }
    }

    private static KvQuery query(Reader in) {
        in.expectVersion(in.raw(), "query");
        int tag = in.raw();
        long time = in.fixedLong();
        KvQuery query = switch (tag) {
            case CALL, ASKING_CALL -> new KvQuery.Call(time, in.list(), tag == ASKING_CALL);
            case WATCH_INDEX -> new KvQuery.WatchIndex(time);
            case MOVE_SCAN -> new KvQuery.MoveScan(time, new io.caucus.kv.slots.SlotRange(in.bounded(), in.bounded()),
                    in.varint(), in.bounded());
            default -> throw in.malformed("unknown query tag " + tag);
        };
        in.end();
        return query;
    }

    // ------------------------------------------------------------------ replies

    public static byte[] encode(Reply reply) {
        Writer out = new Writer();
        out.raw(VERSION);
        encodeValue(out, reply);
        return out.toByteArray();
    }

    private static void encodeValue(Writer out, Reply reply) {
        switch (reply) {
            case Reply.Status status -> {
                out.raw(STATUS);
                out.bytes(status.text().getBytes(StandardCharsets.UTF_8));
            }
            case Reply.Error error -> {
                out.raw(ERROR);
                out.bytes(error.code().getBytes(StandardCharsets.UTF_8));
                out.bytes(error.message().getBytes(StandardCharsets.UTF_8));
            }
            case Reply.Int value -> {
                out.raw(INT);
                out.zigzag(value.value());
            }
            case Reply.Bulk bulk -> {
                out.raw(BULK);
                out.bytes(bulk.value());
            }
            case Reply.Nil ignored -> out.raw(NIL);
            case Reply.Array array -> {
                out.raw(ARRAY);
                out.varint(array.elements().size());
                for (Reply element : array.elements()) {
                    encodeValue(out, element);
                }
            }
            case Reply.NullArray ignored -> out.raw(NULL_ARRAY);
        }
    }

    /** The reply {@code data} encodes; {@link MalformedException} for anything else (see {@link #decodeEntry}). */
    public static Reply decodeReply(byte[] data) {
        Reader in = new Reader(data);
        try {
            return reply(in);
        } catch (MalformedException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw in.malformed("invalid reply: " + e.getMessage());
        }
    }

    private static Reply reply(Reader in) {
        int version = in.raw();
        if (version == LEGACY_VERSION) {
            return LegacyEntries.decodeReply(in);
        }
        in.expectVersion(version, "reply");
        Reply reply = decodeValue(in, 0);
        in.end();
        return reply;
    }

    private static Reply decodeValue(Reader in, int depth) {
        if (depth > 64) {
            throw in.malformed("replies nested deeper than 64");
        }
        int tag = in.raw();
        return switch (tag) {
            case STATUS -> new Reply.Status(in.string());
            case ERROR -> new Reply.Error(in.string(), in.string());
            case INT -> new Reply.Int(in.zigzag());
            case BULK -> new Reply.Bulk(in.bytes());
            case NIL -> Reply.NIL;
            case ARRAY -> {
                int count = in.count();
                List<Reply> elements = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(decodeValue(in, depth + 1));
                }
                yield new Reply.Array(elements);
            }
            case NULL_ARRAY -> Reply.NULL_ARRAY;
            default -> throw in.malformed("unknown reply tag " + tag);
        };
    }

    /** Thrown for bytes that are not a valid encoding; says where decoding stopped. */
    public static final class MalformedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }

    static final class Writer extends ByteArrayOutputStream {
        Writer() {
            this(32);
        }

        Writer(int capacity) {
            super(capacity);
        }

        void raw(int value) {
            write(value);
        }

        void fixedLong(long value) {
            for (int shift = 56; shift >= 0; shift -= 8) {
                write((int) (value >>> shift));
            }
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

    static final class Reader {
        private final byte[] data;
        private int position;

        Reader(byte[] data) {
            this.data = data;
        }

        void expectVersion(int version, String what) {
            if (version != VERSION) {
                throw malformed("unsupported " + what + " format version " + version);
            }
        }

        int raw() {
            if (position >= data.length) {
                throw malformed("truncated");
            }
            return data[position++] & 0xFF;
        }

        long fixedLong() {
            long value = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                value = (value << 8) | raw();
            }
            return value;
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

        /** A count or length: no larger than the bytes left, so a corrupt length cannot make us allocate. */
        /** A varint read as an int, saturating, for fields whose own checks then refuse a too-large value. */
        int bounded() {
            return (int) Math.min(varint(), Integer.MAX_VALUE);
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
