package io.caucus.sim.kv;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of a {@link KvStateMachine} as of an applied index: its data and its client-session table. Immutable;
 * equal snapshots describe equal states. Encoded as bytes for the real snapshot store.
 *
 * @param sessions per client: the last operation applied and its result, for at-most-once application
 */
public record KvSnapshot(long appliedIndex, Map<String, String> data, Map<Integer, Session> sessions) {

    /** The last operation a client had applied, and what it returned ({@code null} for no result). */
    public record Session(long lastOperationId, String lastResult) {
    }

    public KvSnapshot {
        data = Collections.unmodifiableMap(new TreeMap<>(data));
        sessions = Collections.unmodifiableMap(new TreeMap<>(sessions));
    }

    /** A 64-bit fingerprint of the state, for comparing states at one index cheaply (FNV-1a over the encoding). */
    public long digest() {
        long hash = 0xcbf29ce484222325L;
        for (byte b : encode()) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(appliedIndex);
            out.writeInt(data.size());
            for (Map.Entry<String, String> entry : data.entrySet()) {
                out.writeUTF(entry.getKey());
                out.writeUTF(entry.getValue());
            }
            out.writeInt(sessions.size());
            for (Map.Entry<Integer, Session> entry : sessions.entrySet()) {
                out.writeInt(entry.getKey());
                out.writeLong(entry.getValue().lastOperationId());
                out.writeBoolean(entry.getValue().lastResult() != null);
                if (entry.getValue().lastResult() != null) {
                    out.writeUTF(entry.getValue().lastResult());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException if the bytes are not a whole encoded snapshot */
    public static KvSnapshot decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            long appliedIndex = in.readLong();
            Map<String, String> data = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                data.put(in.readUTF(), in.readUTF());
            }
            Map<Integer, Session> sessions = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                int client = in.readInt();
                long operation = in.readLong();
                sessions.put(client, new Session(operation, in.readBoolean() ? in.readUTF() : null));
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException(in.available() + " bytes left after a key-value snapshot");
            }
            return new KvSnapshot(appliedIndex, data, sessions);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a key-value snapshot: " + e, e);
        }
    }
}
