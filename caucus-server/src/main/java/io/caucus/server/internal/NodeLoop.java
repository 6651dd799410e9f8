package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Persist;
import io.caucus.core.ProposeResult;
import io.caucus.core.RaftNode;
import io.caucus.core.ReadResult;
import io.caucus.core.Ready;
import io.caucus.core.Role;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.server.CaucusException;
import io.caucus.server.DurationHistogram;
import io.caucus.server.NoLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.server.RequestPreparer;
import io.caucus.server.RuntimeMetrics;
import io.caucus.server.ShutdownException;
import io.caucus.transport.TransportMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node thread (thesis §10.2.1): the only thread that touches the {@link RaftNode} and the {@link LogStore}.
 * It runs on its {@link PeerNetwork}'s {@link NodeExecutor}: in production the event loop of the node's own
 * transport, so peer messages reach the core and leave it with no thread hand-off; a simulator may run it in
 * virtual time, since it reads time only from its {@link RuntimeClock}. The node takes turns as tasks on that
 * executor: a turn takes every input queued in the inbox, feeds them to the core (all proposals of the turn in one {@code propose} call, so they travel in one AppendEntries per
 * follower), ticks the core if the tick timer fired since the last turn, and then carries out the core's
 * {@link Ready}: messages to the transport first (written to the sockets before the turn goes on), then the
 * persist instruction written to the store and made durable with one fsync, committed entries and read results
 * to the {@link Applier}; requests that failed go to {@link Completions}. The applied index comes back through
 * the applier's counter, which every turn reads first.
 *
 * <p>Why the fsync runs here and not on a thread of its own: the leader's AppendEntries are already on their way
 * when it starts, so the leader's write still overlaps replication (§10.2.1), and inputs that arrive meanwhile
 * wait in the inbox (or in the sockets) and are handled together in the next turn, which is group commit
 * without a hand-off. A sync thread would cost two thread wake-ups per fsync on every node, and on a small host
 * wake-ups and system calls are most of the server CPU per write: on the benchmark host the fsync on this
 * thread takes about a fifth less CPU per write than a sync thread (docs/benchmarks.md, "What the design rests
 * on").
 *
 * <p>Why the transport's loop and not a thread of the node's own: with two threads every message crosses from
 * one to the other, four crossings per replication round, and on the benchmark host each waits 27-86 µs at the
 * median for the other thread to be scheduled. On the shared loop the CPU per write is 9-13% lower
 * (docs/benchmarks.md, "What the design rests on"). The price: while a turn runs (an fsync included) this
 * node's peer connections are not read, which delays nothing the turn itself would not.
 *
 * <p>All fields without a volatile or atomic type are confined to the loop. A turn blocks on the fsync and on
 * back-pressure when the apply queue is full, never on the inbox; it never completes a client future itself,
 * so no client callback runs here.
 */
final class NodeLoop {

    private static final Logger LOG = LoggerFactory.getLogger(NodeLoop.class);
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
    private final Inbox inbox;
    private final MembershipTracker membership;
    private final NodeExecutor executor;
    private final RuntimeClock clock;
    private final RequestPreparer preparer;
    /**
     * Per read waiting for its ReadIndex: the last index of this node's log when the read arrived. The read is
     * served once that index is applied too, not only the confirmed commit index (see {@link #served}).
     */
    private final Map<Long, Long> readFloors = new HashMap<>();
    private final long tickIntervalNanos;
    private final long lingerNanos;
    private final long lingerQuietGapNanos;
    /** Set once a turn is queued on the executor and cleared when it starts: requests for turns coalesce. */
    private final AtomicBoolean turnQueued = new AtomicBoolean();
    /** Completed when the node has stopped taking turns (asked to, or after a failure). */
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private volatile boolean started;
    /** True while a linger holds a batch: the linger's timer takes the next turn, so inputs need not ask. */
    private volatile boolean lingering;
    private volatile boolean stopRequested;

    /** Published at the end of each turn, for other threads: one volatile, so its parts agree. */
    private volatile Published published;
    // Counters for RuntimeMetrics, written by the node thread only.
    private volatile long turns;
    private volatile long logWrites;
    private volatile long logSyncs;
    private volatile long proposals;
    private volatile long snapshotsTaken;
    private volatile long snapshotsInstalled;
    private final DurationHistogram logSyncDurations = new DurationHistogram();
    /** Runs on the node thread when this node stops leading (cancels snapshot transfers); set before start. */
    private Runnable onLeadershipLost = () -> {
    };
    private Predicate<NodeId> servesFollowerReads = leader -> true;
    private NodeExecutor.Timer ticker;
    private boolean tickDue;
    private long nextSweepNanos;
    /** The batch a linger holds for more proposals to join, and when it must go at the latest. */
    private List<Input> lingeringBatch;
    private long lingerDeadlineNanos;
    private long reportedAppliedIndex;
    /** The highest persist sequence a background sync made durable (written by the store's sync worker). */
    private final AtomicLong durableSequence = new AtomicLong();
    private volatile RuntimeException backgroundSyncFailure;
    private long reportedDurableSequence;
    /** The term this node leads, or 0 if it is not the leader. */
    private long leadingTerm;
    private Role lastRole;
    private NodeId lastLeader;
    private long lastTerm;

    NodeLoop(RaftNode raft, LogStore store, Consumer<RaftMessage> sender, Applier applier,
             Completions completions,
             PendingRequests pending, Lifecycle lifecycle, Consumer<Throwable> onFatal, NodeSettings settings,
             Inbox inbox, MembershipTracker membership, NodeExecutor executor, RuntimeClock clock,
             Outcomes outcomes) {
        this.raft = raft;
        this.store = store;
        this.sender = sender;
        this.applier = applier;
        this.completions = completions;
        this.outcomes = outcomes;
        this.pending = pending;
        this.lifecycle = lifecycle;
        this.onFatal = onFatal;
        this.settings = settings;
        this.inbox = inbox;
        this.membership = membership;
        this.executor = executor;
        this.clock = clock;
        this.preparer = settings.requestPreparer();
        this.tickIntervalNanos = settings.tickInterval().toNanos();
        this.lingerNanos = settings.proposalLinger().toNanos();
        this.lingerQuietGapNanos = lingerNanos / LINGER_QUIET_GAP_DIVISOR;
        publish();
        this.lastRole = raft.role();
        this.lastTerm = raft.term();
    }

    /** Sets what to do when this node stops leading; call before the node thread starts. */
    void onLeadershipLost(Runnable action) {
        this.onLeadershipLost = Objects.requireNonNull(action, "action");
    }

    /** Tells which leaders serve followers' reads; see {@link PeerNetwork#servesFollowerReads}. */
    void servesFollowerReads(Predicate<NodeId> leaderServesThem) {
        this.servesFollowerReads = Objects.requireNonNull(leaderServesThem, "leaderServesThem");
    }

    /**
     * Asks the core for a read point. A leader's own read is served no earlier than its last entry now (see
     * {@link #served}); a follower's floor comes with its read index. A follower whose leader speaks a wire version
     * without followers' reads refuses the read at once, naming the leader, which then serves it (the caller
     * forwards it there). The query is prepared here, as the read takes its place after the commands taken before
     * it ({@link RequestPreparer}).
     */
    private void read(long requestId) {
        NodeId leader = raft.leader();
        boolean leading = raft.role() == Role.LEADER;
        if (!leading && leader != null && !servesFollowerReads.test(leader)) {
            PendingRequests.Read refused = pending.takeRead(requestId);
            if (refused != null) {
                completions.fail(List.of(refused.future()), () -> outcomes.notLeader(leader,
                        "the leader's version does not serve followers' reads"));
            }
            return;
        }
        if (!prepareQuery(requestId)) {
            return;
        }
        if (leading) {
            readFloors.put(requestId, raft.log().lastIndex());
        }
        raft.readIndex(requestId);
    }

    /**
     * Replaces a read's query with what the preparer makes of it; false if the read is gone (timed out, the node
     * closing) or the preparer refused it, which fails that read alone.
     */
    private boolean prepareQuery(long requestId) {
        PendingRequests.Read read = pending.read(requestId);
        if (read == null) {
            return false;
        }
        byte[] query;
        try {
            query = Objects.requireNonNull(preparer.query(read.query()), "the request preparer returned no query");
        } catch (RuntimeException e) {
            PendingRequests.Read refused = pending.takeRead(requestId);
            if (refused != null) {
                completions.run(() -> refused.future().completeExceptionally(e));
            }
            return false;
        }
        return pending.replaceQuery(requestId, read, query);
    }

    /** This node's counters, completed with the applier's and the transport's; any thread. */
    RuntimeMetrics metrics(long applyBatches, TransportMetrics transport) {
        return new RuntimeMetrics(turns, proposals, logWrites, logSyncs, applyBatches, transport, logSyncDurations,
                snapshotsTaken, snapshotsInstalled);
    }

    /**
     * What the node thread publishes after each turn: the core's status, and whether its group is quiesced (then
     * {@code status.leader()} is the leader it counts as alive, which the host watches: docs/multiraft.md).
     */
    record Published(NodeStatus status, boolean quiesced) {
    }

    private void publish() {
        published = new Published(raft.status(), raft.isQuiesced());
    }

    /** The status published at the end of the latest turn; safe from any thread. */
    NodeStatus status() {
        return published.status();
    }

    /** The status and quiescence published at the end of the latest turn; safe from any thread. */
    Published published() {
        return published;
    }

    /** Starts taking turns: the first one now, then whenever an input arrives or the tick timer fires. */
    void start() {
        nextSweepNanos = clock.nanoTime() + SWEEP_INTERVAL_NANOS;
        started = true;
        executor.execute(() -> {
            // A fixed delay, not a fixed rate: a loop held up (a long fsync) ticks once, not in a catch-up burst.
            ticker = executor.scheduleWithFixedDelay(this::tickDue, tickIntervalNanos, tickIntervalNanos);
            step();
        });
    }

    /** False until {@link #start}: a node whose network failed to start never took a turn. */
    boolean hasStarted() {
        return started;
    }

    /** Completes when the node has stopped taking turns: after a Stop input, or after a failure. */
    CompletableFuture<Void> finished() {
        return finished;
    }

    /** Stops after the next turn even if no Stop input gets through (the inbox is full); safe from any thread. */
    void stopAfterNextTurn() {
        stopRequested = true;
        wake();
    }

    /** True on the node's own thread. */
    boolean inNodeThread() {
        return executor.inExecutor();
    }

    /**
     * Makes the node take a turn soon (an input arrived, the applier progressed, a failure): queues one unless
     * one is queued already or a linger will take it. Safe from any thread.
     */
    void wake() {
        if (!started || lingering || !turnQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(this::step);
        } catch (RejectedExecutionException e) {
            turnQueued.set(false); // the network shut the executor down: the node is stopping or failed
        }
    }

    private void tickDue() {
        tickDue = true;
        wake();
    }

    /**
     * A quiesced node's ticks change nothing (Quiescence), and with no request waiting there is nothing for a turn to
     * time out: its tick timer stops until a turn finds it awake again (an input wakes it: a message, a request, the
     * host's wake), so an idle group costs no timer task at all.
     */
    private void stopOrRestartTicker() {
        if (raft.isQuiesced() && pending.outstanding() == 0) {
            if (ticker != null) {
                ticker.cancel();
                ticker = null;
            }
        } else if (ticker == null) {
            ticker = executor.scheduleWithFixedDelay(this::tickDue, tickIntervalNanos, tickIntervalNanos);
        }
    }

    /** A requested turn: takes the inbox, or starts a linger if the batch begins with a proposal. */
    private void step() {
        turnQueued.set(false);
        if (lingeringBatch != null || finished.isDone()) {
            return; // the linger's timer takes the turn
        }
        List<Input> batch = new ArrayList<>();
        inbox.drainTo(batch, settings.maxInputsPerTurn());
        if (!batch.isEmpty() && batch.getFirst() instanceof Input.Proposal && pending.outstanding() > 1
                && batch.size() < settings.maxInputsPerTurn()) {
            lingeringBatch = batch;
            lingering = true;
            lingerDeadlineNanos = clock.nanoTime() + lingerNanos;
            executor.schedule(this::lingerCheck, lingerQuietGapNanos);
            return;
        }
        runTurn(batch);
    }

    /**
     * While other requests are in flight, gives a command up to {@code proposalLinger} for more to join it, so
     * the turn proposes, writes, fsyncs and replicates them as one batch. The wait ends early once no input has
     * arrived for a tenth of the linger: the clients that were going to send soon have sent, and holding the
     * batch longer would only delay it (and the acknowledgements queued behind it). With 50 clients on the 2-core
     * benchmark host the linger halves the turns, fsyncs and AppendEntries per command and takes about 15% off
     * the server CPU per write, and ending it at the first quiet gap gives about 20% more writes per second than
     * holding it for the whole linger (docs/benchmarks.md, "What the design rests on"). A lone request never
     * waits (it is the only one outstanding).
     *
     * <p>A timer looks at the inbox after each gap, and inputs queued meanwhile ask for no turn: each request
     * from another thread would wake the loop (a system call for the thread that submits, a wake-up for this
     * one), while a timer lets them pile up and takes them at once.
     */
    private void lingerCheck() {
        List<Input> batch = lingeringBatch;
        if (batch == null || finished.isDone()) {
            return;
        }
        int arrived = inbox.drainTo(batch, settings.maxInputsPerTurn() - batch.size());
        long left = lingerDeadlineNanos - clock.nanoTime();
        if (arrived > 0 && left > 0 && batch.size() < settings.maxInputsPerTurn()) {
            executor.schedule(this::lingerCheck, Math.min(left, lingerQuietGapNanos));
            return;
        }
        lingeringBatch = null;
        lingering = false;
        // An input queued while the flag was still up asked for no turn: this drain, after the flag went down,
        // takes it, or the check for more inputs after the turn does.
        inbox.drainTo(batch, settings.maxInputsPerTurn() - batch.size());
        runTurn(batch);
    }

    private void runTurn(List<Input> batch) {
        try {
            boolean stop = lifecycle.state() == Lifecycle.State.FAILED || turn(batch) || stopRequested;
            publish();
            if (stop || lifecycle.state() == Lifecycle.State.FAILED) {
                finish();
                return;
            }
            stopOrRestartTicker();
            if (raft.hasReady() || !inbox.isEmpty()) {
                wake();
            }
        } catch (InterruptedException e) {
            LOG.atWarn().addKeyValue("node", raft.id()).log("the node thread was interrupted; stopping");
            finish();
        } catch (RuntimeException | Error e) {
            // A storage write failed (disk full, I/O error) or an invariant broke: nothing more may be written.
            onFatal.accept(e);
            finish();
        }
    }

    /** Takes no more turns; fails what is still queued. */
    private void finish() {
        if (ticker != null) {
            ticker.cancel();
        }
        publish();
        failQueuedInputs();
        finished.complete(null);
    }

    /** One turn of the loop; returns true if asked to stop. */
    private boolean turn(List<Input> batch) throws InterruptedException {
        turns++;
        reportProgress();
        List<Input.Proposal> proposals = new ArrayList<>();
        List<Long> reads = new ArrayList<>();
        List<RaftMessage> readRequests = new ArrayList<>();
        boolean stop = false;
        for (Input input : batch) {
            switch (input) {
                case Input.Inbound inbound when inbound.message() instanceof ReadIndexRequest ->
                        readRequests.add(inbound.message());
                case Input.Inbound inbound -> raft.step(inbound.message());
                case Input.Proposal proposal -> proposals.add(proposal);
                case Input.Read read -> reads.add(read.requestId());
                case Input.Call call -> call.action().run();
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
        // Reads (thesis §6.4) are taken after the turn's proposals are in the log: a read's floor is the log's last
        // index when it is taken (see read; the leader's core does the same for a follower's ReadIndexRequest), so a
        // proposal that arrived before the read, in this batch or in the linger that built it, is ordered before
        // the read. Served without it, the read would be linearized before a write stamped with an earlier time,
        // and the key-value service's expiry would run backwards between them (docs/kv.md). Covering proposals
        // that arrived after the read as well is still linearizable: they are applied before the read is served,
        // so they overlap it.
        reads.forEach(this::read);
        readRequests.forEach(raft::step);
        if (tickDue) {
            tickDue = false;
            raft.tick();
        }
        long now = clock.nanoTime();
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
        membership.afterTurn(clock.nanoTime());
        return stop;
    }

    private void reportProgress() {
        long applied = applier.appliedIndex();
        if (applied > reportedAppliedIndex) {
            raft.applied(applied);
            reportedAppliedIndex = applied;
        }
        RuntimeException failure = backgroundSyncFailure;
        if (failure != null) {
            throw failure; // the turn fails the node, as a sync on this thread that threw would
        }
        long durable = durableSequence.get();
        if (durable > reportedDurableSequence) {
            raft.persisted(durable);
            reportedDurableSequence = durable;
        }
    }

    // ---------------------------------------------------------------- proposals

    /** Proposes the turn's commands, as few core calls as the batch size limit allows. */
    private void propose(List<Input.Proposal> proposals) throws InterruptedException {
        List<Input.Proposal> chunk = new ArrayList<>();
        long chunkBytes = 0;
        for (Input.Proposal taken : proposals) {
            if (taken.future().isDone()) {
                continue; // cancelled by the client before it was proposed: nothing to do
            }
            Input.Proposal proposal = prepared(taken);
            if (proposal == null) {
                continue;
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

    /**
     * The proposal with the command the preparer makes of it, in the order the turn proposes ({@link
     * RequestPreparer}); null if the preparer refused it, which fails it alone, with its outcome known.
     */
    private Input.Proposal prepared(Input.Proposal proposal) {
        byte[] command;
        try {
            command = Objects.requireNonNull(preparer.command(proposal.command()),
                    "the request preparer returned no command");
            if (command.length > settings.maxCommandBytes()) {
                throw new IllegalArgumentException("the request preparer made a command of " + command.length
                        + " bytes, more than maxCommandBytes (" + settings.maxCommandBytes() + ")");
            }
        } catch (RuntimeException e) {
            completions.run(() -> proposal.future().completeExceptionally(e));
            return null;
        }
        return command == proposal.command() ? proposal
                : new Input.Proposal(command, proposal.future(), proposal.deadlineNanos());
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
        membership.beforeSend(ready.messages(), clock.nanoTime()); // peers are linked before messages go
        for (RaftMessage message : ready.messages()) {
            sender.accept(message);
        }
        if (ready.persist() != null) {
            persist(ready.persist());
        }
        if (ready.restore() != null) {
            // Queued before this Ready's committed entries, which follow the snapshot (§7).
            applier.restoreBeforeLaterEntries(ready.restore());
            snapshotsInstalled++; // node thread only writes it
        }
        if (!ready.committedEntries().isEmpty()) {
            membership.committed(ready.committedEntries());
        }
        if (!ready.committedEntries().isEmpty() || !ready.reads().isEmpty()) {
            applier.apply(ready.committedEntries(), served(ready.reads()));
        }
    }

    /**
     * The reads with their floors: a confirmed read is served at the later of its ReadIndex (thesis §6.4) and the
     * last entry this leader held when the read arrived. Serving a later state than the ReadIndex is still
     * linearizable, and it orders the read after every write the leader accepted before it: a state machine whose
     * answers depend on time the leader stamps on entries (the key-value service's expiry) then never answers a
     * read at a time later than that of an entry linearized after the read. The cost: a read waits for the writes
     * in flight when it arrived.
     */
    private List<ReadResult> served(List<ReadResult> reads) {
        List<ReadResult> served = new ArrayList<>(reads.size());
        for (ReadResult read : reads) {
            Long floor = readFloors.remove(read.requestId());
            served.add(read instanceof ReadResult.Confirmed confirmed && floor != null && floor > confirmed.readIndex()
                    ? new ReadResult.Confirmed(confirmed.requestId(), floor) : read);
        }
        return served;
    }

    /**
     * Writes the instruction and makes it durable: one fsync for everything this turn produced. Without fsync
     * (testing and benchmarks only) the write is reported durable once the operating system has it.
     */
    private void persist(Persist persist) {
        long ticket = store.write(persist);
        logWrites++;
        if (settings.fsync() && store.syncsInBackground()) {
            // The store's sync worker makes it durable with other groups' writes; a later turn reports it (§10.2.1:
            // the messages that must wait for it wait in the core, the others are on their way already).
            long sequence = persist.sequence();
            logSyncs++;
            store.syncInBackground(ticket, () -> {
                durableSequence.accumulateAndGet(sequence, Math::max);
                wake();
            }, failure -> {
                backgroundSyncFailure = failure;
                wake();
            });
            return;
        }
        if (settings.fsync()) {
            long started = System.nanoTime(); // the fsync's real duration, whatever clock the node runs on
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
        snapshotsTaken++; // one Compact per snapshot this node took; node thread only writes it
        try {
            raft.compact(snapshot);
        } catch (IllegalArgumentException e) {
            LOG.atWarn().addKeyValue("node", raft.id())
                    .log("not compacting the log to snapshot {}: {}", snapshot.lastIncludedIndex(), e.getMessage());
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
            LOG.atInfo().addKeyValue("node", raft.id())
                    .log("no longer leader of term {} (now {} in term {}, leader {})", leadingTerm, role, term, leader);
            leadingTerm = 0;
            onLeadershipLost.run();
            completions.fail(futuresOf(pending.takeAllProposals()), () -> new OutcomeUnknownException(
                    "leadership was lost before the command was known to commit; it may still apply"));
        }
        if (role == Role.LEADER && leadingTerm == 0) {
            leadingTerm = term;
            LOG.atInfo().addKeyValue("node", raft.id()).log("won the election, leader of term {}", term);
        } else if (role != lastRole && lastRole == Role.CANDIDATE) {
            LOG.atInfo().addKeyValue("node", raft.id())
                    .log("lost the election of term {}; now {}, leader {}", lastTerm, role, leader);
        }
        if (!Objects.equals(leader, lastLeader) && leader != null && !leader.equals(raft.id())) {
            LOG.atInfo().addKeyValue("node", raft.id()).log("leader of term {} is {}", term, leader);
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
