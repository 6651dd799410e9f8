package io.caucus.chaos;

import io.caucus.sim.linearizability.HistoryRecorder;
import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every client operation of a run: the checker's {@link HistoryRecorder} plus, per operation, the node it went
 * through and the error it got. Times are microseconds of {@link System#nanoTime()} since the run started
 * (floored, which can only merge instants, never reorder them, so it cannot cause a false alarm).
 * Thread-safe.
 */
final class ChaosHistory {

    private final long originNanos = System.nanoTime();
    private final HistoryRecorder recorder = new HistoryRecorder();
    private final Map<Long, String> nodeOf = new ConcurrentHashMap<>();
    private final Map<Long, String> errorOf = new ConcurrentHashMap<>();

    long nowMicros() {
        return (System.nanoTime() - originNanos) / 1000;
    }

    long invoke(int client, String node, OpKind kind, String key, String value, String expected) {
        long handle = recorder.invoke(client, kind, key, value, expected, nowMicros());
        nodeOf.put(handle, node);
        return handle;
    }

    void ok(long handle, String result) {
        recorder.complete(handle, Outcome.OK, result, nowMicros());
    }

    /** Certainly not applied: the error code or the refused connection says so. */
    void failed(long handle, String error) {
        errorOf.put(handle, error);
        recorder.complete(handle, Outcome.FAILED, null, nowMicros());
    }

    /** Maybe applied: the operation stays UNKNOWN, as the checker expects; the error is kept for the record. */
    void unknown(long handle, String error) {
        errorOf.put(handle, error);
        recorder.complete(handle, Outcome.UNKNOWN, null, nowMicros());
    }

    List<Operation> operations() {
        return recorder.history();
    }

    /** One line per operation, in invocation order: index, node, the operation as the checker prints it, error. */
    void write(Path file) throws IOException {
        List<Operation> operations = operations();
        try (Writer out = Files.newBufferedWriter(file)) {
            out.write("# index node client kind key value [invoked..completed] (microseconds since start) outcome "
                    + "result | error\n");
            for (int i = 0; i < operations.size(); i++) {
                out.write(line(i, operations.get(i)));
                out.write('\n');
            }
        }
    }

    String line(int index, Operation op) {
        String error = errorOf.get((long) index);
        return index + " " + nodeOf.getOrDefault((long) index, "-") + " " + op
                + (error == null ? "" : " | " + error.replace('\n', ' '));
    }
}
