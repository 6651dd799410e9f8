package io.caucus.kv.state;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Client sessions of the state machine (thesis §6.3): for each client id, the last sequence number applied
 * and its result, so that a retried write returns the recorded result instead of applying again.
 *
 * <p>Bounded: beyond {@code maxSessions} the least recently used session is expired. "Recently" is measured
 * in apply order (log index order), never wall-clock time, so every replica expires the same sessions at the
 * same entry and the table stays identical on all of them. Not thread-safe: used by the apply path only.
 */
final class SessionTable {

    /** A session's memory: invariant lastSequence >= 0; lastResult is null only while lastSequence is 0. */
    record Session(long lastSequence, byte[] lastResult) {
    }

    private final int maxSessions;
    private final LinkedHashMap<Long, Session> sessions;

    SessionTable(int maxSessions) {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions must be at least 1, got " + maxSessions);
        }
        this.maxSessions = maxSessions;
        // Access order: every get/put from the apply path moves the session to the young end.
        this.sessions = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Session> eldest) {
                return size() > SessionTable.this.maxSessions;
            }
        };
    }

    void open(long clientId) {
        sessions.put(clientId, new Session(0, null));
    }

    /** The session, marking it as used now; {@code null} if it never existed or was expired. */
    Session touch(long clientId) {
        return sessions.get(clientId);
    }

    void record(long clientId, long sequence, byte[] result) {
        sessions.put(clientId, new Session(sequence, result));
    }

    /**
     * The session without marking it used: the order of use decides which session is evicted, which is
     * replicated state, so a look from outside the log must leave it alone. O(sessions).
     */
    Session peek(long clientId) {
        for (Map.Entry<Long, Session> entry : sessions.entrySet()) {
            if (entry.getKey() == clientId) {
                return entry.getValue();
            }
        }
        return null;
    }

    int size() {
        return sessions.size();
    }

    boolean contains(long clientId) {
        return sessions.containsKey(clientId);
    }

    /** Every session, least recently used first (iterating does not count as a use). */
    List<KvSnapshotFormat.SessionEntry> entries() {
        List<KvSnapshotFormat.SessionEntry> entries = new ArrayList<>(sessions.size());
        sessions.forEach((clientId, session) -> entries.add(new KvSnapshotFormat.SessionEntry(clientId, session)));
        return entries;
    }

    /** Replaces every session with {@code entries} (least recently used first), keeping their LRU order. */
    void replace(List<KvSnapshotFormat.SessionEntry> entries) {
        sessions.clear();
        for (KvSnapshotFormat.SessionEntry entry : entries) {
            sessions.put(entry.clientId(), entry.session());
        }
    }
}
