package io.caucus.kv.state;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * The key-value state machine's snapshot format, streamed (never held whole in memory). Version 5:
 *
 * <pre>
 *   int  magic "CKVS", int version (5)
 *   long applied index the snapshot was taken at, long the state's time (ms)
 *   int  session count, then per session, least recently used first (so LRU order survives a restore):
 *        long client id, long last sequence, int result length (-1: none), result bytes
 *   long index below which WATCH answers were forgotten, int count of remembered deletions, then per deletion:
 *        int key length, key bytes, long index
 *   int  script count, then per cached script, in the order it was added (its name is the SHA1 of its bytes):
 *        int length, script bytes
 *   long key count, then per key: byte type, int key length, key bytes, long expiry (ms; Long.MAX_VALUE: none),
 *        long index of its last change, then the value:
 *          string: int length, bytes
 *          hash:   int count, then (field, value) as length-prefixed bytes
 *          set, list: int count, then each element as length-prefixed bytes (a list in order)
 *          zset:   int count, then (member as length-prefixed bytes, double score) in score order
 *   the group's part in slot moves (see writeMoves), long the newest mover's term (its fence), the copies of large
 *        keys assembled from parts so far (see writePartialCopies)
 *   int  magic "CKVE", int CRC32C of every byte before it
 * </pre>
 *
 * Versions 4 (no fence: 0), 3 (no slot moves either), 2 (the same without the scripts: an empty script cache)
 * and 1 (strings only, no time, no WATCH memory,
 * no scripts: per key int key length, key, int value length, value) are still read, so a node upgraded from them
 * restores its old snapshots.
 */
public final class KvSnapshotFormat {

    static final int MAGIC = 0x434B5653;
    static final int END_MAGIC = 0x434B5645;
    static final int VERSION = 5;
    /** Before movers were fenced: no fence after the moves section. */
    private static final int VERSION_4 = 4;
    /** Before slot moves: no moves section after the keys. */
    private static final int VERSION_3 = 3;
    private static final int VERSION_2 = 2;
    private static final int VERSION_1 = 1;
    /** Larger than any key or value the service accepts; a larger length means a damaged stream. */
    static final int MAX_ITEM_BYTES = 1 << 30;
    private static final int BUFFER_BYTES = 256 << 10;

    private static final int STRING = 0;
    private static final int HASH = 1;
    private static final int SET = 2;
    private static final int LIST = 3;
    private static final int ZSET = 4;

    /** One client session as kept in a snapshot. */
    public record SessionEntry(long clientId, SessionTable.Session session) {
    }

    /** The index a snapshot was taken at and the state's time then. */
    public record Header(long appliedIndex, long timeMillis) {
    }

    /** What {@link #read} returns: the contents to swap in. */
    public record Contents(Header header, List<SessionEntry> sessions, Keyspace.WatchMemory watch,
                           List<byte[]> scripts, Keyspace.KeyTable keys, SlotMoves.Saved moves) {
    }

    private KvSnapshotFormat() {
    }

    static void write(OutputStream target, Header header, List<SessionEntry> sessions, Keyspace.WatchMemory watch,
                      List<byte[]> scripts, Dict<Object> keys, SlotMoves.Saved moves) throws IOException {
        Encoder out = new Encoder(target);
        out.putInt(MAGIC);
        out.putInt(VERSION);
        out.putLong(header.appliedIndex());
        out.putLong(header.timeMillis());
        out.putInt(sessions.size());
        for (SessionEntry entry : sessions) {
            out.putLong(entry.clientId());
            out.putLong(entry.session().lastSequence());
            out.putBytesOrNone(entry.session().lastResult());
        }
        out.putLong(watch.forgottenBelowIndex());
        out.putInt(watch.recentDeletions().size());
        for (Dict.Entry<Long> deletion : watch.recentDeletions()) {
            out.putBytesOrNone(deletion.key());
            out.putLong(deletion.value());
        }
        out.putInt(scripts.size());
        for (byte[] script : scripts) {
            out.putBytesOrNone(script);
        }
        writeKeys(out, keys.entries());
        writeMoves(out, moves);
        out.putLong(moves.fence());
        writePartialCopies(out, moves.partials());
        out.putInt(END_MAGIC);
        out.finish();
    }

    private static void writeKeys(Encoder out, List<? extends Dict.Entry<Object>> keys) throws IOException {
        out.putLong(keys.size());
        for (Dict.Entry<Object> e : keys) {
            KeyEntry entry = (KeyEntry) e;
            out.putByte(typeOf(entry.value()));
            out.putBytesOrNone(entry.key());
            out.putLong(entry.expireAtMillis());
            out.putLong(entry.modifiedIndex());
            writeValue(out, entry.value());
        }
    }

    /**
     * A group's part in slot moves (version 4): {@code slots:i32 (slot:u16 state:u8 peer:i64)^slots}, the staged
     * copies as keys are written, then the released and the promoted key names ({@code count:i32 bytes^count} each).
     */
    private static void writeMoves(Encoder out, SlotMoves.Saved moves) throws IOException {
        out.putInt(moves.slots().size());
        for (Map.Entry<Integer, SlotMoves.SlotState> slot : moves.slots().entrySet()) {
            out.putShort(slot.getKey());
            out.putByte(slot.getValue().code());
            out.putLong(slot.getValue().peer());
        }
        writeKeys(out, moves.staged().entries());
        for (SetValue names : List.of(moves.released(), moves.promoted())) {
            out.putInt(names.size());
            for (Dict.Entry<Boolean> name : names.entries()) {
                out.putBytesOrNone(name.key());
            }
        }
    }

    /**
     * Copies of large keys arriving in parts (version 5): {@code count:i32 (key:bytes source:i64 version:i64 total:i64
     * bytes)^count}, in key order.
     */
    private static void writePartialCopies(Encoder out, java.util.SortedMap<java.nio.ByteBuffer,
            SlotMoves.PartialCopy> partials) throws IOException {
        out.putInt(partials.size());
        for (Map.Entry<java.nio.ByteBuffer, SlotMoves.PartialCopy> partial : partials.entrySet()) {
            SlotMoves.PartialCopy copy = partial.getValue();
            out.putBytesOrNone(partial.getKey().array());
            out.putLong(copy.source());
            out.putLong(copy.version());
            out.putLong(copy.total());
            out.putBytesOrNone(copy.bytes().toByteArray());
        }
    }

    private static java.util.SortedMap<java.nio.ByteBuffer, SlotMoves.PartialCopy> readPartialCopies(
            DataInputStream in) throws IOException {
        int count = nonNegative(in.readInt(), "partial copy count");
        java.util.SortedMap<java.nio.ByteBuffer, SlotMoves.PartialCopy> partials = new java.util.TreeMap<>();
        for (int i = 0; i < count; i++) {
            byte[] key = readBytes(in, "partial copy key " + i);
            long source = in.readLong();
            long version = in.readLong();
            long total = in.readLong();
            byte[] bytes = readBytes(in, "partial copy " + i);
            if (total < bytes.length || total > MoveStep.MAX_KEY_COPY_BYTES) {
                throw invalid("gives a partial copy of " + bytes.length + " bytes out of " + total);
            }
            java.io.ByteArrayOutputStream filled = new java.io.ByteArrayOutputStream(bytes.length);
            filled.writeBytes(bytes);
            partials.put(java.nio.ByteBuffer.wrap(key), new SlotMoves.PartialCopy(source, version, total, filled));
        }
        return partials;
    }

    private static SlotMoves.Saved readMoves(DataInputStream in) throws IOException {
        int count = nonNegative(in.readInt(), "moving slot count");
        Map<Integer, SlotMoves.SlotState> slots = new java.util.TreeMap<>();
        for (int i = 0; i < count; i++) {
            int slot = in.readUnsignedShort();
            int state = in.readUnsignedByte();
            long peer = in.readLong();
            if (slot >= io.caucus.kv.slots.KeySlot.SLOTS || slots.containsKey(slot)) {
                throw invalid("gives moving slot " + slot + " twice or out of range");
            }
            slots.put(slot, switch (state) {
                case SlotMoves.MIGRATING -> new SlotMoves.Migrating(peer);
                case SlotMoves.IMPORTING -> new SlotMoves.Importing(peer);
                case SlotMoves.GONE -> new SlotMoves.Gone(peer);
                default -> throw invalid("gives slot " + slot + " the unknown move state " + state);
            });
        }
        Keyspace.KeyTable staged = readKeys(in);
        List<SetValue> names = new ArrayList<>(2);
        for (String what : List.of("released", "promoted")) {
            int size = nonNegative(in.readInt(), what + " key count");
            SetValue set = new SetValue();
            for (int i = 0; i < size; i++) {
                set.addMember(readBytes(in, what + " key " + i));
            }
            names.add(set);
        }
        return new SlotMoves.Saved(slots, staged, names.get(0), names.get(1), 0, new java.util.TreeMap<>());
    }

    /**
     * Keys with their values, expiries and last-change indexes, as a snapshot holds them, with a CRC32C trailer: a
     * slot move's batch from the source ({@link MoveStep.Stage}).
     */
    static byte[] writeKeyBatch(List<KeyEntry> keys) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            Encoder out = new Encoder(bytes);
            writeKeys(out, keys);
            out.finish();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** The keys {@link #writeKeyBatch} wrote; an {@link IOException} naming the problem for anything else. */
    static Keyspace.KeyTable readKeyBatch(byte[] batch) throws IOException {
        CRC32C crc = new CRC32C();
        DataInputStream in = new DataInputStream(new CheckedInputStream(new java.io.ByteArrayInputStream(batch), crc));
        try {
            Keyspace.KeyTable keys = readKeys(in);
            int actual = (int) crc.getValue();
            if (in.readInt() != actual || in.read() != -1) {
                throw invalid("key batch fails its checksum or has bytes after it");
            }
            return keys;
        } catch (EOFException e) {
            throw invalid("key batch ends early (truncated)");
        }
    }

    private static int typeOf(Object value) {
        return switch (value) {
            case byte[] ignored -> STRING;
            case HashValue ignored -> HASH;
            case SetValue ignored -> SET;
            case ListValue ignored -> LIST;
            case ZSetValue ignored -> ZSET;
            default -> throw new IllegalStateException("unknown value type " + value.getClass());
        };
    }

    /** The bytes {@link #writeKeys} writes for {@code entry}. */
    static long encodedSize(KeyEntry entry) {
        long size = 1 + 4 + entry.key().length + 8 + 8;
        return size + switch (entry.value()) {
            case byte[] string -> 4 + string.length;
            case HashValue hash -> {
                long bytes = 4;
                for (Dict.Entry<byte[]> field : hash.entries()) {
                    bytes += 8 + field.key().length + field.value().length;
                }
                yield bytes;
            }
            case SetValue set -> {
                long bytes = 4;
                for (Dict.Entry<Boolean> member : set.entries()) {
                    bytes += 4 + member.key().length;
                }
                yield bytes;
            }
            case ListValue list -> {
                long bytes = 4;
                for (int i = 0; i < list.size(); i++) {
                    bytes += 4 + list.get(i).length;
                }
                yield bytes;
            }
            case ZSetValue zset -> {
                long bytes = 4;
                for (ZSetValue.Node node : zset.ascending()) {
                    bytes += 12 + node.member().length;
                }
                yield bytes;
            }
            default -> throw new IllegalStateException("unknown value type " + entry.value().getClass());
        };
    }

    private static void writeValue(Encoder out, Object value) throws IOException {
        switch (value) {
            case byte[] string -> out.putBytesOrNone(string);
            case HashValue hash -> {
                out.putInt(hash.size());
                for (Dict.Entry<byte[]> field : hash.entries()) {
                    out.putBytesOrNone(field.key());
                    out.putBytesOrNone(field.value());
                }
            }
            case SetValue set -> {
                out.putInt(set.size());
                for (Dict.Entry<Boolean> member : set.entries()) {
                    out.putBytesOrNone(member.key());
                }
            }
            case ListValue list -> {
                out.putInt(list.size());
                for (int i = 0; i < list.size(); i++) {
                    out.putBytesOrNone(list.get(i));
                }
            }
            case ZSetValue zset -> {
                out.putInt(zset.size());
                for (ZSetValue.Node node : zset.ascending()) {
                    out.putBytesOrNone(node.member());
                    out.putLong(Double.doubleToRawLongBits(node.score()));
                }
            }
            default -> throw new IllegalStateException("unknown value type " + value.getClass());
        }
    }

    /**
     * Reads a whole snapshot, checking its magic, version, lengths, end marker and checksum.
     *
     * @throws IOException naming what is wrong if the stream is not a valid snapshot of a known format
     */
    static Contents read(InputStream source) throws IOException {
        CRC32C crc = new CRC32C();
        // Above the buffer, so read-ahead is not counted: the checksum covers exactly what was parsed.
        DataInputStream in = new DataInputStream(
                new CheckedInputStream(new BufferedInputStream(source, BUFFER_BYTES), crc));
        try {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw invalid("does not start with the key-value snapshot magic (found 0x"
                        + Integer.toHexString(magic) + ")");
            }
            int version = in.readInt();
            if (version < VERSION_1 || version > VERSION) {
                throw invalid("has format version " + version + "; this build reads versions 1 to " + VERSION);
            }
            long appliedIndex = in.readLong();
            long timeMillis = version == VERSION_1 ? 0 : in.readLong();
            List<SessionEntry> sessions = readSessions(in);
            Keyspace.WatchMemory watch = version == VERSION_1
                    ? new Keyspace.WatchMemory(0, List.of()) : readWatchMemory(in);
            List<byte[]> scripts = version < VERSION_3 ? List.of() : readScripts(in);
            Keyspace.KeyTable keys = version == VERSION_1 ? readVersion1Keys(in) : readKeys(in);
            SlotMoves.Saved moves = version < VERSION_4 ? SlotMoves.Saved.NONE : readMoves(in);
            if (version > VERSION_4) {
                moves = moves.with(in.readLong(), readPartialCopies(in));
            }
            if (in.readInt() != END_MAGIC) {
                throw invalid("lacks its end marker after " + keys.size() + " keys");
            }
            int actual = (int) crc.getValue();
            int recorded = in.readInt();
            if (actual != recorded) {
                throw invalid("checksum mismatch: the data gives " + Integer.toHexString(actual)
                        + ", the snapshot records " + Integer.toHexString(recorded));
            }
            if (in.read() != -1) {
                throw invalid("has bytes after its checksum");
            }
            return new Contents(new Header(appliedIndex, timeMillis), sessions, watch, scripts, keys, moves);
        } catch (EOFException e) {
            throw invalid("ends early (truncated)");
        }
    }

    private static List<SessionEntry> readSessions(DataInputStream in) throws IOException {
        int count = nonNegative(in.readInt(), "session count");
        List<SessionEntry> sessions = new ArrayList<>(Math.min(count, 1 << 16));
        for (int i = 0; i < count; i++) {
            long clientId = in.readLong();
            long lastSequence = in.readLong();
            byte[] result = readBytesOrNone(in, "session " + clientId + " result");
            if (lastSequence < 0 || (result == null) != (lastSequence == 0)) {
                throw invalid("holds session " + clientId + " with sequence " + lastSequence
                        + (result == null ? " and no result" : " and a result"));
            }
            sessions.add(new SessionEntry(clientId, new SessionTable.Session(lastSequence, result)));
        }
        return sessions;
    }

    private static Keyspace.WatchMemory readWatchMemory(DataInputStream in) throws IOException {
        long forgottenBelow = in.readLong();
        int count = nonNegative(in.readInt(), "deletion count");
        Dict<Long> deletions = new Dict<>();
        for (int i = 0; i < count; i++) {
            byte[] key = readBytes(in, "deleted key " + i);
            deletions.put(key, in.readLong());
        }
        return new Keyspace.WatchMemory(forgottenBelow, deletions.entries());
    }

    private static List<byte[]> readScripts(DataInputStream in) throws IOException {
        int count = nonNegative(in.readInt(), "script count");
        List<byte[]> scripts = new ArrayList<>(Math.min(count, ScriptCache.MAX_SCRIPTS));
        for (int i = 0; i < count; i++) {
            scripts.add(readBytes(in, "script " + i));
        }
        return scripts;
    }

    private static Keyspace.KeyTable readKeys(DataInputStream in) throws IOException {
        long count = in.readLong();
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw invalid("has an impossible key count " + count);
        }
        Keyspace.KeyTable keys = new Keyspace.KeyTable();
        for (long i = 0; i < count; i++) {
            int type = in.readUnsignedByte();
            byte[] key = readBytes(in, "key " + i);
            long expireAt = in.readLong();
            long modifiedIndex = in.readLong();
            Object value = readValue(in, type, i);
            if (keys.containsKey(key)) {
                throw invalid("holds key " + i + " twice");
            }
            keys.link(Keyspace.restoredEntry(key, value, expireAt, modifiedIndex));
        }
        return keys;
    }

    private static Object readValue(DataInputStream in, int type, long keyNumber) throws IOException {
        String what = "key " + keyNumber;
        switch (type) {
            case STRING:
                return readBytes(in, "value of " + what);
            case HASH: {
                int count = nonNegative(in.readInt(), "field count of " + what);
                HashValue hash = new HashValue();
                for (int i = 0; i < count; i++) {
                    hash.put(readBytes(in, "field of " + what), readBytes(in, "field value of " + what));
                }
                return hash;
            }
            case SET: {
                int count = nonNegative(in.readInt(), "member count of " + what);
                SetValue set = new SetValue();
                for (int i = 0; i < count; i++) {
                    set.addMember(readBytes(in, "member of " + what));
                }
                return set;
            }
            case LIST: {
                int count = nonNegative(in.readInt(), "element count of " + what);
                ListValue list = new ListValue();
                for (int i = 0; i < count; i++) {
                    list.addLast(readBytes(in, "element of " + what));
                }
                return list;
            }
            case ZSET: {
                int count = nonNegative(in.readInt(), "member count of " + what);
                ZSetValue zset = new ZSetValue();
                for (int i = 0; i < count; i++) {
                    byte[] member = readBytes(in, "member of " + what);
                    double score = Double.longBitsToDouble(in.readLong());
                    if (Double.isNaN(score)) {
                        throw invalid("gives a member of " + what + " the score NaN");
                    }
                    zset.put(member, score);
                }
                return zset;
            }
            default:
                throw invalid("gives " + what + " the unknown type " + type);
        }
    }

    private static Keyspace.KeyTable readVersion1Keys(DataInputStream in) throws IOException {
        long count = in.readLong();
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw invalid("has an impossible key count " + count);
        }
        Keyspace.KeyTable keys = new Keyspace.KeyTable();
        for (long i = 0; i < count; i++) {
            byte[] key = readBytes(in, "key " + i);
            byte[] value = readBytes(in, "value of key " + i);
            if (keys.containsKey(key)) {
                throw invalid("holds key " + i + " twice");
            }
            keys.link(Keyspace.restoredEntry(key, value, KeyEntry.NO_EXPIRY, 0));
        }
        return keys;
    }

    private static int nonNegative(int count, String what) throws IOException {
        if (count < 0) {
            throw invalid("has a negative " + what + " " + count);
        }
        return count;
    }

    private static byte[] readBytes(DataInputStream in, String what) throws IOException {
        byte[] bytes = readBytesOrNone(in, what);
        if (bytes == null) {
            throw invalid("holds " + what + " without bytes");
        }
        return bytes;
    }

    private static byte[] readBytesOrNone(DataInputStream in, String what) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > MAX_ITEM_BYTES) {
            throw invalid("gives " + what + " an impossible length " + length);
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    private static IOException invalid(String problem) {
        return new IOException("key-value snapshot " + problem);
    }

    /**
     * Encodes into one buffer and hands it to the target a buffer at a time, with the checksum taken over the
     * same whole buffers: a snapshot is mostly small keys and values, and per-item stream calls (a checksum update
     * and a buffered write for every int) cost more than the copying. Big-endian, as {@link DataInputStream} reads.
     */
    private static final class Encoder {
        private final OutputStream target;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        private final CRC32C crc = new CRC32C();

        Encoder(OutputStream target) {
            this.target = target;
        }

        void putByte(int value) throws IOException {
            room(1);
            buffer.put((byte) value);
        }

        void putInt(int value) throws IOException {
            room(Integer.BYTES);
            buffer.putInt(value);
        }

        void putShort(int value) throws IOException {
            room(Short.BYTES);
            buffer.putShort((short) value);
        }

        void putLong(long value) throws IOException {
            room(Long.BYTES);
            buffer.putLong(value);
        }

        void putBytesOrNone(byte[] bytes) throws IOException {
            if (bytes == null) {
                putInt(-1);
                return;
            }
            putInt(bytes.length);
            if (bytes.length > buffer.capacity()) {
                drain();
                crc.update(bytes, 0, bytes.length);
                target.write(bytes, 0, bytes.length);
                return;
            }
            room(bytes.length);
            buffer.put(bytes);
        }

        /** Appends the checksum of everything before it and hands the rest over; the target stays open. */
        void finish() throws IOException {
            drain();
            putInt((int) crc.getValue());
            target.write(buffer.array(), 0, buffer.position());
            buffer.clear();
            target.flush();
        }

        private void room(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                drain();
            }
        }

        private void drain() throws IOException {
            crc.update(buffer.array(), 0, buffer.position());
            target.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
    }
}
