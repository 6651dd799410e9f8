package io.caucus.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A test state machine that records every command applied. Its result for a command is "applied:<index>";
 * the query "count" answers how many commands it has applied, "all" answers them joined by commas.
 */
public final class RecordingStateMachine implements StateMachine {

    private final List<String> applied = new ArrayList<>();
    private long lastIndex;

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
        if (index <= lastIndex) {
            throw new AssertionError("index " + index + " applied after " + lastIndex);
        }
        lastIndex = index;
        applied.add(new String(command, StandardCharsets.UTF_8));
        return ("applied:" + index).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized byte[] query(byte[] query) {
        String text = new String(query, StandardCharsets.UTF_8);
        String answer = switch (text) {
            case "count" -> Integer.toString(applied.size());
            case "all" -> String.join(",", applied);
            default -> throw new IllegalArgumentException("unknown query " + text);
        };
        return answer.getBytes(StandardCharsets.UTF_8);
    }

    public synchronized List<String> applied() {
        return new ArrayList<>(applied);
    }

    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
