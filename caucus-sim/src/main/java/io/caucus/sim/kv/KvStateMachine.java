package io.caucus.sim.kv;

import io.caucus.core.LogEntry;
import java.util.Map;
import java.util.TreeMap;

/**
 * The deterministic key-value state machine each simulated node applies its committed entries to. It checks
 * the runtime contract it relies on: entries arrive in index order with no gap.
 */
public final class KvStateMachine {

    private final Map<String, String> data = new TreeMap<>();
    private long appliedIndex;

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
            case COMMAND -> execute(KvCommand.decode(entry.payload()));
            case NO_OP, CONFIGURATION -> null;
        };
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
