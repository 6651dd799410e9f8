package io.caucus.kv.state;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * The key-value state machine's snapshot format, version 1, streamed (never held whole in memory):
 *
 * <pre>
 *   int  magic "CKVS", int version
 *   long applied index the snapshot was taken at
 *   int  session count, then per session, least recently used first (so LRU order survives a restore):
 *        long client id, long last sequence, int result length (-1: none), result bytes
 *   long key count, then per key: int key length, key bytes, int value length, value bytes
 *   int  magic "CKVE", int CRC32C of every byte before it
 * </pre>
 */
final class KvSnapshotFormat {

    static final int MAGIC = 0x434B5653;
    static final int END_MAGIC = 0x434B5645;
    static final int VERSION = 1;
    /** Larger than any key or value the service accepts; a larger length means a damaged stream. */
    static final int MAX_ITEM_BYTES = 1 << 30;
    private static final int BUFFER_BYTES = 256 << 10;

    /** One client session as kept in a snapshot. */
    record SessionEntry(long clientId, SessionTable.Session session) {
    }

    /** What {@link #read} returns: the contents to swap in. */
    record Contents(long appliedIndex, List<SessionEntry> sessions, Map<ByteKey, byte[]> values) {
    }

    private KvSnapshotFormat() {
    }

    static void write(OutputStream target, long appliedIndex, List<SessionEntry> sessions,
                      Map<ByteKey, byte[]> values) throws IOException {
        Encoder out = new Encoder(target);
        out.putInt(MAGIC);
        out.putInt(VERSION);
        out.putLong(appliedIndex);
        out.putInt(sessions.size());
        for (SessionEntry entry : sessions) {
            out.putLong(entry.clientId());
            out.putLong(entry.session().lastSequence());
            out.putBytesOrNone(entry.session().lastResult());
        }
        out.putLong(values.size());
        for (Map.Entry<ByteKey, byte[]> entry : values.entrySet()) {
            out.putBytesOrNone(entry.getKey().bytes());
            out.putBytesOrNone(entry.getValue());
        }
        out.putInt(END_MAGIC);
        out.finish();
    }

    /**
     * Reads a whole snapshot, checking its magic, version, lengths, end marker and checksum.
     *
     * @throws IOException naming what is wrong if the stream is not a valid snapshot of this format
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
            if (version != VERSION) {
                throw invalid("has format version " + version + "; this build reads version " + VERSION);
            }
            long appliedIndex = in.readLong();
            List<SessionEntry> sessions = readSessions(in);
            Map<ByteKey, byte[]> values = readValues(in);
            if (in.readInt() != END_MAGIC) {
                throw invalid("lacks its end marker after " + values.size() + " keys");
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
            return new Contents(appliedIndex, sessions, values);
        } catch (EOFException e) {
            throw invalid("ends early (truncated)");
        }
    }

    private static List<SessionEntry> readSessions(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw invalid("has a negative session count " + count);
        }
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

    private static Map<ByteKey, byte[]> readValues(DataInputStream in) throws IOException {
        long count = in.readLong();
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw invalid("has an impossible key count " + count);
        }
        Map<ByteKey, byte[]> values = new HashMap<>((int) Math.min(count * 4 / 3 + 1, 1 << 24));
        for (long i = 0; i < count; i++) {
            byte[] key = readBytesOrNone(in, "key " + i);
            byte[] value = readBytesOrNone(in, "value of key " + i);
            if (key == null || value == null) {
                throw invalid("holds key " + i + " without " + (key == null ? "key bytes" : "a value"));
            }
            if (values.put(ByteKey.wrap(key), value) != null) {
                throw invalid("holds key " + i + " twice");
            }
        }
        return values;
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

        void putInt(int value) throws IOException {
            room(Integer.BYTES);
            buffer.putInt(value);
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
