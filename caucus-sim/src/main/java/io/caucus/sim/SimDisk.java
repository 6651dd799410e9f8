package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.InMemoryLog;
import io.caucus.core.Persist;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One node's simulated disk: what is durable (hard state and log) survives crashes; persists still in
 * flight do not. Persists complete strictly in sequence order.
 */
public final class SimDisk {

    private final InMemoryLog log;
    private HardState hardState = HardState.INITIAL;
    private HardState previousHardState = HardState.INITIAL;
    private final Deque<Persist> pending = new ArrayDeque<>();
    private long lastCompletionMicros;
    private long persistsCompleted;

    SimDisk(ClusterConfiguration configuration) {
        this.log = new InMemoryLog(configuration);
    }

    /** The durable log: the node reads it, the simulator writes it only when a persist completes. */
    public InMemoryLog log() {
        return log;
    }

    public HardState hardState() {
        return hardState;
    }

    public long persistsCompleted() {
        return persistsCompleted;
    }

    int pendingCount() {
        return pending.size();
    }

    /** Queues a persist; returns the time it becomes durable (never before an earlier one). */
    long enqueue(Persist persist, long now, long delayMicros) {
        Persist last = pending.peekLast();
        if (last != null && persist.sequence() <= last.sequence()) {
            throw new IllegalStateException("persist sequence " + persist.sequence() + " after " + last.sequence());
        }
        pending.addLast(persist);
        lastCompletionMicros = Math.max(lastCompletionMicros, now + delayMicros);
        return lastCompletionMicros;
    }

    /** Makes the oldest pending persist durable, as Persist's contract orders: entries, then hard state. */
    Persist completeOldest() {
        Persist persist = pending.removeFirst();
        log.append(persist.entries());
        if (persist.hardState() != null) {
            previousHardState = hardState;
            hardState = persist.hardState();
        }
        persistsCompleted++;
        return persist;
    }

    /** A crash: writes not yet durable are lost. */
    void crash() {
        pending.clear();
    }

    /**
     * A crash of a disk whose fsync lied: besides pending writes, the last hard state and the last log entry
     * it reported durable are lost too. The commit index is kept within the log so the node can start.
     */
    void crashLosingAcknowledgedWrites() {
        pending.clear();
        hardState = previousHardState;
        if (log.lastIndex() >= log.firstIndex()) {
            log.truncateSuffix(log.lastIndex());
        }
        if (hardState.commitIndex() > log.lastIndex()) {
            hardState = new HardState(hardState.term(), hardState.votedFor(), log.lastIndex());
        }
    }
}
