package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationChange;
import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.RaftNode;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.RaftMessage;
import io.caucus.server.CaucusException;
import io.caucus.server.CaucusNode;
import io.caucus.server.Membership;
import io.caucus.server.NodeAddresses;
import io.caucus.server.RuntimeMetrics;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.server.StateMachine;
import io.caucus.storage.SnapshotStore;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.PeerTransport;
import io.caucus.transport.SnapshotFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: wires the core, the store, the network and the threads together (see docs/runtime.md), in
 * the {@link NodeEnvironment} it is given (production: the system clock and the Netty transport); takes client
 * requests and shuts everything down in order.
 */
public final class NodeRuntime implements CaucusNode {

    private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);
    /** How long close() waits for each thread before interrupting it. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final NodeSettings settings;
    private final LogStore store;
    private final Lifecycle lifecycle = new Lifecycle();
    private final PendingRequests pending;
    private final Inbox inbox;
    private final NodeEnvironment environment;
    private final PeerNetwork network;
    private final Applier applier;
    private final Completions completions;
    private final PeerDirectory directory;
    private final MembershipTracker membership;
    private final NodeLoop loop;
    private final Worker applyWorker;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final RaftNode raft;
    // Snapshots (null when the store keeps none): the taker, and streaming to and from peers, each on a worker.
    private final SnapshotTaker snapshotTaker;
    private final OutgoingSnapshots outgoingSnapshots;
    private final IncomingSnapshots incomingSnapshots;
    private final List<Worker> snapshotWorkers;

    private NodeRuntime(NodeSettings settings, LogStore store, ClusterConfiguration bootstrap,
                        Function<NodeId, Optional<InetSocketAddress>> resolver, NodeEnvironment environment) {
        this.settings = settings;
        this.environment = environment;
        this.store = store;
        this.pending = new PendingRequests(settings.maxPendingRequests());
        this.inbox = new Inbox(settings.inboxCapacity());
        this.directory = new PeerDirectory(settings.peers(), settings.clientAddresses(), resolver);
        Outcomes outcomes = new Outcomes(directory::clientAddress);
        NodeId id = settings.id();
        // Restart from the latest snapshot, then the log tail (§7): the core starts with applied = its index.
        long restoredIndex = restoreFromSnapshot(settings, store);
        this.raft = RaftNode.start(id, bootstrap, settings.raftOptions(), store.recoveredHardState(), store.log(),
                restoredIndex, environment.random());
        // Nothing arrives before network.start(): the inbound handler finds the snapshot streams set by then.
        this.network = environment.network().open(settings, new Inbound());
        NodeExecutor executor = network.executor();
        // The loop is created last but the applier and the snapshot taker wake it: they reach it through this holder.
        NodeLoop[] loopRef = new NodeLoop[1];
        Runnable wake = () -> loopRef[0].wake();
        Applier[] applierRef = new Applier[1];
        SnapshotStore snapshots = store.snapshotStore();
        SnapshotClaims claims = snapshots == null ? null : new SnapshotClaims(snapshots);
        this.snapshotWorkers = snapshots == null ? List.of() : List.of(
                environment.workers().start("caucus-snapshot-" + id),
                environment.workers().start("caucus-snapshot-send-" + id),
                environment.workers().start("caucus-snapshot-receive-" + id));
        this.snapshotTaker = snapshots == null ? null : new SnapshotTaker(id, claims, this::requestMetadataAt,
                snapshot -> offerToNode(new Input.Compact(snapshot)), () -> {
                    wake.run();
                    applierRef[0].snapshotFinished();
                }, snapshotWorkers.get(0));
        this.applyWorker = environment.workers().start("caucus-apply-" + id);
        // Only a node that takes snapshots draws from the environment's randomness for their stagger.
        RandomGenerator stagger = snapshots == null ? new SplittableRandom(0)
                : new SplittableRandom(environment.random().nextLong());
        this.applier = new Applier(id, settings.stateMachine(), pending, () -> status().leader(),
                outcomes, wake, this::fail, restoredIndex, snapshotTaker,
                settings.snapshotOptions(), applyWorker, stagger);
        applierRef[0] = applier;
        this.outgoingSnapshots = snapshots == null ? null : new OutgoingSnapshots(id, snapshots,
                settings.snapshotOptions(), network::sendSnapshotFrame,
                follower -> offerToNode(new Input.SnapshotFailed(follower)), snapshotWorkers.get(1), executor,
                environment.clock());
        this.incomingSnapshots = snapshots == null ? null : new IncomingSnapshots(id, claims,
                settings.snapshotOptions(), network::sendSnapshotFrame,
                message -> inbox.offer(new Input.Inbound(message)), // full: dropped, the leader retries
                snapshotWorkers.get(2), executor, environment.clock());
        this.completions = new Completions(environment.workers().start("caucus-complete-" + id));
        this.membership = new MembershipTracker(raft, directory, new TransportPeers(id, directory, links(network)),
                completions, outcomes, transferWindowNanos(settings),
                settings.raftOptions().maxLearnerLagEntries(), environment.clock());
        this.loop = new NodeLoop(raft, store, this::send, applier, completions, pending, lifecycle,
                this::fail, settings, inbox, membership, executor, environment.clock(),
                outcomes);
        inbox.onInput(loop::wake);
        loop.servesFollowerReads(network::servesFollowerReads);
        if (outgoingSnapshots != null) {
            loop.onLeadershipLost(outgoingSnapshots::cancelAll);
        }
        loopRef[0] = loop;
    }

    /** Peer messages go to the node thread; snapshot frames to the snapshot streams. Never blocks. */
    private final class Inbound implements InboundHandler {
        @Override
        public void onMessage(RaftMessage message) {
            inbox.offer(new Input.Inbound(message)); // full: dropped, Raft retries
        }

        @Override
        public void onSnapshotFrame(SnapshotFrame frame) {
            switch (frame) {
                case SnapshotFrame.Chunk chunk -> {
                    if (incomingSnapshots != null) {
                        incomingSnapshots.onChunk(chunk);
                    }
                }
                case SnapshotFrame.Ack ack -> {
                    if (outgoingSnapshots != null) {
                        outgoingSnapshots.onAck(ack);
                    }
                }
            }
        }
    }

    /**
     * Sends a message from the core. An InstallSnapshot is not sent as such: its data is streamed first, and the
     * follower's runtime hands the message to its core once the data is committed there (§7).
     */
    private void send(RaftMessage message) {
        if (message instanceof InstallSnapshot install) {
            if (outgoingSnapshots != null) {
                outgoingSnapshots.start(install);
            } else {
                offerToNode(new Input.SnapshotFailed(install.to()));
            }
        } else {
            network.send(message);
        }
    }

    /**
     * Loads the state machine from the store's latest snapshot, if the log is based on one; returns its index
     * (0 if none). Runs before any thread starts, so the state machine is touched by this thread alone.
     */
    private static long restoreFromSnapshot(NodeSettings settings, LogStore store) {
        SnapshotMetadata base = store.log().snapshot();
        if (base.lastIncludedIndex() == 0) {
            return 0;
        }
        SnapshotStore snapshots = store.snapshotStore();
        if (snapshots == null) {
            throw new IllegalStateException("the log starts after snapshot " + base.lastIncludedIndex()
                    + " but the store keeps no snapshots to restore from");
        }
        long started = System.nanoTime();
        StateMachine machine = settings.stateMachine();
        try (InputStream data = snapshots.openData(base)) {
            machine.restore(base.lastIncludedIndex(), data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the state machine from snapshot "
                    + base.lastIncludedIndex(), e);
        }
        LOG.atInfo().addKeyValue("node", settings.id())
                .log("restored the state machine from snapshot {}/t{} in {} ms",
                        base.lastIncludedIndex(), base.lastIncludedTerm(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return base.lastIncludedIndex();
    }

    private CompletableFuture<SnapshotMetadata> requestMetadataAt(long index) {
        CompletableFuture<SnapshotMetadata> future = new CompletableFuture<>();
        if (!offerToNode(new Input.SnapshotMetadataAt(index, future))) {
            future.completeExceptionally(new IllegalStateException("the node thread is not taking requests"));
        }
        return future;
    }

    /** Hands an internal request to the node thread, waiting a little if the inbox is full. */
    private boolean offerToNode(Input input) {
        try {
            return lifecycle.isRunning() && inbox.offer(input, 1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Starts a node on an opened store. On failure everything started is stopped and the store closed.
     *
     * @throws IllegalStateException if the peer address cannot be bound
     */
    public static NodeRuntime start(NodeSettings settings, LogStore store) {
        return start(settings, store, ClusterConfiguration.ofVoters(settings.peers().keySet()),
                PeerDirectory.NO_RESOLVER);
    }

    /**
     * Starts a node whose log begins from {@code bootstrap} (see {@link BootstrapConfiguration}); the addresses
     * of members missing from {@code settings.peers()} are asked of {@code resolver}.
     *
     * @throws IllegalStateException if the peer address cannot be bound
     */
    public static NodeRuntime start(NodeSettings settings, LogStore store, ClusterConfiguration bootstrap,
                                    Function<NodeId, Optional<InetSocketAddress>> resolver) {
        return start(settings, store, bootstrap, resolver, NodeEnvironment.production());
    }

    /**
     * Starts a node as above, in {@code environment}: its clock, its network, its workers and its randomness.
     *
     * @throws IllegalStateException if the network cannot start (the peer address cannot be bound)
     */
    public static NodeRuntime start(NodeSettings settings, LogStore store, ClusterConfiguration bootstrap,
                                    Function<NodeId, Optional<InetSocketAddress>> resolver,
                                    NodeEnvironment environment) {
        NodeRuntime runtime;
        try {
            runtime = new NodeRuntime(settings, store, bootstrap, resolver, environment);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            runtime.network.start();
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        // Read the log here, before the node thread starts: from then on it is the store's only reader.
        LOG.atInfo().addKeyValue("node", settings.id())
                .log("starting; peers {}, bootstrap configuration {}, recovered {}, log up to {}",
                        settings.peers(), bootstrap, store.recoveredHardState(), store.log().lastIndex());
        runtime.loop.finished().whenComplete((ignored, error) -> runtime.afterTurnsEnded());
        runtime.loop.start();
        return runtime;
    }

    /** The core abandons a transfer after an election timeout; allow a randomized timeout and an election. */
    private static long transferWindowNanos(NodeSettings settings) {
        return 3L * settings.raftOptions().electionTimeoutTicks() * settings.tickInterval().toNanos();
    }

    /** The production network: the Netty peer transport, whose event loop the node's turns run on. */
    static PeerNetwork nettyNetwork(NodeSettings settings, InboundHandler inbound) {
        return new NettyPeerNetwork(PeerTransport.builder(settings.id())
                .listenAddress(settings.listenAddress())
                .peers(settings.peers())
                .options(settings.transportOptions())
                .inboundHandler(inbound)
                .threadName("caucus-node-" + settings.id()) // the node's turns run on this loop too
                .build());
    }

    private static TransportPeers.Links links(PeerNetwork network) {
        return new TransportPeers.Links() {
            @Override
            public void addPeer(NodeId peer, InetSocketAddress address) {
                network.addPeer(peer, address);
            }

            @Override
            public void removePeer(NodeId peer) {
                network.removePeer(peer);
            }

            @Override
            public Set<NodeId> peers() {
                return network.peers();
            }
        };
    }

    // ---------------------------------------------------------------- requests

    @Override
    public CompletableFuture<byte[]> submit(byte[] command) {
        checkSize(command, "command");
        CaucusException refusal = refusal();
        if (refusal != null) {
            return CompletableFuture.failedFuture(refusal);
        }
        CompletableFuture<byte[]> future = pending.reserve();
        if (future == null) {
            return CompletableFuture.failedFuture(overloaded());
        }
        enqueue(new Input.Proposal(command.clone(), future, deadline()), future::completeExceptionally);
        return future;
    }

    @Override
    public CompletableFuture<byte[]> read(byte[] query) {
        checkSize(query, "query");
        CaucusException refusal = refusal();
        if (refusal != null) {
            return CompletableFuture.failedFuture(refusal);
        }
        CompletableFuture<byte[]> future = pending.reserve();
        if (future == null) {
            return CompletableFuture.failedFuture(overloaded());
        }
        long requestId = pending.addRead(new PendingRequests.Read(query.clone(), future, deadline()));
        enqueue(new Input.Read(requestId), error -> failRead(requestId, error));
        return future;
    }

    // ---------------------------------------------------------------- membership

    @Override
    public Membership members() {
        return Memberships.of(status(), directory);
    }

    @Override
    public CompletableFuture<Membership> addLearner(NodeId node, NodeAddresses addresses) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(addresses, "addresses of " + node);
        return onNodeThread((future, deadline) -> membership.propose(
                new ConfigurationChange.AddLearner(node, PeerAddresses.inLog(addresses)), addresses.raft(), future,
                deadline));
    }

    @Override
    public CompletableFuture<Membership> changeAddresses(NodeId node, NodeAddresses addresses) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(addresses, "addresses of " + node);
        return onNodeThread((future, deadline) -> membership.propose(
                new ConfigurationChange.ChangeAddresses(node, PeerAddresses.inLog(addresses)), null, future,
                deadline));
    }

    @Override
    public CompletableFuture<Membership> promote(NodeId node) {
        Objects.requireNonNull(node, "node");
        return onNodeThread((future, deadline) -> membership.propose(new ConfigurationChange.PromoteLearner(node),
                null, future, deadline));
    }

    @Override
    public CompletableFuture<Membership> remove(NodeId node) {
        Objects.requireNonNull(node, "node");
        return onNodeThread((future, deadline) -> membership.propose(new ConfigurationChange.RemoveMember(node),
                null, future, deadline));
    }

    @Override
    public CompletableFuture<Membership> transferLeadership(NodeId target) {
        Objects.requireNonNull(target, "target");
        return onNodeThread((future, deadline) -> membership.transfer(target, future, deadline));
    }

    /** Runs a membership request on the node thread; it fails if the node stops before taking it. */
    private CompletableFuture<Membership> onNodeThread(BiConsumer<CompletableFuture<Membership>, Long> request) {
        CaucusException refusal = refusal();
        if (refusal != null) {
            return CompletableFuture.failedFuture(refusal);
        }
        CompletableFuture<Membership> future = new CompletableFuture<>();
        long deadline = deadline();
        enqueue(new Input.Call(() -> request.accept(future, deadline), future::completeExceptionally),
                future::completeExceptionally);
        return future;
    }

    /** Hands a request to the node thread, or fails it with {@code fail} if it cannot be queued. */
    private void enqueue(Input input, Consumer<CaucusException> fail) {
        if (!inbox.offer(input)) {
            fail.accept(new OverloadedException("the node's inbox is full; retry later"));
        } else if (!lifecycle.isRunning() && inbox.remove(input)) {
            // Stopped between the check and the offer: the node thread may never see it, so fail it here.
            fail.accept(refusal());
        }
    }

    private void failRead(long requestId, CaucusException error) {
        PendingRequests.Read read = pending.takeRead(requestId);
        if (read != null) {
            read.future().completeExceptionally(error);
        }
    }

    private void checkSize(byte[] bytes, String what) {
        Objects.requireNonNull(bytes, what);
        if (bytes.length > settings.maxCommandBytes()) {
            throw new IllegalArgumentException(what + " of " + bytes.length + " bytes is larger than maxCommandBytes ("
                    + settings.maxCommandBytes() + ")");
        }
    }

    /** Why a new request is refused now, or null if it may be queued. */
    private CaucusException refusal() {
        return lifecycle.isRunning() ? null : NodeLoop.stopped(lifecycle.failure());
    }

    private OverloadedException overloaded() {
        return new OverloadedException(pending.outstanding() + " requests are pending, the limit is "
                + settings.maxPendingRequests() + "; retry later");
    }

    private long deadline() {
        return environment.clock().nanoTime() + settings.requestTimeout().toNanos();
    }

    @Override
    public CompletableFuture<SnapshotMetadata> takeSnapshot() {
        CaucusException refusal = refusal();
        if (refusal != null) {
            return CompletableFuture.failedFuture(refusal);
        }
        CompletableFuture<SnapshotMetadata> future = new CompletableFuture<>();
        applier.snapshotNow(future);
        return future;
    }

    @Override
    public InputStream openSnapshot(SnapshotMetadata snapshot) throws IOException {
        SnapshotStore snapshots = store.snapshotStore();
        if (snapshots == null) {
            throw new UnsupportedOperationException(id() + " keeps no snapshots (its store has none)");
        }
        return snapshots.openData(snapshot);
    }

    // ---------------------------------------------------------------- status

    @Override
    public NodeStatus status() {
        return loop.status();
    }

    /**
     * The leader this replica counts as alive while its group is quiesced (see {@code RaftNode.isQuiesced()}), as
     * of the node's latest turn; empty if the group is not quiesced. Safe from any thread: it reads what the node
     * thread published, as {@link #status()} does.
     */
    public Optional<NodeId> quiescedLeader() {
        return quiescedStatus().map(NodeStatus::leader);
    }

    /**
     * The status the node thread published with its latest turn if its group was quiesced then, else empty. Safe
     * from any thread.
     */
    public Optional<NodeStatus> quiescedStatus() {
        NodeLoop.Published published = loop.published();
        return published.quiesced() ? Optional.of(published.status()) : Optional.empty();
    }

    /** The settings this replica runs with. */
    NodeSettings settings() {
        return settings;
    }

    /** True if this replica's group was quiesced as of the node's latest turn; safe from any thread. */
    public boolean isQuiesced() {
        return loop.published().quiesced();
    }

    /**
     * Wakes this replica if its group is quiesced (see {@code RaftNode.wake()}): queued to the node thread, which
     * then takes its turn as usual. The host calls it when the leader's process has gone silent. Returns false if
     * the inbox is full or the node stopped (the host asks again at its next check). Safe from any thread.
     */
    public boolean wakeQuiesced() {
        return lifecycle.isRunning() && inbox.offer(new Input.Call(raft::wake, refused -> {
        }));
    }

    /** A read-only view of this node's core and applier, for a simulator's invariant checks (see NodeProbe). */
    public NodeProbe probe() {
        return new NodeProbe() {
            @Override
            public NodeStatus coreStatus() {
                return raft.status();
            }

            @Override
            public LogView log() {
                return raft.log();
            }

            @Override
            public ClusterConfiguration configurationAt(long index) {
                return raft.configurationAt(index);
            }

            @Override
            public long appliedIndex() {
                return applier.appliedIndex();
            }

            @Override
            public void onApplied(AppliedListener listener) {
                applier.onApplied(listener);
            }

            @Override
            public void onRestored(RestoredListener listener) {
                applier.onRestored(listener);
            }
        };
    }

    @Override
    public RuntimeMetrics metrics() {
        return loop.metrics(applier.applyBatches(), network.metrics());
    }

    @Override
    public Executor executor() {
        return network.executor().forEmbedders();
    }

    @Override
    public NodeId id() {
        return settings.id();
    }

    @Override
    public Optional<InetSocketAddress> clientAddress(NodeId node) {
        return directory.clientAddress(node);
    }

    @Override
    public Optional<InetSocketAddress> adminAddress(NodeId node) {
        return directory.adminAddress(node);
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(lifecycle.failure());
    }

    // ---------------------------------------------------------------- failure and shutdown

    /**
     * A storage failure (disk full, I/O error) or a state machine that threw: stop accepting requests; the node
     * thread winds down. Nothing more is written, so nothing durable is damaged.
     */
    private void fail(Throwable cause) {
        if (lifecycle.fail(cause)) {
            LOG.atError().addKeyValue("node", settings.id()).setCause(cause).log("stopped accepting requests after "
                    + "a failure in {}: {}; durable data is untouched, restart the node once the cause is fixed",
                    Thread.currentThread().getName(), cause);
        } else {
            LOG.atDebug().addKeyValue("node", settings.id()).setCause(cause).log("a further failure after stopping");
        }
        if (loop != null) {
            loop.wake();
        }
    }

    /** Runs on the node thread once it takes no more turns. */
    private void afterTurnsEnded() {
        if (lifecycle.state() == Lifecycle.State.FAILED) {
            // Stop taking part in the cluster: a node that cannot write must not vote or lead. The loop keeps
            // running until close(): clients served on it (executor()) are still told why.
            network.disconnect();
            failRegisteredRequests(lifecycle.failure());
        }
    }

    /**
     * Stops the node: its turns (after the current one, whose writes are already fsynced), the apply thread
     * (after applying what was handed out), then the transport and the store, each with a bounded wait.
     * Requests still pending fail: unknown outcome if proposed, {@link io.caucus.server.ShutdownException}
     * otherwise. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        lifecycle.beginClose();
        try {
            if (!inbox.offer(Input.Stop.INSTANCE, STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                loop.stopAfterNextTurn(); // the inbox stayed full: stop without waiting for the Stop's turn
            }
            boolean nodeStopped = !loop.hasStarted() || awaitTurnsEnded();
            stopApplier();
            stopSnapshots();
            failRegisteredRequests(lifecycle.failure());
            completions.close();
            network.close();
            if (nodeStopped) {
                store.close();
            } else {
                LOG.atError().addKeyValue("node", settings.id())
                        .log("the node thread did not stop; the store is left open");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            network.close();
        }
        LOG.atInfo().addKeyValue("node", settings.id()).log("closed");
    }

    /** Waits (bounded) for the node's last turn; false if it did not end, or if called from that very thread. */
    private boolean awaitTurnsEnded() throws InterruptedException {
        if (loop.inNodeThread()) {
            return false; // close() called from a callback on the node thread: its turn ends when the callback returns
        }
        try {
            loop.finished().get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            LOG.atWarn().addKeyValue("node", settings.id())
                    .log("the node thread did not end its last turn within {}", STOP_WAIT);
            return false;
        }
    }

    /**
     * Stops the applier after the tasks handed to it, waiting a bounded time. Its worker is shut down only once
     * it has stopped: a state machine still running must not be entered from a second thread.
     */
    private void stopApplier() throws InterruptedException {
        applier.stop();
        if (applyWorker.inWorker()) {
            // close() called from a client callback on the applier: the drain under way stops it once it returns.
            applyWorker.shutdown();
            return;
        }
        try {
            applier.exited().get(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            applyWorker.shutdown();
        } catch (ExecutionException | TimeoutException e) {
            LOG.atWarn().addKeyValue("node", settings.id()).log("the applier did not stop within {}; the state "
                    + "machine may still be running", STOP_WAIT);
        }
    }

    /**
     * Stops streaming and writing snapshots (temporary files of unfinished ones are deleted), then their workers
     * after what is queued on them, waiting a bounded time for each.
     */
    private void stopSnapshots() throws InterruptedException {
        if (snapshotTaker == null) {
            return;
        }
        outgoingSnapshots.close();
        incomingSnapshots.close();
        snapshotTaker.stop();
        for (Worker worker : snapshotWorkers) {
            worker.shutdown();
        }
        for (Worker worker : snapshotWorkers) {
            if (worker.inWorker()) {
                continue; // close() called from a task of this very worker: it ends when the task returns
            }
            if (!worker.awaitTermination(STOP_WAIT)) {
                LOG.atWarn().addKeyValue("node", settings.id())
                        .log("a snapshot worker did not stop within {}; closing anyway", STOP_WAIT);
            }
        }
    }

    /** Proposals may have been replicated, so their outcome is unknown; reads simply were not served. */
    private void failRegisteredRequests(Throwable cause) {
        membership.stopped(cause);
        List<CompletableFuture<byte[]>> proposals = new ArrayList<>();
        pending.takeAllProposals().forEach(proposal -> proposals.add(proposal.future()));
        proposals.forEach(future -> future.completeExceptionally(cause == null
                ? new OutcomeUnknownException("the node stopped before the command was known to commit")
                : new OutcomeUnknownException("the node failed before the command was known to commit", cause)));
        pending.takeAllReads().forEach(read -> read.future().completeExceptionally(NodeLoop.stopped(cause)));
    }
}
