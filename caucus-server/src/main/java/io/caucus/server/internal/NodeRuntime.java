package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationChange;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.RaftNode;
import io.caucus.server.CaucusException;
import io.caucus.server.CaucusNode;
import io.caucus.server.Membership;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.transport.PeerTransport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A running node: wires the core, the store, the transport and the three threads together (see
 * docs/runtime.md), takes client requests and shuts everything down in order.
 */
public final class NodeRuntime implements CaucusNode {

    private static final System.Logger LOG = System.getLogger(NodeRuntime.class.getName());
    /** How long close() waits for each thread before interrupting it. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final NodeSettings settings;
    private final LogStore store;
    private final Lifecycle lifecycle = new Lifecycle();
    private final PendingRequests pending;
    private final BlockingQueue<Input> inbox;
    private final PeerTransport transport;
    private final LogSyncer syncer;
    private final Applier applier;
    private final Completions completions;
    private final PeerDirectory directory;
    private final MembershipTracker membership;
    private final NodeLoop loop;
    private final Thread nodeThread;
    private final Thread syncThread;
    private final Thread applyThread;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NodeRuntime(NodeSettings settings, LogStore store, ClusterConfiguration bootstrap,
                        Function<NodeId, Optional<InetSocketAddress>> resolver) {
        this.settings = settings;
        this.store = store;
        this.pending = new PendingRequests(settings.maxPendingRequests());
        this.inbox = new LinkedBlockingQueue<>(settings.inboxCapacity());
        this.directory = new PeerDirectory(settings.peers(), resolver);
        NodeId id = settings.id();
        RaftNode raft = RaftNode.start(id, bootstrap, settings.raftOptions(), store.recoveredHardState(), store.log(),
                0, new SplittableRandom(System.nanoTime()));
        // The loop is created last but the syncer and applier wake it: they reach it through this holder.
        NodeLoop[] loopRef = new NodeLoop[1];
        Runnable wake = () -> loopRef[0].wake();
        this.syncer = new LogSyncer(store, settings.fsync(), wake, this::fail);
        this.applier = new Applier(id, settings.stateMachine(), pending, () -> status().leader(),
                new Outcomes(settings.clientAddresses()), wake, this::fail);
        this.transport = PeerTransport.builder(id)
                .listenAddress(settings.listenAddress())
                .peers(settings.peers())
                .options(settings.transportOptions())
                .inboundHandler(message -> inbox.offer(new Input.Inbound(message))) // full: dropped, Raft retries
                .build();
        this.completions = new Completions(id);
        this.membership = new MembershipTracker(raft, directory, new TransportPeers(id, directory, links(transport)),
                completions, new Outcomes(settings.clientAddresses()), transferWindowNanos(settings),
                settings.raftOptions().maxLearnerLagEntries());
        this.loop = new NodeLoop(raft, store, transport::send, syncer, applier, completions, pending, lifecycle,
                this::fail, settings, inbox, membership);
        loopRef[0] = loop;
        this.nodeThread = newThread("caucus-node-" + id, this::runNodeThread);
        this.syncThread = newThread("caucus-sync-" + id, syncer);
        this.applyThread = newThread("caucus-apply-" + id, applier);
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
        NodeRuntime runtime;
        try {
            runtime = new NodeRuntime(settings, store, bootstrap, resolver);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        runtime.applyThread.start();
        runtime.syncThread.start();
        try {
            runtime.transport.start();
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        // Read the log here, before the node thread starts: from then on it is the store's only reader.
        LOG.log(System.Logger.Level.INFO, "{0}: starting; peers {1}, bootstrap configuration {2}, recovered {3}, "
                + "log up to {4}", settings.id(), settings.peers(), bootstrap, store.recoveredHardState(),
                store.log().lastIndex());
        runtime.nodeThread.start();
        return runtime;
    }

    /** The core abandons a transfer after an election timeout; allow a randomized timeout and an election. */
    private static long transferWindowNanos(NodeSettings settings) {
        return 3L * settings.raftOptions().electionTimeoutTicks() * settings.tickInterval().toNanos();
    }

    private static TransportPeers.Links links(PeerTransport transport) {
        return new TransportPeers.Links() {
            @Override
            public void addPeer(NodeId peer, InetSocketAddress address) {
                transport.addPeer(peer, address);
            }

            @Override
            public void removePeer(NodeId peer) {
                transport.removePeer(peer);
            }

            @Override
            public Set<NodeId> peers() {
                return transport.peers();
            }
        };
    }

    private static Thread newThread(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
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
    public CompletableFuture<Membership> addLearner(NodeId node, InetSocketAddress raftAddress) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(raftAddress, "raftAddress of " + node);
        return onNodeThread((future, deadline) -> membership.propose(new ConfigurationChange.AddLearner(node),
                raftAddress, future, deadline));
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
        return System.nanoTime() + settings.requestTimeout().toNanos();
    }

    // ---------------------------------------------------------------- status

    @Override
    public NodeStatus status() {
        return loop.status();
    }

    @Override
    public NodeId id() {
        return settings.id();
    }

    @Override
    public Optional<InetSocketAddress> clientAddress(NodeId node) {
        return Optional.ofNullable(settings.clientAddresses().get(node));
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
            LOG.log(System.Logger.Level.ERROR, settings.id() + " stopped accepting requests after a failure in "
                    + Thread.currentThread().getName() + ": " + cause
                    + "; durable data is untouched, restart the node once the cause is fixed", cause);
        } else {
            LOG.log(System.Logger.Level.DEBUG, settings.id() + ": a further failure after stopping", cause);
        }
        if (loop != null) {
            loop.wake();
        }
    }

    private void runNodeThread() {
        loop.run();
        if (lifecycle.state() == Lifecycle.State.FAILED) {
            // Stop taking part in the cluster: a node that cannot write must not vote or lead.
            transport.close();
            failRegisteredRequests(lifecycle.failure());
        }
    }

    /**
     * Stops the node: the node thread (finishing its turn), the sync thread (after a last fsync), the apply
     * thread (after applying what was handed out), then the transport and the store, each with a bounded wait.
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
                nodeThread.interrupt();
            }
            boolean nodeStopped = stop(nodeThread);
            syncer.stop();
            stop(syncThread);
            applier.stop();
            stop(applyThread);
            failRegisteredRequests(lifecycle.failure());
            completions.close();
            transport.close();
            if (nodeStopped) {
                store.close();
            } else {
                LOG.log(System.Logger.Level.ERROR, "{0}: the node thread did not stop; the store is left open",
                        settings.id());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            transport.close();
        }
        LOG.log(System.Logger.Level.INFO, "{0}: closed", settings.id());
    }

    /** Waits for a thread to end, interrupting it if it takes too long; returns true if it ended. */
    private static boolean stop(Thread thread) throws InterruptedException {
        if (!thread.isAlive()) {
            return true;
        }
        if (thread == Thread.currentThread()) {
            return false; // close() called from a callback on this very thread: it ends when the callback returns
        }
        thread.join(STOP_WAIT.toMillis());
        if (thread.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "{0} did not stop within {1}; interrupting it", thread.getName(),
                    STOP_WAIT);
            thread.interrupt();
            thread.join(STOP_WAIT.toMillis());
        }
        return !thread.isAlive();
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
