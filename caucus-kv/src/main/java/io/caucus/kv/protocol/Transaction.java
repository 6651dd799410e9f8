package io.caucus.kv.protocol;

import io.caucus.kv.slots.SlotCheck;
import io.caucus.kv.state.KvEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection's Redis transaction state: the commands queued since MULTI, whether the transaction already failed
 * (EXEC will abort), the slot of the queued commands' keys, and the keys WATCHed with the applied index they were
 * read at. Owned by the connection's {@link RespHandler}, on its event loop.
 *
 * <p>Invariant: the watched keys were all read in {@link #watchGroup()}'s state machine, so EXEC compares their
 * indexes in that group's log and nowhere else (docs/multiraft.md).
 */
final class Transaction {

    /** The commands queued since MULTI; null when not in a transaction. */
    private List<List<byte[]>> queued;
    /** A command was refused while queueing: EXEC will abort. */
    private boolean failed;
    /** The slot outcome of the commands queued since MULTI (sharded clusters). */
    private SlotCheck.Outcome queuedKeys = SlotCheck.KEYLESS;
    private final List<KvEntry.Watch> watches = new ArrayList<>();
    /** The group whose applied index the watched keys were read at; -1 while none is watched. */
    private long watchGroup = -1;

    /** Between MULTI and its EXEC or DISCARD. */
    boolean isOpen() {
        return queued != null;
    }

    /** Open, and a command was refused since MULTI: EXEC answers EXECABORT. */
    boolean hasFailed() {
        return failed;
    }

    /** MULTI: an empty queue. */
    void begin() {
        queued = new ArrayList<>();
        failed = false;
    }

    /** A command refused while the transaction is open fails it, as Redis flags it; outside one, nothing. */
    void failIfOpen() {
        if (isOpen()) {
            failed = true;
        }
    }

    /**
     * Queues a command with the slot of its keys; false (and the transaction failed) if {@code limit} commands are
     * queued already.
     */
    boolean queue(List<byte[]> argv, SlotCheck.Outcome keys, int limit) {
        if (queued.size() >= limit) {
            failed = true;
            return false;
        }
        queued.add(argv);
        queuedKeys = SlotCheck.combine(queuedKeys, keys);
        return true;
    }

    /** Where the queued commands' keys are: keyless, one slot, or across slots. */
    SlotCheck.Outcome queuedKeys() {
        return queuedKeys;
    }

    /** The group the watched keys were read in, or -1 while none is watched. */
    long watchGroup() {
        return watchGroup;
    }

    int watchedKeys() {
        return watches.size();
    }

    /** WATCH answered: {@code keys} were read in {@code group} when it had applied {@code index}. */
    void watched(long group, List<byte[]> keys, long index) {
        watchGroup = group;
        for (byte[] key : keys) {
            watches.add(new KvEntry.Watch(key, index));
        }
    }

    /** EXEC of an open transaction that has not failed: the entry to write, and the transaction ends. */
    KvEntry.Exec exec() {
        KvEntry.Exec exec = new KvEntry.Exec(watches, queued);
        end();
        return exec;
    }

    /** MULTI is over (EXEC or DISCARD): the queue goes, and so do the watched keys, as in Redis. */
    void end() {
        queued = null;
        failed = false;
        queuedKeys = SlotCheck.KEYLESS;
        unwatch();
    }

    void unwatch() {
        watches.clear();
        watchGroup = -1;
    }
}
