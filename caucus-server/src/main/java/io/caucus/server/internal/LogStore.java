package io.caucus.server.internal;

import io.caucus.core.HardState;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.storage.SnapshotStore;

/**
 * What the runtime needs from durable storage: the recovered state, and a write side and a sync owned by the
 * node thread (one sync makes every write before it durable: group commit).
 *
 * <p>Threading contract: {@link #write}, {@link #sync()}, {@link #syncInBackground}, {@link #log()} reads and
 * {@link #close()} from the node thread (or after it has stopped).
 */
public interface LogStore extends AutoCloseable {

    /** The hard state recovered when the store was opened (later writes do not change this answer). */
    HardState recoveredHardState();

    /** The durable log, updated by {@link #write}; reads see writes at once. */
    LogView log();

    /**
     * Carries out a persist instruction: entries (truncating from the first one's index), then hard state.
     * Visible at once, not yet durable.
     *
     * @return a ticket that is durable once {@link #sync()} returns a value at least as large
     */
    long write(Persist persist);

    /** Makes everything written so far durable (one fsync for all of it); returns the highest durable ticket. */
    long sync();

    /**
     * Whether the node hands the wait for durability to {@link #syncInBackground} instead of calling
     * {@link #sync()}: a store shared by many groups (the host's {@link GroupLogStore}) makes one fsync for all of
     * them, which a node thread hosting several groups must not wait for turn by turn.
     */
    default boolean syncsInBackground() {
        return false;
    }

    /**
     * Asks for {@code ticket} to become durable without waiting: {@code onDurable} runs once it is, on another
     * thread (or at once if it already is); {@code onFailure} if the store fails first. Only if
     * {@link #syncsInBackground()}.
     */
    default void syncInBackground(long ticket, Runnable onDurable, java.util.function.Consumer<RuntimeException> onFailure) {
        throw new UnsupportedOperationException("this store syncs on the node thread");
    }

    /**
     * The state machine snapshots kept beside the log, or null if this store keeps none (then the node never
     * compacts its log). Thread-safe.
     */
    default SnapshotStore snapshotStore() {
        return null;
    }

    @Override
    void close();
}
