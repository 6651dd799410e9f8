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
import java.util.concurrent.TimeUnit;
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
 * <p>One thread per transfer ({@code caucus-snapshot-send-<id>-<peer>}), at most one transfer per follower. A
 * transfer that fails (refused by the receiver, a file that cannot be read, no progress within
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
    private final Map<NodeId, Transfer> transfers = new ConcurrentHashMap<>();
    /** Transfer ids are unique per leader process: the receiver tells attempts apart by them. */
    private final AtomicLong nextTransferId = new AtomicLong(System.nanoTime() & Long.MAX_VALUE);
    private volatile boolean closed;

    OutgoingSnapshots(NodeId self, SnapshotStore store, SnapshotOptions options, Predicate<SnapshotFrame> send,
                      Consumer<NodeId> onFailure) {
        this.self = self;
        this.store = store;
        this.options = options;
        this.send = send;
        this.onFailure = onFailure;
    }

    /** Starts streaming the message's snapshot to its recipient, replacing an older transfer to it. Any thread. */
    void start(InstallSnapshot message) {
        if (closed) {
            return;
        }
        Transfer running = transfers.get(message.to());
        if (running != null && running.isAlive() && running.message.equals(message)) {
            return; // the core asked again while the same transfer is under way
        }
        if (running != null) {
            running.cancel();
        }
        Transfer transfer = new Transfer(message, nextTransferId.incrementAndGet());
        transfers.put(message.to(), transfer);
        transfer.thread.start();
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
        return (int) transfers.values().stream().filter(Transfer::isAlive).count();
    }

    @Override
    public void close() {
        closed = true;
        cancelAll();
    }

    /** One attempt to send one snapshot to one follower. */
    private final class Transfer implements Runnable {

        final InstallSnapshot message;
        final long id;
        final Thread thread;
        // Guarded by this: what the receiver reported.
        private long acknowledgedBytes;
        private SnapshotFrame.Status status = SnapshotFrame.Status.ACCEPTED;
        private String refusal = "";
        private long lastProgressNanos = System.nanoTime();
        private boolean cancelled;

        Transfer(InstallSnapshot message, long id) {
            this.message = message;
            this.id = id;
            this.thread = Thread.ofPlatform().daemon().name("caucus-snapshot-send-" + self + "-" + message.to())
                    .unstarted(this);
        }

        boolean isAlive() {
            return thread.isAlive();
        }

        synchronized void acknowledged(SnapshotFrame.Ack ack) {
            if (status == SnapshotFrame.Status.INSTALLED) {
                return; // final: later answers concern chunks the receiver no longer needs
            }
            if (ack.status() == SnapshotFrame.Status.REFUSED || ack.receivedBytes() >= acknowledgedBytes) {
                acknowledgedBytes = Math.max(acknowledgedBytes, ack.receivedBytes());
                status = ack.status();
                refusal = ack.reason();
                lastProgressNanos = System.nanoTime();
                notifyAll();
            }
        }

        synchronized void cancel() {
            cancelled = true;
            notifyAll();
        }

        @Override
        public void run() {
            String failure;
            try {
                failure = stream();
            } catch (IOException | RuntimeException e) {
                failure = "cannot read snapshot " + message.snapshot().lastIncludedIndex() + ": " + e;
            } catch (InterruptedException e) {
                failure = null;
            } finally {
                transfers.remove(message.to(), this);
            }
            if (failure != null && !isCancelled()) {
                LOG.atWarn().addKeyValue("node", self)
                        .log("snapshot transfer to {} failed, it will start over: {}", message.to(), failure);
                onFailure.accept(message.to());
            }
        }

        /** Sends every chunk and waits for the receiver to install it; returns why it failed, or null. */
        private String stream() throws IOException, InterruptedException {
            long started = System.nanoTime();
            CRC32C total = new CRC32C();
            long offset = 0;
            try (InputStream data = store.openData(message.snapshot())) {
                byte[] chunk = data.readNBytes(options.chunkBytes());
                while (true) {
                    // Read one chunk ahead: the chunk being sent is the last one iff nothing follows it.
                    byte[] next = chunk.length < options.chunkBytes() ? new byte[0] : data.readNBytes(options.chunkBytes());
                    boolean last = next.length == 0;
                    String failure = awaitWindow(offset);
                    if (failure != null) {
                        return failure;
                    }
                    if (isInstalled()) {
                        return null; // the receiver already had a snapshot as new: no more data needed
                    }
                    total.update(chunk);
                    CRC32C chunkCrc = new CRC32C();
                    chunkCrc.update(chunk);
                    SnapshotFrame.Chunk frame = new SnapshotFrame.Chunk(self, message.to(), message.term(), id,
                            message.snapshot(), offset, chunk, (int) chunkCrc.getValue(), last,
                            last ? offset + chunk.length : 0, last ? (int) total.getValue() : 0);
                    if (!send.test(frame)) {
                        return "the transport dropped a chunk (connection down or queue full)";
                    }
                    offset += chunk.length;
                    if (last) {
                        break;
                    }
                    chunk = next;
                }
            }
            String failure = awaitInstalled();
            if (failure == null) {
                LOG.atInfo().addKeyValue("node", self)
                        .log("sent snapshot {}/t{} ({} bytes) to {} in {} ms",
                                message.snapshot().lastIncludedIndex(), message.snapshot().lastIncludedTerm(), offset,
                                message.to(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
            return failure;
        }

        private synchronized boolean isInstalled() {
            return status == SnapshotFrame.Status.INSTALLED;
        }

        /** Waits until sending a chunk at {@code offset} keeps the unacknowledged bytes within the window. */
        private synchronized String awaitWindow(long offset) throws InterruptedException {
            long windowBytes = (long) options.maxChunksInFlight() * options.chunkBytes();
            while (offset - acknowledgedBytes >= windowBytes && status != SnapshotFrame.Status.INSTALLED) {
                String failure = waitForProgress();
                if (failure != null) {
                    return failure;
                }
            }
            return failureSoFar();
        }

        private synchronized String awaitInstalled() throws InterruptedException {
            while (status != SnapshotFrame.Status.INSTALLED) {
                String failure = waitForProgress();
                if (failure != null) {
                    return failure;
                }
            }
            return null;
        }

        /** Waits for an acknowledgement; returns why to give up, or null. Holds the monitor. */
        private String waitForProgress() throws InterruptedException {
            String failure = failureSoFar();
            if (failure != null) {
                return failure;
            }
            long timeoutNanos = options.transferTimeout().toNanos();
            long waitedNanos = System.nanoTime() - lastProgressNanos;
            if (waitedNanos >= timeoutNanos) {
                return "no acknowledgement from " + message.to() + " within " + options.transferTimeout();
            }
            TimeUnit.NANOSECONDS.timedWait(this, timeoutNanos - waitedNanos);
            return failureSoFar();
        }

        private synchronized String failureSoFar() throws InterruptedException {
            if (cancelled) {
                throw new InterruptedException("cancelled");
            }
            return status == SnapshotFrame.Status.REFUSED ? "refused by " + message.to() + ": " + refusal : null;
        }

        private synchronized boolean isCancelled() {
            return cancelled;
        }
    }
}
