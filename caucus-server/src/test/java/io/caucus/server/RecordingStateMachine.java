package io.caucus.server;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A test state machine that records every command applied. Its result for a command is "applied:<index>";
 * the query "count" answers how many commands it has applied, "all" answers them joined by commas. Its
 * snapshot is the list of commands (copied when captured: fine for a test).
 */
public final class RecordingStateMachine implements StateMachine {

    private final List<String> applied = new ArrayList<>();
    private long lastIndex;
    private final List<Long> restoredFrom = new ArrayList<>();

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

    @Override
    public synchronized Snapshot snapshot(long appliedIndex) {
        List<String> captured = List.copyOf(applied);
        return out -> {
            DataOutputStream data = new DataOutputStream(out);
            data.writeLong(appliedIndex);
            data.writeInt(captured.size());
            for (String command : captured) {
                data.writeUTF(command);
            }
            data.flush();
        };
    }

    @Override
    public void restore(long lastIncludedIndex, InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readLong() != lastIncludedIndex) {
            throw new IOException("snapshot of another index");
        }
        int count = data.readInt();
        List<String> commands = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            commands.add(data.readUTF());
        }
        if (data.read() != -1) {
            throw new IOException("trailing bytes in snapshot");
        }
        synchronized (this) {
            applied.clear();
            applied.addAll(commands);
            lastIndex = lastIncludedIndex;
            restoredFrom.add(lastIncludedIndex);
        }
    }

    /** The indexes of the snapshots this machine was restored from, in order. */
    public synchronized List<Long> restoredFrom() {
        return new ArrayList<>(restoredFrom);
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
