package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.server.SnapshotOptions;
import io.caucus.storage.SnapshotStore;
import io.caucus.transport.SnapshotFrame;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of InstallSnapshot (Raft paper §7): when the core sends a follower an InstallSnapshot, the
 * snapshot's data goes first, streamed from the snapshot store in chunks of {@link SnapshotOptions#chunkBytes()}
 * with at most {@link SnapshotOptions#maxChunksInFlight()} unacknowledged (flow control: the receiver
 * acknowledges a chunk once it is on its disk). Nothing is held whole in memory: one chunk is read at a time.
 * The follower's runtime hands the InstallSnapshot to its core once the data is committed there, so the leader
 * never sends the message itself.
 *
 * <p>Threads: the transfers' disk reads and sends run as tasks on the sender's {@link Worker} (in production the
 * thread {@code caucus-snapshot-send-<id>}, shared by the transfers to every follower). A transfer never waits:
 * it sends what the window allows and returns; an acknowledgement (on a transport event loop, which only records
 * it), a cancellation or its progress timer (on the node's executor, at most one armed per transfer) queues its
 * next step, at most one queued per transfer. Time is read from the runtime's clock. At most one transfer per
 * follower. A transfer that fails (refused by the receiver, a file that cannot be read, no progress within
 * {@link SnapshotOptions#transferTimeout()}) is reported through {@code onFailure}, which tells the core
 * ({@code reportSnapshotFailed}); one cancelled because leadership was lost is not.
 */
final class OutgoingSnapshots implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutgoingSnapshots.class);

    private final NodeId self;
    private final SnapshotStore store;
    private final SnapshotOptions options;
    private final Predicate<SnapshotFrame> send;
    private final Consumer<NodeId> onFailure;
    private final Worker worker;
    private final NodeExecutor timers;
    private final RuntimeClock clock;
    private final Map<NodeId, Transfer> transfers = new ConcurrentHashMap<>();
    /** Transfer ids are unique per leader process: the receiver tells attempts apart by them. */
    private final AtomicLong nextTransferId;
    private volatile boolean closed;

    /**
     * @param worker runs the transfers: reading the snapshot and sending its chunks
     * @param timers fires the transfers' progress timers (the node's executor)
     * @param clock  times the transfers' progress
     */
    OutgoingSnapshots(NodeId self, SnapshotStore store, SnapshotOptions options, Predicate<SnapshotFrame> send,
                      Consumer<NodeId> onFailure, Worker worker, NodeExecutor timers, RuntimeClock clock) {
        this.self = self;
        this.store = store;
        this.options = options;
        this.send = send;
        this.onFailure = onFailure;
        this.worker = worker;
        this.timers = timers;
        this.clock = clock;
        this.nextTransferId = new AtomicLong(clock.nanoTime() & Long.MAX_VALUE);
    }

    /** Starts streaming the message's snapshot to its recipient, replacing an older transfer to it. Any thread. */
    void start(InstallSnapshot message) {
        if (closed) {
            return;
        }
        Transfer running = transfers.get(message.to());
        if (running != null && !running.finished && running.message.equals(message)) {
            return; // the core asked again while the same transfer is under way
        }
        if (running != null) {
            running.cancel();
        }
        Transfer transfer = new Transfer(message, nextTransferId.incrementAndGet());
        transfers.put(message.to(), transfer);
        transfer.requestStep();
    }

    /** An acknowledgement from a receiver; called on a transport event loop, never blocks. */
    void onAck(SnapshotFrame.Ack ack) {
        Transfer transfer = transfers.get(ack.from());
        if (transfer != null && transfer.id == ack.transferId()) {
            transfer.acknowledged(ack);
        }
    }

    /** Stops every transfer without reporting them (this node no longer leads, or is stopping). */
    void cancelAll() {
        transfers.values().forEach(Transfer::cancel);
        transfers.clear();
    }

    /** How many transfers are under way (for tests and status). */
    int active() {
        return (int) transfers.values().stream().filter(transfer -> !transfer.finished).count();
    }

    /** Takes no more transfers and cancels those under way; the caller then shuts the worker down and waits. */
    @Override
    public void close() {
        closed = true;
        cancelAll();
    }

    /** One attempt to send one snapshot to one follower. */
    private final class Transfer {

        final InstallSnapshot message;
        final long id;
        volatile boolean finished;
        /** Set while a step is queued on the worker: requests coalesce. */
        private final AtomicBoolean stepQueued = new AtomicBoolean();
        /** Set while the progress timer is armed: at most one per transfer. */
        private final AtomicBoolean timerArmed = new AtomicBoolean();
        // Guarded by this: what the receiver reported, and whether the transfer was cancelled.
        private long acknowledgedBytes;
        private SnapshotFrame.Status status = SnapshotFrame.Status.ACCEPTED;
        private String refusal = "";
        private long lastProgressNanos;
        private boolean cancelled;
        // Confined to the worker: the data being read, the chunk to send next, and how far the sending got.
        private final long started = clock.nanoTime();
        private InputStream data;
        private byte[] chunk;
        private long sentBytes;
        private boolean allSent;
        private final CRC32C total = new CRC32C();
        private NodeExecutor.Timer timer;

        Transfer(InstallSnapshot message, long id) {
            this.message = message;
            this.id = id;
            this.lastProgressNanos = started;
        }

        void acknowledged(SnapshotFrame.Ack ack) {
            synchronized (this) {
                if (status == SnapshotFrame.Status.INSTALLED) {
                    return; // final: later answers concern chunks the receiver no longer needs
                }
                if (ack.status() != SnapshotFrame.Status.REFUSED && ack.receivedBytes() < acknowledgedBytes) {
                    return;
                }
                acknowledgedBytes = Math.max(acknowledgedBytes, ack.receivedBytes());
                status = ack.status();
                refusal = ack.reason();
                lastProgressNanos = clock.nanoTime();
            }
            requestStep();
        }

        void cancel() {
            synchronized (this) {
                cancelled = true;
            }
            requestStep();
        }

        /** Queues the next step on the worker unless one is queued or the transfer has finished. Any thread. */
        void requestStep() {
            if (!finished && stepQueued.compareAndSet(false, true)) {
                worker.execute(this::step);
            }
        }

        /** Sends what the window allows, or finishes the transfer once it has an outcome (worker). */
        private void step() {
            stepQueued.set(false);
            if (finished) {
                return;
            }
            String failure;
            try {
                failure = advance();
            } catch (IOException | RuntimeException e) {
                failure = "cannot read snapshot " + message.snapshot().lastIncludedIndex() + ": " + e;
            }
            if (failure != null || isCancelled() || isInstalled()) {
                finish(failure);
            } else {
                armTimer();
            }
        }

        /** Sends the chunks the window allows; returns why the transfer failed, or null. */
        private String advance() throws IOException {
            String failure = failureSoFar();
            if (failure != null || isCancelled() || isInstalled()) {
                return failure;
            }
            if (data == null) {
                data = store.openData(message.snapshot());
                chunk = data.readNBytes(options.chunkBytes());
            }
            long windowBytes = (long) options.maxChunksInFlight() * options.chunkBytes();
            while (!allSent && sentBytes - acknowledged() < windowBytes) {
                // Read one chunk ahead: the chunk being sent is the last one iff nothing follows it.
                byte[] next = chunk.length < options.chunkBytes() ? new byte[0] : data.readNBytes(options.chunkBytes());
                boolean last = next.length == 0;
                total.update(chunk);
                CRC32C chunkCrc = new CRC32C();
                chunkCrc.update(chunk);
                SnapshotFrame.Chunk frame = new SnapshotFrame.Chunk(self, message.to(), message.term(), id,
                        message.snapshot(), sentBytes, chunk, (int) chunkCrc.getValue(), last,
                        last ? sentBytes + chunk.length : 0, last ? (int) total.getValue() : 0);
                if (!send.test(frame)) {
                    return "the transport dropped a chunk (connection down or queue full)";
                }
                sentBytes += chunk.length;
                allSent = last;
                chunk = next;
            }
            long idleNanos = clock.nanoTime() - lastProgress();
            if (idleNanos >= options.transferTimeout().toNanos()) {
                return "no acknowledgement from " + message.to() + " within " + options.transferTimeout();
            }
            return null;
        }

        /** Arms the progress timer unless it is armed; when it fires, the next step checks for a timeout. */
        private void armTimer() {
            if (!timerArmed.compareAndSet(false, true)) {
                return;
            }
            long remainingNanos = options.transferTimeout().toNanos() - (clock.nanoTime() - lastProgress());
            try {
                timer = timers.schedule(() -> {
                    timerArmed.set(false);
                    requestStep();
                }, Math.max(1, remainingNanos));
            } catch (RejectedExecutionException e) {
                timerArmed.set(false); // the node is stopping: close() cancels the transfer
            }
        }

        private void finish(String failure) {
            finished = true;
            if (timer != null) {
                timer.cancel();
            }
            closeData();
            transfers.remove(message.to(), this);
            if (failure != null && !isCancelled()) {
                LOG.atWarn().addKeyValue("node", self)
                        .log("snapshot transfer to {} failed, it will start over: {}", message.to(), failure);
                onFailure.accept(message.to());
            } else if (failure == null && isInstalled()) {
                LOG.atInfo().addKeyValue("node", self)
                        .log("sent snapshot {}/t{} ({} bytes) to {} in {} ms",
                                message.snapshot().lastIncludedIndex(), message.snapshot().lastIncludedTerm(),
                                sentBytes, message.to(), TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - started));
            }
        }

        private void closeData() {
            if (data != null) {
                try {
                    data.close();
                } catch (IOException e) {
                    LOG.atDebug().addKeyValue("node", self).log("closing snapshot data: {}", e.toString());
                }
            }
        }

        private synchronized long acknowledged() {
            return acknowledgedBytes;
        }

        private synchronized long lastProgress() {
            return lastProgressNanos;
        }

        private synchronized boolean isInstalled() {
            return status == SnapshotFrame.Status.INSTALLED;
        }

        private synchronized String failureSoFar() {
            return status == SnapshotFrame.Status.REFUSED ? "refused by " + message.to() + ": " + refusal : null;
        }

        private synchronized boolean isCancelled() {
            return cancelled;
        }
    }
}
