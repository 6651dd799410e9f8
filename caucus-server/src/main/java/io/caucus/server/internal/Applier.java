package io.caucus.server.internal;

import io.caucus.core.EntryType;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.ReadResult;
import io.caucus.core.SnapshotMetadata;
import io.caucus.server.CaucusException;
import io.caucus.server.OverloadedException;
import io.caucus.server.ShutdownException;
import io.caucus.server.SnapshotOptions;
import io.caucus.server.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The applier: the only code that touches the user's {@link StateMachine}, run as tasks on its own {@link Worker}
 * (in production the apply thread, {@code caucus-apply-<id>}). It applies committed entries
 * in log order, completes the futures of the proposals they carry, serves confirmed reads once their read
 * index is applied (thesis §6.4 step 4). Successful requests complete here, after the applied index has been
 * published, so a slow client callback delays only later applies, never the node thread.
 *
 * <p>Snapshots (Raft paper §7): after applying, when the log since the last snapshot has passed a threshold of
 * {@link SnapshotOptions} (or {@code takeSnapshot} asked), the apply thread captures the state machine's view
 * ({@link StateMachine#snapshot}) and hands it to the {@link SnapshotTaker}, which writes it while applies go on.
 * A {@code Ready.restore} becomes a restore task, run in order before the entries that follow it.
 */
final class Applier {

    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    private static final byte[] NO_RESULT = new byte[0];
    private static final int QUEUE_CAPACITY = 1024;

    private sealed interface Task {
    }

    private record Apply(List<LogEntry> entries, List<ReadResult> reads) implements Task {
    }

    /** Load the state machine from a snapshot in the store (a follower installing the leader's snapshot). */
    private record Restore(SnapshotMetadata snapshot) implements Task {
    }

    /** Take a snapshot as of the applied index, whatever the thresholds say. */
    private record SnapshotNow(CompletableFuture<SnapshotMetadata> future) implements Task {
    }

    private record ConfirmedRead(long requestId, long readIndex) {
    }

    private final NodeId self;
    private final StateMachine stateMachine;
    private final PendingRequests pending;
    private final Supplier<NodeId> leaderHint;
    private final Outcomes outcomes;
    private final Runnable wakeNode;
    private final Consumer<Throwable> onFatal;
    /**
     * Bounded: when the state machine falls behind, the node thread waits here (back-pressure). A single-threaded
     * simulator never fills it: a turn hands over at most a few batches, and the drain it queues runs before the
     * node's next turn.
     */
    private final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final Worker worker;
    /** Set while a drain is queued on the worker: requests for drains coalesce. */
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    /** Completed once the applier has stopped (asked to, or after the state machine threw). */
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private final PriorityQueue<ConfirmedRead> readsWaiting =
            new PriorityQueue<>(Comparator.comparingLong(ConfirmedRead::readIndex));
    /** Highest index applied; written only by the apply thread, read by the node thread. */
    private final AtomicLong appliedIndex = new AtomicLong();
    /** Written by the apply thread only. */
    private volatile long applyBatches;
    private volatile boolean stopRequested;

    /** Null when this node's store keeps no snapshots. */
    private final SnapshotTaker taker;
    private final SnapshotOptions snapshotOptions;
    // Apply thread only: the log since the latest snapshot (taken, started or restored), for the thresholds.
    private long snapshotBaseIndex;
    private long bytesSinceSnapshot;
    /** The latest snapshot's index and size, looked up again only when a newer one appears. */
    private long sizedSnapshotIndex = -1;
    private long sizedSnapshotBytes;
    /** How far past its thresholds this node takes the next snapshot (SnapshotOptions.STAGGER), drawn per snapshot. */
    private double thresholdStretch;
    /** Draws the stretches; used on the applier only. */
    private final RandomGenerator stagger;
    private boolean snapshotsSupported = true;
    /** takeSnapshot() requests waiting for the snapshot under way to finish. */
    private final List<CompletableFuture<SnapshotMetadata>> waitingForSnapshot = new ArrayList<>();
    /** Told of each applied entry: nothing in production, a simulator's checks through {@link NodeProbe}. */
    private volatile NodeProbe.AppliedListener appliedListener = (entry, result) -> { };
    /** Told of each snapshot restored: nothing in production, a simulator's checks through {@link NodeProbe}. */
    private volatile NodeProbe.RestoredListener restoredListener = snapshot -> { };

    /**
     * @param restoredIndex the index the state machine was restored to before the node started (0 if none)
     * @param taker         writes snapshots; null if this node takes none
     * @param worker        runs the applier's tasks
     * @param stagger       draws how far past its thresholds each snapshot is taken
     */
    Applier(NodeId self, StateMachine stateMachine, PendingRequests pending, Supplier<NodeId> leaderHint,
            Outcomes outcomes, Runnable wakeNode, Consumer<Throwable> onFatal, long restoredIndex,
            SnapshotTaker taker, SnapshotOptions snapshotOptions, Worker worker, RandomGenerator stagger) {
        this.worker = worker;
        this.stagger = stagger;
        this.thresholdStretch = SnapshotOptions.drawStretch(stagger);
        this.appliedIndex.set(restoredIndex);
        this.snapshotBaseIndex = restoredIndex;
        this.taker = taker;
        this.snapshotOptions = snapshotOptions;
        this.outcomes = outcomes;
        this.self = self;
        this.stateMachine = stateMachine;
        this.pending = pending;
        this.leaderHint = leaderHint;
        this.wakeNode = wakeNode;
        this.onFatal = onFatal;
    }

    long appliedIndex() {
        return appliedIndex.get();
    }

    void onApplied(NodeProbe.AppliedListener listener) {
        appliedListener = listener;
    }

    void onRestored(NodeProbe.RestoredListener listener) {
        restoredListener = listener;
    }

    /** Batches of committed entries applied so far; any thread. */
    long applyBatches() {
        return applyBatches;
    }

    // ---------------------------------------------------------------- called by the node thread

    void apply(List<LogEntry> entries, List<ReadResult> reads) throws InterruptedException {
        enqueue(new Apply(entries, reads));
    }

    /** Restores the state machine from {@code snapshot} before any entry handed over later (node thread). */
    void restoreBeforeLaterEntries(SnapshotMetadata snapshot) throws InterruptedException {
        enqueue(new Restore(snapshot));
    }

    // ---------------------------------------------------------------- called by any thread

    /** Asks for a snapshot as of the applied index; never blocks. */
    void snapshotNow(CompletableFuture<SnapshotMetadata> future) {
        if (taker == null) {
            future.completeExceptionally(new IllegalStateException(self + " keeps no snapshots (its store has none)"));
        } else if (exited.isDone() || stopRequested) {
            future.completeExceptionally(new ShutdownException(self + " is stopping"));
        } else if (!tasks.offer(new SnapshotNow(future))) {
            future.completeExceptionally(new OverloadedException("the apply queue is full; retry later"));
        } else {
            requestDrain();
        }
    }

    /** The snapshot under way has finished, taken or not: a takeSnapshot() waiting for it may start the next. */
    void snapshotFinished() {
        requestDrain();
    }

    /**
     * Asks the applier to finish the tasks queued so far, then stop. Never blocks, so it is safe from a client
     * callback running on the applier's worker itself.
     */
    void stop() {
        stopRequested = true;
        requestDrain();
    }

    /** Completes once the applier has stopped: after {@link #stop()}, or after the state machine threw. */
    CompletableFuture<Void> exited() {
        return exited;
    }

    /** Waits while the queue is full (back-pressure), unless the applier has exited. */
    private void enqueue(Task task) throws InterruptedException {
        while (!tasks.offer(task, 50, TimeUnit.MILLISECONDS)) {
            if (exited.isDone()) {
                return;
            }
        }
        requestDrain();
    }

    /** Queues a drain on the worker unless one is queued already. Any thread. */
    private void requestDrain() {
        if (!exited.isDone() && drainQueued.compareAndSet(false, true)) {
            worker.execute(this::drain);
        }
    }

    // ---------------------------------------------------------------- on the worker

    /** Runs every queued task; stops once asked to and nothing is left. */
    private void drain() {
        drainQueued.set(false);
        if (exited.isDone()) {
            return;
        }
        try {
            for (Task task; (task = tasks.poll()) != null; ) {
                switch (task) {
                    case Apply apply -> handle(apply);
                    case Restore restore -> restore(restore.snapshot());
                    case SnapshotNow now -> {
                        waitingForSnapshot.add(now.future());
                        maybeSnapshot();
                    }
                }
            }
            if (!waitingForSnapshot.isEmpty()) {
                maybeSnapshot(); // asked for one, or the one under way has finished
            }
            if (stopRequested && tasks.isEmpty()) {
                failWaitingReads();
                failWaitingSnapshots(new ShutdownException(self + " stopped before taking the snapshot"));
                exit();
            }
        } catch (RuntimeException | Error e) {
            // A state machine that throws cannot be applied past deterministically: stop rather than diverge.
            failWaitingReads();
            exit();
            onFatal.accept(new IllegalStateException("the state machine threw while applying", e));
        }
    }

    private void exit() {
        tasks.clear(); // the proposals of entries left unapplied are failed as unknown by the runtime
        exited.complete(null);
    }

    private void handle(Apply apply) {
        List<Runnable> completions = new ArrayList<>();
        long applied = appliedIndex.get();
        for (LogEntry entry : apply.entries()) {
            byte[] result = entry.type() == EntryType.COMMAND
                    ? stateMachine.apply(entry.index(), entry.payload())
                    : NO_RESULT;
            applied = entry.index();
            appliedListener.applied(entry, result);
            bytesSinceSnapshot += entry.sizeBytes();
            PendingRequests.Proposal proposal = pending.takeProposal(entry.index());
            if (proposal != null) {
                completions.add(() -> complete(proposal, entry, result));
            }
        }
        if (applied != appliedIndex.get()) {
            // Published, not signalled: the node thread reads it at its next turn (at least once a tick), and the
            // core needs it only to check snapshots and compaction, which read it afresh. Waking the node for
            // every applied batch cost one thread hand-off per batch on every node.
            appliedIndex.set(applied);
        }
        applyBatches++;
        maybeSnapshot();
        // Complete after reporting progress, so slow client callbacks never delay the node.
        completions.forEach(Runnable::run);
        for (ReadResult read : apply.reads()) {
            switch (read) {
                case ReadResult.Confirmed confirmed ->
                        readsWaiting.add(new ConfirmedRead(confirmed.requestId(), confirmed.readIndex()));
                case ReadResult.Rejected rejected -> failRead(rejected.requestId(),
                        outcomes.notLeader(rejected.leaderHint(), "no leader to confirm the read"));
            }
        }
        serveReads(applied);
    }

    // ---------------------------------------------------------------- snapshots

    /**
     * Starts a snapshot if one was asked for or the log since the last one passed a threshold, and none is under
     * way. Capturing runs here, between applies, so the view is exactly the state as of the applied index.
     */
    private void maybeSnapshot() {
        long applied = appliedIndex.get();
        boolean due = snapshotOptions.isDue(applied - snapshotBaseIndex, bytesSinceSnapshot, thresholdStretch)
                && snapshotOptions.logOutgrows(bytesSinceSnapshot, latestSnapshotBytes());
        if (taker == null || (!due && waitingForSnapshot.isEmpty()) || taker.busy()) {
            return;
        }
        List<CompletableFuture<SnapshotMetadata>> futures = List.copyOf(waitingForSnapshot);
        waitingForSnapshot.clear();
        if (!snapshotsSupported) {
            futures.forEach(f -> f.completeExceptionally(new UnsupportedOperationException(
                    "the state machine does not implement snapshots")));
            return;
        }
        SnapshotMetadata latest = taker.store().latest().orElse(null);
        if (latest == null && applied == 0) {
            futures.forEach(f -> f.completeExceptionally(new IllegalStateException(
                    self + " has applied nothing yet, so there is nothing to snapshot")));
            return;
        }
        if (latest != null && latest.lastIncludedIndex() >= applied) {
            // Nothing new since the latest snapshot: that one already covers everything applied.
            futures.forEach(f -> f.complete(latest));
            countLogSince(applied);
            return;
        }
        StateMachine.Snapshot view;
        try {
            view = stateMachine.snapshot(applied);
        } catch (UnsupportedOperationException e) {
            snapshotsSupported = false;
            LOG.atWarn().addKeyValue("node", self)
                    .log("the state machine does not implement snapshots, so the log is never compacted: {}",
                            e.getMessage());
            futures.forEach(f -> f.completeExceptionally(e));
            return;
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("node", self).setCause(e)
                    .log("the state machine could not capture a snapshot at {}; will retry later", applied);
            futures.forEach(f -> f.completeExceptionally(e));
            countLogSince(applied);
            return;
        }
        taker.submit(applied, view, futures);
        countLogSince(applied);
    }

    /** The size of the newest snapshot kept (taken, received or restored), 0 if there is none. */
    private long latestSnapshotBytes() {
        SnapshotMetadata latest = taker == null ? null : taker.store().latest().orElse(null);
        if (latest == null) {
            return 0;
        }
        if (latest.lastIncludedIndex() != sizedSnapshotIndex) {
            sizedSnapshotIndex = latest.lastIncludedIndex();
            sizedSnapshotBytes = taker.store().sizeBytes(latest);
        }
        return sizedSnapshotBytes;
    }

    /** The thresholds count the log from {@code index} on, towards a newly drawn point past them. */
    private void countLogSince(long index) {
        snapshotBaseIndex = index;
        bytesSinceSnapshot = 0;
        thresholdStretch = SnapshotOptions.drawStretch(stagger);
    }

    /**
     * Replaces the state machine's state with a snapshot's (§7: a follower installing the leader's snapshot).
     * The applied index jumps to the snapshot's; it never goes backwards, so an older snapshot is ignored.
     */
    private void restore(SnapshotMetadata snapshot) {
        long index = snapshot.lastIncludedIndex();
        if (taker == null) {
            throw new IllegalStateException("asked to restore snapshot " + index + " but this node keeps no snapshots");
        }
        if (index <= appliedIndex.get()) {
            LOG.atWarn().addKeyValue("node", self)
                    .log("not restoring snapshot {}, already applied up to {}", index, appliedIndex.get());
            return;
        }
        try (InputStream data = taker.store().openData(snapshot)) {
            stateMachine.restore(index, data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the state machine from snapshot " + index, e);
        }
        appliedIndex.set(index);
        restoredListener.restored(snapshot);
        countLogSince(index);
        wakeNode.run();
        serveReads(index);
    }

    private void failWaitingSnapshots(Throwable cause) {
        waitingForSnapshot.forEach(f -> f.completeExceptionally(cause));
        waitingForSnapshot.clear();
    }

    /** The proposal took effect iff the entry at its index carries its term (see ProposeResult.Accepted). */
    private void complete(PendingRequests.Proposal proposal, LogEntry entry, byte[] result) {
        if (entry.term() == proposal.term()) {
            proposal.future().complete(result == null ? NO_RESULT : result);
        } else {
            // Another leader's entry took the index: the proposal was overwritten and can never apply.
            proposal.future().completeExceptionally(
                    outcomes.notLeader(leaderHint.get(), "the proposal was overwritten by a new leader"));
        }
    }

    private void serveReads(long applied) {
        while (!readsWaiting.isEmpty() && readsWaiting.peek().readIndex() <= applied) {
            ConfirmedRead confirmed = readsWaiting.poll();
            PendingRequests.Read read = pending.takeRead(confirmed.requestId());
            if (read != null) { // null: it timed out meanwhile
                serve(read);
            }
        }
    }

    /**
     * A query changes nothing, so one that throws (a bad query, say) fails only its own read, with the state
     * machine's exception; unlike a failed apply it cannot make replicas diverge.
     */
    private void serve(PendingRequests.Read read) {
        byte[] answer;
        try {
            answer = stateMachine.query(read.query());
        } catch (RuntimeException e) {
            read.future().completeExceptionally(e);
            return;
        }
        read.future().complete(answer == null ? NO_RESULT : answer);
    }

    private void failRead(long requestId, CaucusException error) {
        PendingRequests.Read read = pending.takeRead(requestId);
        if (read != null) {
            read.future().completeExceptionally(error);
        }
    }

    private void failWaitingReads() {
        while (!readsWaiting.isEmpty()) {
            failRead(readsWaiting.poll().requestId(), new ShutdownException(self + " stopped before serving the read"));
        }
    }
}
