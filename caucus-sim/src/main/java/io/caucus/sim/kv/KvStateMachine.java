package io.caucus.sim.kv;

import io.caucus.core.LogEntry;
import java.util.Map;
import java.util.TreeMap;

/**
 * The deterministic key-value state machine each simulated node applies its committed entries to. It checks
 * the runtime contract it relies on: entries arrive in index order with no gap. A client-session table applies
 * each client's operation at most once (a command whose operation id is not past the client's last one returns
 * the remembered result); {@link #snapshot()} and {@link #restore} carry data and sessions together.
 */
public final class KvStateMachine {

    private final Map<String, String> data = new TreeMap<>();
    private final Map<Integer, KvSnapshot.Session> sessions = new TreeMap<>();
    private long appliedIndex;

    /** The state as of the applied index. */
    public KvSnapshot snapshot() {
        return new KvSnapshot(appliedIndex, data, sessions);
    }

    /** Replaces the whole state with {@code snapshot}'s; entries after its applied index follow. */
    public void restore(KvSnapshot snapshot) {
        data.clear();
        data.putAll(snapshot.data());
        sessions.clear();
        sessions.putAll(snapshot.sessions());
        appliedIndex = snapshot.appliedIndex();
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    /** The value of {@code key}, or {@code null} if absent. */
    public String get(String key) {
        return data.get(key);
    }

    /**
     * Applies one committed entry and returns the command's result: for CAS "true" or "false", otherwise
     * {@code null}. No-op and configuration entries only advance the applied index.
     */
    public String apply(LogEntry entry) {
        if (entry.index() != appliedIndex + 1) {
            throw new IllegalStateException("entry " + entry + " applied after index " + appliedIndex
                    + ": committed entries must be applied in order without gaps");
        }
        appliedIndex = entry.index();
        return switch (entry.type()) {
            case COMMAND -> applyOnce(KvCommand.decode(entry.payload()));
            case NO_OP, CONFIGURATION -> null;
        };
    }

    private String applyOnce(KvCommand command) {
        KvSnapshot.Session session = sessions.get(command.clientId());
        if (session != null && command.operationId() <= session.lastOperationId()) {
            return session.lastOperationId() == command.operationId() ? session.lastResult() : null;
        }
        String result = execute(command);
        sessions.put(command.clientId(), new KvSnapshot.Session(command.operationId(), result));
        return result;
    }

    private String execute(KvCommand command) {
        return switch (command.kind()) {
            case PUT -> {
                data.put(command.key(), command.value());
                yield null;
            }
            case DELETE -> {
                data.remove(command.key());
                yield null;
            }
            case APPEND -> {
                data.merge(command.key(), command.value(), String::concat);
                yield null;
            }
            case CAS -> {
                boolean matches = java.util.Objects.equals(data.get(command.key()), command.expected());
                if (matches) {
                    data.put(command.key(), command.value());
                }
                yield Boolean.toString(matches);
            }
        };
    }
}
