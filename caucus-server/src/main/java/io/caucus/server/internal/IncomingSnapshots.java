package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.server.SnapshotOptions;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.SnapshotWriter;
import io.caucus.transport.SnapshotFrame;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * <p>Threads: the transport's event loop only queues chunks ({@link #onChunk} never blocks); the
 * {@code caucus-snapshot-receive-<id>} thread does all disk work.
 */
final class IncomingSnapshots implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IncomingSnapshots.class);

    private final NodeId self;
    private final SnapshotStore store;
    private final SnapshotClaims claims;
    private final SnapshotOptions options;
    private final Predicate<SnapshotFrame> send;
    private final Consumer<InstallSnapshot> deliver;
    /** Bounded: a sender keeps at most maxChunksInFlight unacknowledged, so more means a misbehaving peer. */
    private final BlockingQueue<SnapshotFrame.Chunk> chunks;
    private final Thread thread;
    private volatile boolean closed;

    /** The transfer being received; confined to the receiving thread. */
    private Receiving current;

    private static final class Receiving {
        final SnapshotFrame.Chunk first;
        final SnapshotWriter writer;
        final CRC32C crc = new CRC32C();
        long receivedBytes;
        long lastChunkNanos = System.nanoTime();

        Receiving(SnapshotFrame.Chunk first, SnapshotWriter writer) {
            this.first = first;
            this.writer = writer;
        }

        boolean isSameTransfer(SnapshotFrame.Chunk chunk) {
            return chunk.from().equals(first.from()) && chunk.transferId() == first.transferId();
        }
    }

    IncomingSnapshots(NodeId self, SnapshotClaims claims, SnapshotOptions options, Predicate<SnapshotFrame> send,
                      Consumer<InstallSnapshot> deliver) {
        this.self = self;
        this.claims = claims;
        this.store = claims.store();
        this.options = options;
        this.send = send;
        this.deliver = deliver;
        this.chunks = new ArrayBlockingQueue<>(Math.max(16, 4 * options.maxChunksInFlight()));
        this.thread = Thread.ofPlatform().daemon().name("caucus-snapshot-receive-" + self).unstarted(this);
    }

    void start() {
        thread.start();
    }

    /** Queues a chunk for the receiving thread; called on a transport event loop, never blocks. */
    void onChunk(SnapshotFrame.Chunk chunk) {
        if (closed || !chunks.offer(chunk)) {
            refuse(chunk, 0, closed ? "the receiver is stopping" : "too many chunks in flight");
        }
    }

    @Override
    public void run() {
        try {
            while (!closed) {
                SnapshotFrame.Chunk chunk = chunks.poll(100, TimeUnit.MILLISECONDS);
                if (chunk != null) {
                    receiveOrRefuse(chunk);
                } else {
                    abandonIfStalled();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            abandon("the receiver stopped");
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
        transfer.lastChunkNanos = System.nanoTime();
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
            current = new Receiving(chunk, store.begin(chunk.snapshot()));
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

    private void abandonIfStalled() {
        if (current != null
                && System.nanoTime() - current.lastChunkNanos > options.transferTimeout().toNanos()) {
            abandon("no chunk within " + options.transferTimeout());
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

    /** Stops the receiving thread, which deletes the temporary file of a transfer under way. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
