package io.caucus.chaos;

import io.caucus.sim.linearizability.HistoryRecorder;
import io.caucus.sim.linearizability.OpKind;
import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every client operation of a run: the register and append operations in the checker's {@link HistoryRecorder},
 * the counter and transaction operations as {@link CounterOp}s, and per operation the node it went through and
 * the error it got. Both kinds share one index, in invocation order: the handle {@link #invoke} and
 * {@link #invokeCounter} return, and the first word of each line of {@code history.txt}. Times are
 * microseconds of {@link System#nanoTime()} since the run started (floored, which can only merge instants,
 * never reorder them, so it cannot cause a false alarm). Thread-safe.
 */
final class ChaosHistory {

    private final long originNanos = System.nanoTime();
    private final HistoryRecorder recorder = new HistoryRecorder();
    private final Object lock = new Object();
    /** Per index: the recorder's handle (>= 0), or -1 - the position in {@link #counterOps}. Guarded by lock. */
    private final List<Long> slots = new ArrayList<>();
    /** Counter operations, replaced once when completed. Guarded by lock. */
    private final List<CounterOp> counterOps = new ArrayList<>();
    private final List<Boolean> counterCompleted = new ArrayList<>();
    private final Map<Long, String> nodeOf = new ConcurrentHashMap<>();
    private final Map<Long, String> errorOf = new ConcurrentHashMap<>();

    long nowMicros() {
        return (System.nanoTime() - originNanos) / 1000;
    }

    /** Records a register or append operation about to be sent; returns its index. */
    long invoke(int client, String node, OpKind kind, String key, String value, String expected) {
        synchronized (lock) {
            long handle = recorder.invoke(client, kind, key, value, expected, nowMicros());
            slots.add(handle);
            long index = slots.size() - 1;
            nodeOf.put(index, node);
            return index;
        }
    }

    /** Records a counter or transaction operation about to be sent; returns its index. */
    long invokeCounter(int client, String node, CounterOp.Kind kind, List<String> keys, long argument) {
        synchronized (lock) {
            CounterOp pending = new CounterOp(client, kind, keys, argument, nowMicros(),
                    HistoryRecorder.NEVER_COMPLETED, Outcome.UNKNOWN, null);
            counterOps.add(pending);
            counterCompleted.add(false);
            slots.add(-(long) counterOps.size()); // -1 - (position)
            long index = slots.size() - 1;
            nodeOf.put(index, node);
            return index;
        }
    }

    /**
     * The operation's node answered {@code -MOVED} and it was sent again to {@code node}: its history line names both,
     * {@code n1>n3}.
     */
    void redirected(long index, String node) {
        nodeOf.computeIfPresent(index, (ignored, first) -> first + ">" + node);
    }

    /** A register or append operation was acknowledged, with its result (see {@link Operation}). */
    void ok(long index, String result) {
        complete(index, Outcome.OK, result, null);
    }

    /** A counter or transaction operation was acknowledged, with one result element per key. */
    void okCounter(long index, List<String> result) {
        complete(index, Outcome.OK, null, result);
    }

    /** Certainly not applied: the error code, the refused connection or the aborted EXEC says so. */
    void failed(long index, String error) {
        errorOf.put(index, error);
        complete(index, Outcome.FAILED, null, null);
    }

    /** Maybe applied: the operation stays UNKNOWN, as the checker expects; the error is kept for the record. */
    void unknown(long index, String error) {
        errorOf.put(index, error);
        complete(index, Outcome.UNKNOWN, null, null);
    }

    private void complete(long index, Outcome outcome, String result, List<String> counterResult) {
        long now = nowMicros();
        synchronized (lock) {
            long slot = slots.get((int) index);
            if (slot >= 0) {
                if (counterResult != null) {
                    throw new IllegalArgumentException("operation " + index + " is not a counter operation");
                }
                recorder.complete(slot, outcome, result, now);
                return;
            }
            int position = (int) (-1 - slot);
            if (counterCompleted.get(position)) {
                throw new IllegalStateException("operation " + index + " was already completed");
            }
            CounterOp pending = counterOps.get(position);
            counterOps.set(position, new CounterOp(pending.clientId(), pending.kind(), pending.keys(),
                    pending.argument(), pending.invokedAt(), now, outcome,
                    outcome == Outcome.OK ? counterResult : null));
            counterCompleted.set(position, true);
        }
    }

    /** The register and append operations, in invocation order (pending ones UNKNOWN). */
    List<Operation> operations() {
        return recorder.history();
    }

    /** The counter and transaction operations, in invocation order (pending ones UNKNOWN). */
    List<CounterOp> counterOperations() {
        synchronized (lock) {
            return List.copyOf(counterOps);
        }
    }

    /** All operations of both kinds. */
    int size() {
        synchronized (lock) {
            return slots.size();
        }
    }

    /** One line per operation, in invocation order: index, node, the operation as the checker prints it, error. */
    void write(Path file) throws IOException {
        List<Long> indexSlots;
        List<Operation> operations;
        List<CounterOp> counters;
        synchronized (lock) {
            indexSlots = List.copyOf(slots);
            operations = recorder.history();
            counters = List.copyOf(counterOps);
        }
        try (Writer out = Files.newBufferedWriter(file)) {
            out.write("# index node (n1>n3: n1 answered MOVED, sent again to n3) client kind key value "
                    + "[invoked..completed] (microseconds since start) outcome result | error\n"
                    + "# counters and transactions: index node client kind keys (TRANSFER from->to amount, "
                    + "WATCHED_INCR key :=value set) [invoked..completed] outcome [reply elements] | error\n");
            for (int i = 0; i < indexSlots.size(); i++) {
                long slot = indexSlots.get(i);
                Object op = slot >= 0 ? operations.get((int) slot) : counters.get((int) (-1 - slot));
                out.write(line(i, op));
                out.write('\n');
            }
        }
    }

    /**
     * The history line of {@code op} (an {@link Operation} or a {@link CounterOp} of this history), or its own
     * text if it is not one of them (say a hand-made witness).
     */
    String line(Object op) {
        synchronized (lock) {
            Map<Object, Long> indexOf = new HashMap<>();
            List<Operation> operations = recorder.history();
            for (int i = 0; i < slots.size(); i++) {
                long slot = slots.get(i);
                indexOf.putIfAbsent(slot >= 0 ? operations.get((int) slot) : counterOps.get((int) (-1 - slot)),
                        (long) i);
            }
            Long index = indexOf.get(op);
            return index == null ? op.toString() : line(index, op);
        }
    }

    private String line(long index, Object op) {
        String error = errorOf.get(index);
        return index + " " + nodeOf.getOrDefault(index, "-") + " " + op
                + (error == null ? "" : " | " + error.replace('\n', ' '));
    }
}
