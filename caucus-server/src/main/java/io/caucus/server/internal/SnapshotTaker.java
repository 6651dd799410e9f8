package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.server.StateMachine;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.SnapshotWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a state machine view captured on the applier into the {@link SnapshotStore} while the node keeps
 * serving, then asks the node thread to compact the log to it (Raft paper §7). The metadata (the term and
 * configuration at the snapshot's index) comes from the core, through the node thread, before the data is
 * written. At most one snapshot is under way at a time.
 *
 * <p>Threads: the writing runs as a task on the taker's {@link Worker} (in production the thread
 * {@code caucus-snapshot-<id>}), queued once the node thread has answered the metadata request; nothing waits
 * for that answer, so in virtual time the request, the answer and the writing are events like any other.
 *
 * <p>A snapshot that fails (the state machine's writer threw, the disk is full) is abandoned: its temporary file
 * is deleted, the log is not compacted, the waiting futures fail, and the node goes on serving.
 */
final class SnapshotTaker {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTaker.class);

    private record Job(long index, StateMachine.Snapshot view, List<CompletableFuture<SnapshotMetadata>> futures) {
    }

    private final NodeId self;
    private final SnapshotStore store;
    private final SnapshotClaims claims;
    private final LongFunction<CompletableFuture<SnapshotMetadata>> metadataAt;
    private final Consumer<SnapshotMetadata> compact;
    private final Worker worker;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The job waiting for its metadata or being written; taken by whichever of take() and stop() comes first. */
    private final AtomicReference<Job> current = new AtomicReference<>();
    private final Runnable onDone;
    private volatile boolean stopped;

    /**
     * @param metadataAt asks the node thread for {@code RaftNode.snapshotMetadataAt(index)}
     * @param compact    asks the node thread for {@code RaftNode.compact(metadata)}
     * @param onDone     called after each snapshot, taken or not (so that the applier may start another)
     * @param worker     runs the writing
     */
    SnapshotTaker(NodeId self, SnapshotClaims claims, LongFunction<CompletableFuture<SnapshotMetadata>> metadataAt,
                  Consumer<SnapshotMetadata> compact, Runnable onDone, Worker worker) {
        this.self = self;
        this.claims = claims;
        this.store = claims.store();
        this.metadataAt = metadataAt;
        this.compact = compact;
        this.onDone = onDone;
        this.worker = worker;
    }

    SnapshotStore store() {
        return store;
    }

    /** True while a snapshot is being taken; only the applier starts one, so it may trust a false. */
    boolean busy() {
        return busy.get();
    }

    /**
     * Hands over a captured view (applier). The worker asks the node thread for its metadata (a full inbox may
     * hold that request a while, never the applier), and the answer queues the writing on the worker.
     * Requires {@code !busy()}.
     */
    void submit(long index, StateMachine.Snapshot view, List<CompletableFuture<SnapshotMetadata>> futures) {
        if (stopped || !busy.compareAndSet(false, true)) {
            view.close();
            throw new IllegalStateException(stopped ? self + " is stopping" : "a snapshot is already being written");
        }
        Job job = new Job(index, view, futures);
        current.set(job);
        worker.execute(() -> metadataAt.apply(index)
                .whenComplete((metadata, error) -> worker.execute(() -> take(job, metadata, error))));
    }

    /** Takes no more snapshots; one still waiting for its metadata fails, one being written finishes. */
    void stop() {
        stopped = true;
        Job job = current.getAndSet(null);
        if (job != null) {
            job.view().close();
            fail(job, new IllegalStateException(self + " stopped before the snapshot was written"));
            busy.set(false);
        }
    }

    private void take(Job job, SnapshotMetadata metadata, Throwable metadataError) {
        if (!current.compareAndSet(job, null)) {
            return; // stop() has failed it already
        }
        long started = System.nanoTime();
        try (StateMachine.Snapshot view = job.view()) {
            if (metadataError != null || stopped) {
                abandon(job, metadataError == null
                        ? new IllegalStateException(self + " stopped before the snapshot was written")
                        : metadataError instanceof CompletionException e ? e.getCause() : metadataError);
                return;
            }
            if (claims.covered(metadata.lastIncludedIndex()) || !claims.claim(metadata)) {
                // The leader's snapshot at or beyond this index arrived meanwhile: it serves instead.
                SnapshotMetadata latest = store.latest().orElse(metadata);
                LOG.atDebug().addKeyValue("node", self)
                        .log("not taking snapshot {}: {} is as new",
                                metadata.lastIncludedIndex(), latest.lastIncludedIndex());
                job.futures().forEach(future -> future.complete(latest));
                return;
            }
            long bytes;
            try (SnapshotWriter writer = store.begin(metadata)) {
                CountingStream counting = new CountingStream(writer);
                view.writeTo(counting);
                bytes = counting.count;
                writer.commit();
            } finally {
                claims.release(metadata);
            }
            LOG.atInfo().addKeyValue("node", self)
                    .log("took snapshot {}/t{} ({} bytes) in {} ms",
                            metadata.lastIncludedIndex(), metadata.lastIncludedTerm(), bytes,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            compact.accept(metadata);
            job.futures().forEach(future -> future.complete(metadata));
        } catch (IOException | RuntimeException e) {
            abandon(job, e);
        } finally {
            busy.set(false);
            onDone.run();
        }
    }

    private void abandon(Job job, Throwable cause) {
        LOG.atWarn().addKeyValue("node", self).setCause(cause)
                .log("snapshot at index {} abandoned; the log is not compacted this time: {}", job.index(), cause);
        fail(job, cause);
    }

    private static void fail(Job job, Throwable cause) {
        job.futures().forEach(future -> future.completeExceptionally(cause));
    }

    /** Counts the bytes and keeps the state machine from closing the snapshot writer (commit does). */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() {
            // commit or abandon is the taker's decision
        }
    }
}
