package io.caucus.sim.linearizability;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the operations of concurrent clients into a history for {@link LinearizabilityChecker}.
 *
 * <p>Thread-safe: clients of a chaos test call {@link #invoke} just before sending a request and
 * {@link #complete} just after learning its outcome, from their own threads. Recording the invocation before
 * the send and the completion after the reply makes each operation's window contain its real effect, which is
 * what the checker assumes. An operation never completed (the client crashed or gave up silently) is reported
 * as {@link Outcome#UNKNOWN}: it may or may not have taken effect.
 */
public final class HistoryRecorder {

    /** completedAt recorded for operations that were never completed. */
    public static final long NEVER_COMPLETED = Long.MAX_VALUE;

    private final Object lock = new Object();
    /** Invariant: index = handle; an entry is replaced once, when its operation completes. Guarded by lock. */
    private final List<Operation> operations = new ArrayList<>();
    /** Guarded by lock; true once the operation at that index has completed. */
    private final List<Boolean> completed = new ArrayList<>();

    /**
     * Records that a client issued an operation. Arguments are validated now, so a malformed operation fails
     * at the call site rather than at check time.
     *
     * @return the handle to pass to {@link #complete}
     */
    public long invoke(int clientId, OpKind kind, String key, String value, String expected, long now) {
        return invoke(new Operation(clientId, kind, key, value, expected, now, NEVER_COMPLETED, Outcome.UNKNOWN,
                null));
    }

    /** As above, for a PUT with a time to live ({@code expiresAt}) or a TXN ({@code secondKey}). */
    public long invoke(int clientId, OpKind kind, String key, String value, long expiresAt, String secondKey,
                       long now) {
        return invoke(new Operation(clientId, kind, key, value, null, now, NEVER_COMPLETED, Outcome.UNKNOWN, null,
                expiresAt, secondKey, null));
    }

    private long invoke(Operation pending) {
        synchronized (lock) {
            operations.add(pending);
            completed.add(false);
            return operations.size() - 1;
        }
    }

    /**
     * Records what the client learned about the operation with this handle. A call that throws changes
     * nothing: the operation stays pending (and so UNKNOWN).
     *
     * @throws IllegalArgumentException if the handle is unknown or the outcome/result/time is invalid
     * @throws IllegalStateException    if the operation was already completed
     */
    public void complete(long handle, Outcome outcome, String result, long now) {
        complete(handle, outcome, result, null, now);
    }

    /** As above, with the value an OK TXN read of its second key. */
    public void complete(long handle, Outcome outcome, String result, String secondResult, long now) {
        synchronized (lock) {
            if (handle < 0 || handle >= operations.size()) {
                throw new IllegalArgumentException("no operation was invoked with handle " + handle);
            }
            int index = (int) handle;
            Operation pending = operations.get(index);
            if (completed.get(index)) {
                throw new IllegalStateException("operation " + handle + " was already completed: " + pending);
            }
            Operation done = new Operation(pending.clientId(), pending.kind(), pending.key(), pending.value(),
                    pending.expected(), pending.invokedAt(), now, outcome, result, pending.expiresAt(),
                    pending.secondKey(), secondResult);
            operations.set(index, done);
            completed.set(index, true);
        }
    }

    /** A snapshot of every operation so far, in invocation order; operations still pending are UNKNOWN. */
    public List<Operation> history() {
        synchronized (lock) {
            return List.copyOf(operations);
        }
    }

    /** The number of operations invoked so far. */
    public int size() {
        synchronized (lock) {
            return operations.size();
        }
    }
}
