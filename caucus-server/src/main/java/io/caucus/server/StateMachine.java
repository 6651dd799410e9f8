package io.caucus.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The user's replicated state machine: the smallest SPI that lets Caucus replicate it. Caucus calls it from
 * one apply thread, in log order, with committed commands only. Implementations must be deterministic: the
 * same commands in the same order give the same state and results on every node.
 *
 * <h2>Snapshots (Raft paper §7)</h2>
 *
 * To let the log be compacted, a state machine writes its whole state as a stream and reads it back. Taking a
 * snapshot must not stop the node from serving, so it happens in two steps:
 * <ol>
 *   <li>{@link #snapshot(long)} runs on the apply thread, between two applies: it captures a point-in-time view
 *       of the state cheaply (copy-on-write, a persistent map, a storage engine's snapshot), because applies
 *       wait while it runs;</li>
 *   <li>{@link Snapshot#writeTo(OutputStream)} then runs on a background snapshot thread while applies continue;
 *       it must write the state as captured, never a later one. {@link Snapshot#close()} follows on the same
 *       thread, whether or not the write succeeded, to release the view.</li>
 * </ol>
 * {@link #restore(long, InputStream)} runs on the apply thread when a node starts from a snapshot or installs
 * one sent by the leader; nothing else touches the state machine meanwhile.
 *
 * <p>The bytes need not be identical across replicas, but restoring a snapshot taken after index {@code i} must
 * give the state that applying entries 1..i gives, including anything that affects later results (client
 * sessions, for instance). A state machine that does not override these methods cannot be snapshotted: the
 * runtime then never compacts its log and says so once in its log.
 */
public interface StateMachine {

    /**
     * Applies a committed command.
     *
     * A command that cannot be applied should yield an error result, not throw: a throw stops the node (it
     * cannot skip a committed command without diverging from its peers).
     *
     * @param index the command's log index (strictly increasing across calls)
     * @return the result handed to whoever submitted the command (may be empty, never null)
     */
    byte[] apply(long index, byte[] command);

    /**
     * Answers a read-only query against the state as of the last applied command. An exception thrown here
     * fails only that read.
     */
    byte[] query(byte[] query);

    /**
     * Captures the state as of {@code appliedIndex}, the last index applied (commands and the entries the
     * state machine never sees alike). Called on the apply thread; keep it cheap. At most one snapshot is open
     * at a time: the runtime closes one before asking for the next.
     *
     * <p>A throw abandons this snapshot only (logged; the node keeps serving and tries again later), except
     * {@link UnsupportedOperationException}, which turns snapshots off for this node.
     *
     * @throws UnsupportedOperationException if the state machine cannot be snapshotted (the default)
     */
    default Snapshot snapshot(long appliedIndex) {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement snapshots");
    }

    /**
     * Replaces the whole state with the one a {@link Snapshot} wrote, as of {@code lastIncludedIndex}; the next
     * {@link #apply} call has a larger index. Called on the apply thread. The data was checked against its
     * checksum by the snapshot store, so a throw here (an unknown format version, a bug) stops the node rather
     * than leave a state that may differ from its peers'.
     */
    default void restore(long lastIncludedIndex, InputStream data) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement snapshots");
    }

    /** A point-in-time view of the state, written out on the snapshot thread. */
    interface Snapshot extends AutoCloseable {

        /**
         * Writes the captured state to {@code out} as a stream (never as one whole array: states may be large).
         * Do not close {@code out}. A throw abandons the snapshot; the node keeps serving.
         */
        void writeTo(OutputStream out) throws IOException;

        /** Releases the captured view; called once, after {@link #writeTo} or instead of it. */
        @Override
        default void close() {
        }
    }
}
