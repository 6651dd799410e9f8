package io.caucus.kv.state;

import io.caucus.kv.protocol.ErrorCodes;
import io.caucus.server.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The replicated key-value state: a map of byte strings plus the client session table. Deterministic: the
 * same entries in the same order give the same state and results on every replica (no clock, no randomness).
 *
 * <p>Synchronized because the runtime may answer queries on another thread than the one that applies.
 *
 * <p>Snapshots ({@link KvSnapshotFormat}) hold the data and the session table: the data is frozen
 * copy-on-write ({@link KvData}) so that writing a snapshot of any size costs the apply path O(1) plus a copy
 * of the (bounded) session table.
 */
public final class KvStateMachine implements StateMachine {

    public static final int DEFAULT_MAX_SESSIONS = 10_000;

    private final KvData values = new KvData();
    private final SessionTable sessions;
    private long appliedIndex;

    public KvStateMachine(int maxSessions) {
        this.sessions = new SessionTable(maxSessions);
    }

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
        if (index <= appliedIndex) {
            throw new IllegalStateException("apply index " + index + " is not after " + appliedIndex);
        }
        appliedIndex = index;
        KvCommand decoded;
        try {
            decoded = KvCodec.decodeCommand(command);
        } catch (KvCodec.MalformedException e) {
            // Every replica sees the same bytes and answers the same: the entry is skipped, not fatal.
            return KvCodec.encode(new KvResult.Error(ErrorCodes.ERR, "malformed command: " + e.getMessage()));
        }
        return KvCodec.encode(apply(index, decoded));
    }

    private KvResult apply(long index, KvCommand command) {
        return switch (command) {
            case KvCommand.RegisterClient ignored -> {
                sessions.open(index);
                yield new KvResult.Int(index);
            }
            case KvCommand.SessionWrite write -> applyInSession(write);
        };
    }

    /**
     * At most once per (client, sequence), thesis §6.3; and in sequence order: a session's writes apply
     * strictly as 1, 2, 3..., so a pipelined write retried after a leader change can never land after a later
     * write of the same connection. Invariant: every sequence up to lastSequence was applied, none after it.
     */
    private KvResult applyInSession(KvCommand.SessionWrite write) {
        SessionTable.Session session = sessions.touch(write.clientId());
        if (session == null) {
            return new KvResult.Error(ErrorCodes.SESSIONEXPIRED, "client session " + write.clientId()
                    + " is unknown or expired; this write's outcome is unknown, reconnect");
        }
        if (write.sequence() == session.lastSequence()) {
            return KvCodec.decodeResult(session.lastResult());
        }
        if (write.sequence() < session.lastSequence()) {
            return new KvResult.Error(ErrorCodes.UNKNOWN, "write " + write.sequence() + " of session "
                    + write.clientId() + " was applied before write " + session.lastSequence()
                    + " but its result is no longer kept");
        }
        if (write.sequence() > session.lastSequence() + 1) {
            return new KvResult.Error(ErrorCodes.OUTOFORDER, "write " + write.sequence() + " of session "
                    + write.clientId() + " arrived before write " + (session.lastSequence() + 1)
                    + "; not applied");
        }
        KvResult result = execute(write.write());
        sessions.record(write.clientId(), write.sequence(), KvCodec.encode(result));
        return result;
    }

    private KvResult execute(KvWrite write) {
        return switch (write) {
            case KvWrite.Set set -> {
                values.put(new ByteKey(set.key()), set.value());
                yield KvResult.OK;
            }
            case KvWrite.Delete delete -> {
                long removed = 0;
                for (byte[] key : delete.keys()) {
                    removed += values.remove(new ByteKey(key)) ? 1 : 0;
                }
                yield new KvResult.Int(removed);
            }
            case KvWrite.IncrementBy increment -> incrementBy(increment);
            case KvWrite.Append append -> {
                ByteKey key = new ByteKey(append.key());
                byte[] current = values.get(key);
                byte[] joined = concat(current == null ? new byte[0] : current, append.value());
                values.put(key, joined);
                yield new KvResult.Int(joined.length);
            }
            case KvWrite.MultiSet multiSet -> {
                for (int i = 0; i < multiSet.keys().size(); i++) {
                    values.put(new ByteKey(multiSet.keys().get(i)), multiSet.values().get(i));
                }
                yield KvResult.OK;
            }
            case KvWrite.CompareAndSet cas -> {
                ByteKey key = new ByteKey(cas.key());
                byte[] current = values.get(key);
                boolean matches = current != null && java.util.Arrays.equals(current, cas.expected());
                if (matches) {
                    values.put(key, cas.replacement());
                }
                yield new KvResult.Int(matches ? 1 : 0);
            }
        };
    }

    private KvResult incrementBy(KvWrite.IncrementBy increment) {
        ByteKey key = new ByteKey(increment.key());
        byte[] current = values.get(key);
        long value;
        try {
            value = current == null ? 0 : parseLong(current);
        } catch (NumberFormatException e) {
            return new KvResult.Error(ErrorCodes.ERR, "value is not an integer or out of range");
        }
        long next;
        try {
            next = Math.addExact(value, increment.delta());
        } catch (ArithmeticException e) {
            return new KvResult.Error(ErrorCodes.ERR, "increment or decrement would overflow");
        }
        values.put(key, Long.toString(next).getBytes(StandardCharsets.US_ASCII));
        return new KvResult.Int(next);
    }

    /** Redis accepts only canonical decimal integers: no spaces, no '+', no leading zeros. */
    public static long parseLong(byte[] text) {
        String s = new String(text, StandardCharsets.US_ASCII);
        long value = Long.parseLong(s);
        if (!Long.toString(value).equals(s)) {
            throw new NumberFormatException("not canonical: " + s);
        }
        return value;
    }

    @Override
    public synchronized byte[] query(byte[] query) {
        KvQuery decoded;
        try {
            decoded = KvCodec.decodeQuery(query);
        } catch (KvCodec.MalformedException e) {
            return KvCodec.encode(new KvResult.Error(ErrorCodes.ERR, "malformed query: " + e.getMessage()));
        }
        return KvCodec.encode(answer(decoded));
    }

    private KvResult answer(KvQuery query) {
        return switch (query) {
            case KvQuery.Get get -> {
                byte[] value = values.get(new ByteKey(get.key()));
                yield value == null ? KvResult.NIL : new KvResult.Bulk(value);
            }
            case KvQuery.MultiGet multiGet -> {
                List<byte[]> found = new ArrayList<>(multiGet.keys().size());
                for (byte[] key : multiGet.keys()) {
                    found.add(values.get(new ByteKey(key)));
                }
                yield new KvResult.Array(found);
            }
            case KvQuery.Exists exists -> {
                long count = 0;
                for (byte[] key : exists.keys()) {
                    count += values.containsKey(new ByteKey(key)) ? 1 : 0;
                }
                yield new KvResult.Int(count);
            }
            case KvQuery.Strlen strlen -> {
                byte[] value = values.get(new ByteKey(strlen.key()));
                yield new KvResult.Int(value == null ? 0 : value.length);
            }
            case KvQuery.DbSize ignored -> new KvResult.Int(values.size());
        };
    }

    @Override
    public synchronized Snapshot snapshot(long appliedIndex) {
        if (appliedIndex < this.appliedIndex) {
            throw new IllegalArgumentException("snapshot asked as of index " + appliedIndex
                    + " but commands are applied up to " + this.appliedIndex);
        }
        KvData.Frozen frozen = values.freeze();
        List<KvSnapshotFormat.SessionEntry> sessionsNow = sessions.entries();
        return new Snapshot() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                KvSnapshotFormat.write(out, appliedIndex, sessionsNow, frozen.contents());
            }

            @Override
            public void close() {
                synchronized (KvStateMachine.this) {
                    values.thaw(frozen.freeze());
                }
            }
        };
    }

    @Override
    public void restore(long lastIncludedIndex, InputStream data) throws IOException {
        KvSnapshotFormat.Contents contents = KvSnapshotFormat.read(data); // outside the lock: may take long
        if (contents.appliedIndex() != lastIncludedIndex) {
            throw new IOException("key-value snapshot was taken at index " + contents.appliedIndex()
                    + " but is installed as the snapshot at index " + lastIncludedIndex);
        }
        synchronized (this) {
            values.replace(contents.values());
            sessions.replace(contents.sessions());
            appliedIndex = lastIncludedIndex;
        }
    }

    /** A fingerprint of the map (sessions excluded) at the current applied index; see {@link StateDigest}. */
    public synchronized StateDigest digest() {
        List<Map.Entry<byte[], byte[]>> entries = new ArrayList<>((int) values.size());
        values.forEach((key, value) -> entries.add(Map.entry(key.bytes(), value)));
        entries.sort((a, b) -> java.util.Arrays.compareUnsigned(a.getKey(), b.getKey()));
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
        java.nio.ByteBuffer length = java.nio.ByteBuffer.allocate(Integer.BYTES);
        for (Map.Entry<byte[], byte[]> entry : entries) {
            sha.update(length.clear().putInt(entry.getKey().length).array());
            sha.update(entry.getKey());
            sha.update(length.clear().putInt(entry.getValue().length).array());
            sha.update(entry.getValue());
        }
        return new StateDigest(appliedIndex, entries.size(), java.util.HexFormat.of().formatHex(sha.digest()));
    }

    /** The number of open sessions (for tests and metrics). */
    public synchronized int sessionCount() {
        return sessions.size();
    }

    synchronized boolean hasSession(long clientId) {
        return sessions.contains(clientId);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = new byte[first.length + second.length];
        System.arraycopy(first, 0, joined, 0, first.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
