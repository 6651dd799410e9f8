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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot thread ({@code caucus-snapshot-<id>}): writes a state machine view captured on the apply thread
 * into the {@link SnapshotStore} while the node keeps serving, then asks the node thread to compact the log to
 * it (Raft paper §7). The metadata (the term and configuration at the snapshot's index) comes from the core,
 * through the node thread, before the data is written. At most one snapshot is under way at a time.
 *
 * <p>A snapshot that fails (the state machine's writer threw, the disk is full) is abandoned: its temporary file
 * is deleted, the log is not compacted, the waiting futures fail, and the node goes on serving.
 */
final class SnapshotTaker implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTaker.class);
    /** How long to wait for the node thread to answer the metadata request. */
    private static final long METADATA_WAIT_SECONDS = 30;

    private record Job(long index, StateMachine.Snapshot view, List<CompletableFuture<SnapshotMetadata>> futures) {
    }

    private final NodeId self;
    private final SnapshotStore store;
    private final SnapshotClaims claims;
    private final LongFunction<CompletableFuture<SnapshotMetadata>> metadataAt;
    private final Consumer<SnapshotMetadata> compact;
    private final BlockingQueue<Job> jobs = new ArrayBlockingQueue<>(1);
    private final AtomicBoolean busy = new AtomicBoolean();
    private final Runnable onDone;
    private volatile boolean stopped;

    /**
     * @param metadataAt asks the node thread for {@code RaftNode.snapshotMetadataAt(index)}
     * @param compact    asks the node thread for {@code RaftNode.compact(metadata)}
     * @param onDone     called after each snapshot, taken or not (so that the apply thread may start another)
     */
    SnapshotTaker(NodeId self, SnapshotClaims claims, LongFunction<CompletableFuture<SnapshotMetadata>> metadataAt,
                  Consumer<SnapshotMetadata> compact, Runnable onDone) {
        this.self = self;
        this.claims = claims;
        this.store = claims.store();
        this.metadataAt = metadataAt;
        this.compact = compact;
        this.onDone = onDone;
    }

    SnapshotStore store() {
        return store;
    }

    /** True while a snapshot is being written; only the apply thread starts one, so it may trust a false. */
    boolean busy() {
        return busy.get();
    }

    /** Hands over a captured view (apply thread). Requires {@code !busy()}. */
    void submit(long index, StateMachine.Snapshot view, List<CompletableFuture<SnapshotMetadata>> futures) {
        if (!busy.compareAndSet(false, true) || !jobs.offer(new Job(index, view, futures))) {
            view.close();
            throw new IllegalStateException("a snapshot is already being written");
        }
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        try {
            while (!stopped) {
                Job job = jobs.poll(50, TimeUnit.MILLISECONDS);
                if (job != null) {
                    take(job);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Job job; (job = jobs.poll()) != null; ) {
                job.view().close();
                fail(job, new IllegalStateException(self + " stopped before the snapshot was written"));
            }
        }
    }

    private void take(Job job) throws InterruptedException {
        long started = System.nanoTime();
        try (StateMachine.Snapshot view = job.view()) {
            SnapshotMetadata metadata = metadataAt.apply(job.index()).get(METADATA_WAIT_SECONDS, TimeUnit.SECONDS);
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
        } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.atWarn().addKeyValue("node", self).setCause(cause)
                    .log("snapshot at index {} abandoned; the log is not compacted this time: {}", job.index(), cause);
            fail(job, cause);
        } finally {
            busy.set(false);
            onDone.run();
        }
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
