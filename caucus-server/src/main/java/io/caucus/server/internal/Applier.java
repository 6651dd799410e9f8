package io.caucus.server.internal;

import io.caucus.core.EntryType;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.ReadResult;
import io.caucus.server.CaucusException;
import io.caucus.server.ShutdownException;
import io.caucus.server.StateMachine;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The apply thread: the only thread that touches the user's {@link StateMachine}. It applies committed entries
 * in log order, completes the futures of the proposals they carry, serves confirmed reads once their read
 * index is applied (thesis §6.4 step 4). Successful requests complete here, after the applied index has been
 * published, so a slow client callback delays only later applies, never the node thread.
 */
final class Applier implements Runnable {

    private static final byte[] NO_RESULT = new byte[0];
    private static final int QUEUE_CAPACITY = 1024;
    /** How often an idle apply thread looks whether it was asked to stop. */
    private static final long STOP_CHECK_MILLIS = 50;

    private record Apply(List<LogEntry> entries, List<ReadResult> reads) {
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
    /** Bounded: when the state machine falls behind, the node thread waits here (back-pressure). */
    private final BlockingQueue<Apply> tasks = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
    private final PriorityQueue<ConfirmedRead> readsWaiting =
            new PriorityQueue<>(Comparator.comparingLong(ConfirmedRead::readIndex));
    /** Highest index applied; written only by the apply thread, read by the node thread. */
    private final AtomicLong appliedIndex = new AtomicLong();
    private volatile boolean exited;
    private volatile boolean stopRequested;

    Applier(NodeId self, StateMachine stateMachine, PendingRequests pending, Supplier<NodeId> leaderHint,
            Outcomes outcomes, Runnable wakeNode, Consumer<Throwable> onFatal) {
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

    // ---------------------------------------------------------------- called by the node thread

    void apply(List<LogEntry> entries, List<ReadResult> reads) throws InterruptedException {
        enqueue(new Apply(entries, reads));
    }

    /**
     * Asks the thread to finish the tasks queued so far, then stop. Never blocks, so it is safe from a client
     * callback running on the apply thread itself.
     */
    void stop() {
        stopRequested = true;
    }

    /** Waits while the queue is full (back-pressure), unless the apply thread has exited. */
    private void enqueue(Apply task) throws InterruptedException {
        while (!tasks.offer(task, 50, TimeUnit.MILLISECONDS)) {
            if (exited) {
                break;
            }
        }
    }

    // ---------------------------------------------------------------- the apply thread

    @Override
    public void run() {
        try {
            runTasks();
        } finally {
            exited = true;
            tasks.clear(); // the proposals of entries left unapplied are failed as unknown by the runtime
        }
    }

    private void runTasks() {
        try {
            while (true) {
                Apply task = tasks.poll(STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                if (task != null) {
                    handle(task);
                } else if (stopRequested) {
                    failWaitingReads();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failWaitingReads();
        } catch (RuntimeException | Error e) {
            // A state machine that throws cannot be applied past deterministically: stop rather than diverge.
            failWaitingReads();
            onFatal.accept(new IllegalStateException("the state machine threw while applying", e));
        }
    }

    private void handle(Apply apply) {
        List<Runnable> completions = new ArrayList<>();
        long applied = appliedIndex.get();
        for (LogEntry entry : apply.entries()) {
            byte[] result = entry.type() == EntryType.COMMAND
                    ? stateMachine.apply(entry.index(), entry.payload())
                    : NO_RESULT;
            applied = entry.index();
            PendingRequests.Proposal proposal = pending.takeProposal(entry.index());
            if (proposal != null) {
                completions.add(() -> complete(proposal, entry, result));
            }
        }
        if (applied != appliedIndex.get()) {
            appliedIndex.set(applied);
            wakeNode.run();
        }
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
