package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.server.SnapshotOptions;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.SnapshotWriter;
import io.caucus.transport.SnapshotFrame;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower's side of InstallSnapshot (Raft paper §7): chunks of a leader's snapshot are written, in order,
 * into a {@link SnapshotWriter} (a temporary file), each checked against its CRC32C and acknowledged once
 * written; after the last one the whole data's length and CRC32C are checked, the snapshot is committed to the
 * store (forced and renamed into place, so it appears atomically) and only then is the InstallSnapshot message
 * handed to the core. A chunk out of order (a lost connection), a bad checksum, a transfer unknown here (this
 * node restarted) or a newer transfer abandons the current one: its temporary file is deleted and the leader
 * is told to start over. A transfer that stalls for {@link SnapshotOptions#transferTimeout()} is abandoned too.
 *
 * <p>Threads: the transport's event loop only queues chunks ({@link #onChunk} never blocks) and asks the
 * receiver's {@link Worker} (in production the thread {@code caucus-snapshot-receive-<id>}) for a drain, at most
 * one queued at a time; the worker does all disk work. The stall check is a timer on the node's executor, at
 * most one armed, that queues a check on the worker; time is read from the runtime's clock.
 */
final class IncomingSnapshots implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IncomingSnapshots.class);

    private final NodeId self;
    private final SnapshotStore store;
    private final SnapshotClaims claims;
    private final SnapshotOptions options;
    private final Predicate<SnapshotFrame> send;
    private final Consumer<InstallSnapshot> deliver;
    /** Bounded: a sender keeps at most maxChunksInFlight unacknowledged, so more means a misbehaving peer. */
    private final BlockingQueue<SnapshotFrame.Chunk> chunks;
    private final Worker worker;
    private final NodeExecutor timers;
    private final RuntimeClock clock;
    /** Set while a drain is queued on the worker: requests for drains coalesce. */
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    /** Set while the stall timer is armed or its check queued: at most one of either. */
    private final AtomicBoolean stallCheckArmed = new AtomicBoolean();
    private volatile boolean closed;

    /** The transfer being received; confined to the worker. */
    private Receiving current;

    private static final class Receiving {
        final SnapshotFrame.Chunk first;
        final SnapshotWriter writer;
        final CRC32C crc = new CRC32C();
        long receivedBytes;
        long lastChunkNanos;

        Receiving(SnapshotFrame.Chunk first, SnapshotWriter writer, long nowNanos) {
            this.first = first;
            this.writer = writer;
            this.lastChunkNanos = nowNanos;
        }

        boolean isSameTransfer(SnapshotFrame.Chunk chunk) {
            return chunk.from().equals(first.from()) && chunk.transferId() == first.transferId();
        }
    }

    /**
     * @param worker runs the receiving and all its disk work
     * @param timers fires the stall check (the node's executor)
     * @param clock  times the stall
     */
    IncomingSnapshots(NodeId self, SnapshotClaims claims, SnapshotOptions options, Predicate<SnapshotFrame> send,
                      Consumer<InstallSnapshot> deliver, Worker worker, NodeExecutor timers, RuntimeClock clock) {
        this.self = self;
        this.claims = claims;
        this.store = claims.store();
        this.options = options;
        this.send = send;
        this.deliver = deliver;
        this.chunks = new ArrayBlockingQueue<>(Math.max(16, 4 * options.maxChunksInFlight()));
        this.worker = worker;
        this.timers = timers;
        this.clock = clock;
    }

    /** Queues a chunk for the worker; called on a transport event loop, never blocks. */
    void onChunk(SnapshotFrame.Chunk chunk) {
        if (closed || !chunks.offer(chunk)) {
            refuse(chunk, 0, closed ? "the receiver is stopping" : "too many chunks in flight");
        } else if (drainQueued.compareAndSet(false, true)) {
            worker.execute(this::drain);
        }
    }

    /** Receives every chunk queued (worker). Once closed it does nothing: it may then run on its caller. */
    private void drain() {
        drainQueued.set(false);
        for (SnapshotFrame.Chunk chunk; !closed && (chunk = chunks.poll()) != null; ) {
            receiveOrRefuse(chunk);
        }
    }

    private void receiveOrRefuse(SnapshotFrame.Chunk chunk) {
        try {
            receive(chunk);
        } catch (RuntimeException e) {
            // A snapshot store that cannot write (disk full) fails this transfer; the leader tries again later.
            LOG.atError().addKeyValue("node", self).setCause(e)
                    .log("cannot store a snapshot chunk from {}", chunk.from());
            abandonAndRefuse(chunk, "the receiver cannot store the snapshot: " + e.getMessage());
        }
    }

    private void receive(SnapshotFrame.Chunk chunk) {
        if (current == null || !current.isSameTransfer(chunk)) {
            if (!begin(chunk)) {
                return;
            }
        }
        Receiving transfer = current;
        if (chunk.offset() != transfer.receivedBytes) {
            abandonAndRefuse(chunk, "chunk at offset " + chunk.offset() + " where " + transfer.receivedBytes
                    + " was expected (a chunk was lost)");
            return;
        }
        CRC32C chunkCrc = new CRC32C();
        chunkCrc.update(chunk.data());
        if ((int) chunkCrc.getValue() != chunk.dataCrc()) {
            abandonAndRefuse(chunk, "chunk at offset " + chunk.offset() + " fails its checksum");
            return;
        }
        transfer.writer.write(chunk.data(), 0, chunk.data().length);
        transfer.crc.update(chunk.data());
        transfer.receivedBytes += chunk.data().length;
        transfer.lastChunkNanos = clock.nanoTime();
        if (chunk.last()) {
            finish(chunk, transfer);
        } else {
            send.test(new SnapshotFrame.Ack(self, chunk.from(), chunk.transferId(), transfer.receivedBytes,
                    SnapshotFrame.Status.ACCEPTED, ""));
        }
    }

    /** Starts receiving a new transfer at its first chunk; returns false (refusing it) if it cannot start. */
    private boolean begin(SnapshotFrame.Chunk chunk) {
        if (chunk.offset() != 0) {
            refuse(chunk, 0, "transfer " + chunk.transferId() + " is unknown here (this node restarted, or it was "
                    + "superseded); start over");
            return false;
        }
        if (current != null && chunk.term() < current.first.term()) {
            refuse(chunk, 0, "a transfer of term " + current.first.term() + " is under way");
            return false;
        }
        if (current != null) {
            abandonAndRefuse(current.first, "superseded by transfer " + chunk.transferId() + " from "
                    + chunk.from());
        }
        if (claims.holds(chunk.snapshot())) {
            // This node has the snapshot already (received before, or taken itself): no data needed.
            send.test(new SnapshotFrame.Ack(self, chunk.from(), chunk.transferId(), 0,
                    SnapshotFrame.Status.INSTALLED, ""));
            deliver.accept(new InstallSnapshot(chunk.from(), self, chunk.term(), chunk.snapshot()));
            return false;
        }
        if (!claims.claim(chunk.snapshot())) {
            refuse(chunk, 0, "this node is writing a snapshot at the same index; try again");
            return false;
        }
        try {
            current = new Receiving(chunk, store.begin(chunk.snapshot()), clock.nanoTime());
            armStallCheck(options.transferTimeout().toNanos());
        } catch (RuntimeException e) {
            claims.release(chunk.snapshot());
            throw e;
        }
        LOG.atInfo().addKeyValue("node", self)
                .log("receiving snapshot {}/t{} from {}",
                        chunk.snapshot().lastIncludedIndex(), chunk.snapshot().lastIncludedTerm(), chunk.from());
        return true;
    }

    private void finish(SnapshotFrame.Chunk last, Receiving transfer) {
        if (last.totalBytes() != transfer.receivedBytes || last.totalCrc() != (int) transfer.crc.getValue()) {
            abandonAndRefuse(last, "the snapshot's " + transfer.receivedBytes + " bytes do not match the sender's "
                    + last.totalBytes() + " bytes and checksum");
            return;
        }
        try {
            transfer.writer.commit();
        } finally {
            current = null;
            claims.release(last.snapshot());
        }
        LOG.atInfo().addKeyValue("node", self)
                .log("received snapshot {}/t{} ({} bytes) from {}",
                        last.snapshot().lastIncludedIndex(), last.snapshot().lastIncludedTerm(),
                        transfer.receivedBytes, last.from());
        send.test(new SnapshotFrame.Ack(self, last.from(), last.transferId(), transfer.receivedBytes,
                SnapshotFrame.Status.INSTALLED, ""));
        // Only now, with the data committed, may the core hear of it (§7: the follower installs it atomically).
        deliver.accept(new InstallSnapshot(last.from(), self, last.term(), last.snapshot()));
    }

    /** Arms the stall timer unless it is armed: it queues {@link #checkStall} on the worker when it fires. */
    private void armStallCheck(long delayNanos) {
        if (!stallCheckArmed.compareAndSet(false, true)) {
            return;
        }
        try {
            timers.schedule(() -> worker.execute(this::checkStall), delayNanos);
        } catch (RejectedExecutionException e) {
            stallCheckArmed.set(false); // the node is stopping: close() abandons the transfer
        }
    }

    /** Abandons the transfer if no chunk came for transferTimeout, or checks again when it might have (worker). */
    private void checkStall() {
        stallCheckArmed.set(false);
        if (closed || current == null) {
            return;
        }
        long idleNanos = clock.nanoTime() - current.lastChunkNanos;
        long timeoutNanos = options.transferTimeout().toNanos();
        if (idleNanos >= timeoutNanos) {
            abandon("no chunk within " + options.transferTimeout());
        } else {
            armStallCheck(timeoutNanos - idleNanos);
        }
    }

    private void abandonAndRefuse(SnapshotFrame.Chunk chunk, String reason) {
        abandon(reason);
        refuse(chunk, 0, reason);
    }

    /** Deletes the temporary file of the current transfer, if any. */
    private void abandon(String reason) {
        if (current != null) {
            LOG.atWarn().addKeyValue("node", self)
                    .log("abandoning snapshot transfer {} from {}: {}",
                            current.first.transferId(), current.first.from(), reason);
            current.writer.close();
            claims.release(current.first.snapshot());
            current = null;
        }
    }

    private void refuse(SnapshotFrame.Chunk chunk, long receivedBytes, String reason) {
        send.test(new SnapshotFrame.Ack(self, chunk.from(), chunk.transferId(), receivedBytes,
                SnapshotFrame.Status.REFUSED, reason));
    }

    /**
     * Takes no more chunks and queues, on the worker, the deletion of the temporary file of a transfer under way;
     * the caller then shuts the worker down and waits for it.
     */
    @Override
    public void close() {
        closed = true;
        worker.execute(() -> abandon("the receiver stopped"));
    }
}
