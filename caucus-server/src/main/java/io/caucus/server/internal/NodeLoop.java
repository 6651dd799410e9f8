package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Persist;
import io.caucus.core.ProposeResult;
import io.caucus.core.RaftNode;
import io.caucus.core.Ready;
import io.caucus.core.Role;
import io.caucus.core.message.RaftMessage;
import io.caucus.server.CaucusException;
import io.caucus.server.DurationHistogram;
import io.caucus.server.NoLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.server.RuntimeMetrics;
import io.caucus.server.ShutdownException;
import io.caucus.transport.TransportMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The node thread (thesis §10.2.1): the only thread that touches the {@link RaftNode} and the {@link LogStore}.
 * Each turn it takes every input queued in the inbox, feeds them to the core (all proposals of the turn in one
 * {@code propose} call, so they travel in one AppendEntries per follower), ticks the core when the tick interval
 * has passed, and then carries out the core's {@link Ready}: messages to the transport first, then the persist
 * instruction written to the store and made durable with one fsync, committed entries and read results to the
 * {@link Applier}; requests that failed go to {@link Completions}. The applied index comes back through the
 * applier's counter, which the node thread reads at the start of every turn.
 *
 * <p>Why the fsync runs here and not on a thread of its own: the leader's AppendEntries are already on their way
 * when it starts, so the leader's write still overlaps replication (§10.2.1), and inputs that arrive meanwhile
 * wait in the inbox and are handled together in the next turn, which is group commit without a hand-off. A
 * separate sync thread cost two thread wake-ups per fsync on every node; on the 2-core benchmark host, where
 * wake-ups and system calls are most of the CPU per write, dropping it took server CPU per write from about
 * 90 to 70 us (docs/benchmarks.md).
 *
 * <p>The node thread blocks on its inbox, the fsync, and back-pressure when the apply queue is full; it never
 * completes a client future itself, so no client callback runs here.
 */
final class NodeLoop implements Runnable {

    private static final System.Logger LOG = System.getLogger(NodeLoop.class.getName());
    /** Ready rounds per turn before the inbox is looked at again, so a busy core does not starve inputs. */
    private static final int MAX_READY_ROUNDS_PER_TURN = 16;
    /** How often pending requests are checked against their deadlines (timeouts fire this late at most). */
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The linger ends once the inbox has been quiet for this fraction of it (50 µs of the default 500 µs). */
    private static final long LINGER_QUIET_GAP_DIVISOR = 10;

    private final RaftNode raft;
    private final LogStore store;
    private final Consumer<RaftMessage> sender;
    private final Applier applier;
    private final Completions completions;
    private final Outcomes outcomes;
    private final PendingRequests pending;
    private final Lifecycle lifecycle;
    private final Consumer<Throwable> onFatal;
    private final NodeSettings settings;
    private final BlockingQueue<Input> inbox;
    private final MembershipTracker membership;
    private final AtomicBoolean wakeupQueued = new AtomicBoolean();
    private final long tickIntervalNanos;
    private final long lingerNanos;

    private volatile NodeStatus status;
    // Counters for RuntimeMetrics, written by the node thread only.
    private volatile long turns;
    private volatile long logWrites;
    private volatile long logSyncs;
    private volatile long proposals;
    private final DurationHistogram logSyncDurations = new DurationHistogram();
    /** Runs on the node thread when this node stops leading (cancels snapshot transfers); set before start. */
    private Runnable onLeadershipLost = () -> {
    };
    private long nextTickNanos;
    private long nextSweepNanos;
    private long reportedAppliedIndex;
    /** The term this node leads, or 0 if it is not the leader. */
    private long leadingTerm;
    private Role lastRole;
    private NodeId lastLeader;
    private long lastTerm;

    NodeLoop(RaftNode raft, LogStore store, Consumer<RaftMessage> sender, Applier applier,
             Completions completions,
             PendingRequests pending, Lifecycle lifecycle, Consumer<Throwable> onFatal, NodeSettings settings,
             BlockingQueue<Input> inbox, MembershipTracker membership) {
        this.raft = raft;
        this.store = store;
        this.sender = sender;
        this.applier = applier;
        this.completions = completions;
        this.outcomes = new Outcomes(settings.clientAddresses());
        this.pending = pending;
        this.lifecycle = lifecycle;
        this.onFatal = onFatal;
        this.settings = settings;
        this.inbox = inbox;
        this.membership = membership;
        this.tickIntervalNanos = settings.tickInterval().toNanos();
        this.lingerNanos = settings.proposalLinger().toNanos();
        this.status = raft.status();
        this.lastRole = raft.role();
        this.lastTerm = raft.term();
    }

    /** Sets what to do when this node stops leading; call before the node thread starts. */
    void onLeadershipLost(Runnable action) {
        this.onLeadershipLost = Objects.requireNonNull(action, "action");
    }

    /** This node's counters, completed with the applier's and the transport's; any thread. */
    RuntimeMetrics metrics(long applyBatches, TransportMetrics transport) {
        return new RuntimeMetrics(turns, proposals, logWrites, logSyncs, applyBatches, transport, logSyncDurations);
    }

    /** The status published at the end of the latest turn; safe from any thread. */
    NodeStatus status() {
        return status;
    }

    /** Makes the node thread look at the applier's progress soon; safe from any thread. */
    void wake() {
        if (wakeupQueued.compareAndSet(false, true) && !inbox.offer(Input.Wakeup.INSTANCE)) {
            wakeupQueued.set(false); // the inbox is full, so the node thread is about to take a turn anyway
        }
    }

    @Override
    public void run() {
        nextTickNanos = System.nanoTime() + tickIntervalNanos;
        nextSweepNanos = nextTickNanos;
        try {
            boolean stop = false;
            while (!stop && lifecycle.state() != Lifecycle.State.FAILED) {
                stop = turn(takeBatch());
                status = raft.status();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // A storage write failed (disk full, I/O error) or an invariant broke: nothing more may be written.
            onFatal.accept(e);
        } finally {
            status = raft.status();
            failQueuedInputs();
        }
    }

    private List<Input> takeBatch() throws InterruptedException {
        long waitNanos = raft.hasReady() ? 0 : Math.max(0, nextTickNanos - System.nanoTime());
        Input first = inbox.poll(waitNanos, TimeUnit.NANOSECONDS);
        List<Input> batch = new ArrayList<>();
        if (first != null) {
            batch.add(first);
            if (first instanceof Input.Proposal && pending.outstanding() > 1) {
                lingerForMoreProposals(batch);
            }
            inbox.drainTo(batch, settings.maxInputsPerTurn() - batch.size());
        }
        return batch;
    }

    /**
     * While other requests are in flight, gives a command up to {@code proposalLinger} for more to join it, so
     * the turn proposes, writes, fsyncs and replicates them as one batch. The wait ends early once no input has
     * arrived for a tenth of the linger: the clients that were going to send soon have sent, and holding the
     * batch longer would only delay it (and the acknowledgements queued behind it). With 50 clients on the 2-core
     * benchmark host the linger halved the turns, fsyncs and AppendEntries per command and cut server CPU per
     * write by about 15%; ending it at the first quiet gap then raised throughput by about 20%
     * (docs/benchmarks.md). A lone request never waits (it is the only one outstanding).
     *
     * <p>The thread sleeps through each gap and then drains the inbox, rather than waiting on the inbox: a
     * waiting taker is woken by every command offered (a futex wake for the thread that submits it, a
     * context switch for this one), while a sleeper lets them pile up and takes them at once.
     */
    private void lingerForMoreProposals(List<Input> batch) {
        long deadline = System.nanoTime() + lingerNanos;
        long quietGapNanos = lingerNanos / LINGER_QUIET_GAP_DIVISOR;
        while (batch.size() < settings.maxInputsPerTurn()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(left, quietGapNanos)); // an interrupt ends it; the next take sees it
            if (inbox.drainTo(batch, settings.maxInputsPerTurn() - batch.size()) == 0) {
                return;
            }
        }
    }

    /** One turn of the loop; returns true if asked to stop. */
    private boolean turn(List<Input> batch) throws InterruptedException {
        wakeupQueued.set(false);
        turns++;
        reportProgress();
        List<Input.Proposal> proposals = new ArrayList<>();
        boolean stop = false;
        for (Input input : batch) {
            switch (input) {
                case Input.Inbound inbound -> raft.step(inbound.message());
                case Input.Proposal proposal -> proposals.add(proposal);
                case Input.Read read -> raft.readIndex(read.requestId());
                case Input.Call call -> call.action().run();
                case Input.Wakeup wakeup -> {
                    // progress was read above
                }
                case Input.SnapshotMetadataAt request -> snapshotMetadataAt(request);
                case Input.Compact compact -> compact(compact.snapshot());
                case Input.SnapshotFailed failed -> raft.reportSnapshotFailed(failed.follower());
                case Input.Stop request -> stop = true;
            }
        }
        if (stop) {
            // Closing: these were never proposed, so their outcome is known.
            completions.fail(futures(proposals), () -> stopped(null));
        } else {
            propose(proposals);
        }
        long now = System.nanoTime();
        if (now - nextTickNanos >= 0) {
            raft.tick();
            // A late turn ticks once and resumes the schedule from now, rather than catching up in a burst.
            nextTickNanos += tickIntervalNanos;
            if (nextTickNanos - now <= 0) {
                nextTickNanos = now + tickIntervalNanos;
            }
        }
        if (now - nextSweepNanos >= 0) {
            expireRequests(now);
            nextSweepNanos = now + SWEEP_INTERVAL_NANOS;
        }
        noticeRoleChange();
        for (int round = 0; round < MAX_READY_ROUNDS_PER_TURN && raft.hasReady(); round++) {
            handle(raft.ready());
            reportProgress();
        }
        noticeRoleChange();
        membership.afterTurn(System.nanoTime());
        return stop;
    }

    private void reportProgress() {
        long applied = applier.appliedIndex();
        if (applied > reportedAppliedIndex) {
            raft.applied(applied);
            reportedAppliedIndex = applied;
        }
    }

    // ---------------------------------------------------------------- proposals

    /** Proposes the turn's commands, as few core calls as the batch size limit allows. */
    private void propose(List<Input.Proposal> proposals) throws InterruptedException {
        List<Input.Proposal> chunk = new ArrayList<>();
        long chunkBytes = 0;
        for (Input.Proposal proposal : proposals) {
            if (proposal.future().isDone()) {
                continue; // cancelled by the client before it was proposed: nothing to do
            }
            if (!chunk.isEmpty() && chunkBytes + proposal.command().length > settings.raftOptions().maxBatchBytes()) {
                proposeChunk(chunk);
                chunk = new ArrayList<>();
                chunkBytes = 0;
            }
            chunk.add(proposal);
            chunkBytes += proposal.command().length;
        }
        if (!chunk.isEmpty()) {
            proposeChunk(chunk);
        }
    }

    private void proposeChunk(List<Input.Proposal> chunk) throws InterruptedException {
        List<byte[]> commands = new ArrayList<>(chunk.size());
        for (Input.Proposal proposal : chunk) {
            commands.add(proposal.command());
        }
        switch (raft.propose(commands)) {
            case ProposeResult.Accepted accepted -> {
                proposals += chunk.size();
                for (int i = 0; i < chunk.size(); i++) {
                    Input.Proposal proposal = chunk.get(i);
                    pending.addProposal(accepted.firstIndex() + i,
                            new PendingRequests.Proposal(accepted.term(), proposal.future(), proposal.deadlineNanos()));
                }
            }
            case ProposeResult.Rejected rejected -> completions.fail(futures(chunk), rejection(rejected));
        }
    }

    private Supplier<CaucusException> rejection(ProposeResult.Rejected rejected) {
        return switch (rejected.reason()) {
            case NOT_LEADER -> () -> outcomes.notLeader(rejected.leaderHint(),
                    "no leader is known (an election is under way or a majority is unreachable)");
            case TRANSFERRING_LEADERSHIP -> () -> new NoLeaderException("leadership is being transferred; retry");
            case TOO_MANY_UNCOMMITTED -> () -> new OverloadedException(
                    "too many proposals are waiting to commit; retry after some commit");
            case CHANGE_IN_PROGRESS, UNKNOWN_MEMBER, ALREADY_MEMBER, LEARNER_BEHIND, LAST_VOTER -> () -> {
                // Only membership changes and transfers are refused for these reasons, never a command.
                throw new IllegalStateException("a command proposal was refused with " + rejected.reason());
            };
        };
    }

    private static List<CompletableFuture<byte[]>> futures(List<Input.Proposal> proposals) {
        List<CompletableFuture<byte[]>> futures = new ArrayList<>(proposals.size());
        for (Input.Proposal proposal : proposals) {
            futures.add(proposal.future());
        }
        return futures;
    }

    private void expireRequests(long nowNanos) throws InterruptedException {
        List<CompletableFuture<byte[]>> expired = pending.takeExpired(nowNanos);
        completions.fail(expired, () -> new OutcomeUnknownException("no outcome within the request timeout of "
                + settings.requestTimeout() + "; the command may still apply"));
    }

    // ---------------------------------------------------------------- ready

    private void handle(Ready ready) throws InterruptedException {
        membership.beforeSend(System.nanoTime()); // peers follow the configuration in force before messages go
        for (RaftMessage message : ready.messages()) {
            sender.accept(message);
        }
        if (ready.persist() != null) {
            persist(ready.persist());
        }
        if (ready.restore() != null) {
            // Queued before this Ready's committed entries, which follow the snapshot (§7).
            applier.restoreBeforeLaterEntries(ready.restore());
        }
        if (!ready.committedEntries().isEmpty()) {
            membership.committed(ready.committedEntries());
        }
        if (!ready.committedEntries().isEmpty() || !ready.reads().isEmpty()) {
            applier.apply(ready.committedEntries(), ready.reads());
        }
    }

    /**
     * Writes the instruction and makes it durable: one fsync for everything this turn produced. Without fsync
     * (testing and benchmarks only) the write is reported durable once the operating system has it.
     */
    private void persist(Persist persist) {
        store.write(persist);
        logWrites++;
        if (settings.fsync()) {
            long started = System.nanoTime();
            store.sync();
            logSyncDurations.observeNanos(System.nanoTime() - started);
            logSyncs++;
        }
        raft.persisted(persist.sequence());
    }

    // ---------------------------------------------------------------- snapshots

    private void snapshotMetadataAt(Input.SnapshotMetadataAt request) {
        reportProgress(); // the applier published the index before capturing at it
        try {
            request.future().complete(raft.snapshotMetadataAt(request.index()));
        } catch (IllegalArgumentException e) {
            // A newer snapshot (installed from the leader) already covers that index.
            request.future().completeExceptionally(e);
        }
    }

    /** Drops the log prefix a committed snapshot covers; the next Persist tells the store to do the same. */
    private void compact(io.caucus.core.SnapshotMetadata snapshot) {
        try {
            raft.compact(snapshot);
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: not compacting the log to snapshot {1}: {2}", raft.id(),
                    snapshot.lastIncludedIndex(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- leadership

    /**
     * Logs elections won and lost and leader changes, and fails the proposals of a leader that lost its
     * leadership: they may still commit under the next leader, so their outcome is unknown (not failed).
     */
    private void noticeRoleChange() throws InterruptedException {
        Role role = raft.role();
        long term = raft.term();
        NodeId leader = raft.leader();
        if (leadingTerm != 0 && (role != Role.LEADER || term != leadingTerm)) {
            LOG.log(System.Logger.Level.INFO, "{0}: no longer leader of term {1} (now {2} in term {3}, leader {4})",
                    raft.id(), leadingTerm, role, term, leader);
            leadingTerm = 0;
            onLeadershipLost.run();
            completions.fail(futuresOf(pending.takeAllProposals()), () -> new OutcomeUnknownException(
                    "leadership was lost before the command was known to commit; it may still apply"));
        }
        if (role == Role.LEADER && leadingTerm == 0) {
            leadingTerm = term;
            LOG.log(System.Logger.Level.INFO, "{0}: won the election, leader of term {1}", raft.id(), term);
        } else if (role != lastRole && lastRole == Role.CANDIDATE) {
            LOG.log(System.Logger.Level.INFO, "{0}: lost the election of term {1}; now {2}, leader {3}",
                    raft.id(), lastTerm, role, leader);
        }
        if (!Objects.equals(leader, lastLeader) && leader != null && !leader.equals(raft.id())) {
            LOG.log(System.Logger.Level.INFO, "{0}: leader of term {1} is {2}", raft.id(), term, leader);
        }
        lastRole = role;
        lastLeader = leader;
        lastTerm = term;
    }

    private static List<CompletableFuture<byte[]>> futuresOf(List<PendingRequests.Proposal> proposals) {
        List<CompletableFuture<byte[]>> futures = new ArrayList<>(proposals.size());
        for (PendingRequests.Proposal proposal : proposals) {
            futures.add(proposal.future());
        }
        return futures;
    }

    // ---------------------------------------------------------------- stopping

    /**
     * Fails what is still in the inbox: those commands were never proposed, so their outcome is known. Runs
     * after the lifecycle left RUNNING, so a client that queues later finds out itself (see NodeRuntime).
     */
    private void failQueuedInputs() {
        Throwable cause = lifecycle.failure();
        for (Input input; (input = inbox.poll()) != null; ) {
            switch (input) {
                case Input.Proposal proposal -> proposal.future().completeExceptionally(stopped(cause));
                case Input.Read read -> {
                    PendingRequests.Read taken = pending.takeRead(read.requestId());
                    if (taken != null) {
                        taken.future().completeExceptionally(stopped(cause));
                    }
                }
                case Input.Call call -> call.refuse().accept(stopped(cause));
                case Input.Inbound inbound -> {
                    // peers retry; nothing to answer
                }
                case Input.Wakeup wakeup -> {
                }
                case Input.SnapshotMetadataAt request -> request.future().completeExceptionally(stopped(cause));
                case Input.Compact compact -> {
                    // the snapshot is committed; the next start compacts to it
                }
                case Input.SnapshotFailed failed -> {
                }
                case Input.Stop request -> {
                }
            }
        }
    }

    static ShutdownException stopped(Throwable cause) {
        return cause == null
                ? new ShutdownException("the node is shutting down; the request was not accepted")
                : new ShutdownException("the node stopped after a failure; the request was not accepted", cause);
    }
}
