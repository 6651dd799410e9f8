package io.caucus.server;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.RaftOptions;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.StorageOptions;
import io.caucus.transport.TransportOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * One Caucus server embedded in a Java service: it replicates the service's {@link StateMachine} with its
 * peers. Futures complete exceptionally with a {@link CaucusException} subtype that says whether the outcome
 * is known. All methods are thread-safe and never block on the node's own threads; see docs/runtime.md for
 * the threads a node runs and which of them completes a future.
 *
 * <pre>{@code
 * CaucusNode node = CaucusNode.builder()
 *         .id("n1")
 *         .peers(Map.of(NodeId.of("n1"), addr1, NodeId.of("n2"), addr2, NodeId.of("n3"), addr3))
 *         .dataDirectory(Path.of("data/n1"))
 *         .stateMachine(myStateMachine)
 *         .start();
 * byte[] result = node.submit(command).join();
 * }</pre>
 */
public interface CaucusNode extends AutoCloseable {

    /**
     * Replicates and applies {@code command}; completes with the state machine's result once the command is
     * durable on a majority and applied here. Leader only: elsewhere it fails with {@link NotLeaderException}.
     * The array is copied.
     *
     * @throws IllegalArgumentException if the command is larger than {@link Builder#maxCommandBytes}
     */
    CompletableFuture<byte[]> submit(byte[] command);

    /**
     * A linearizable read (thesis §6.4, ReadIndex): completes with the state machine's answer. On the leader, or
     * on a follower or learner, which asks the leader for a read index and answers from its own state machine once
     * it has applied that far (thesis §6.4.1), sparing the leader the read itself. Fails with
     * {@link NotLeaderException} or {@link NoLeaderException} where no leader is followed; a read changes
     * nothing, so it is always safe to retry.
     */
    CompletableFuture<byte[]> read(byte[] query);

    /**
     * Takes a snapshot of the state machine now, as of the index applied here, and compacts the log to it (Raft
     * paper §7), whatever the thresholds of {@link Builder#snapshotOptions} say; the node keeps serving meanwhile.
     * Completes with the snapshot's metadata once it is durable in the snapshot store (the log prefix it covers
     * is dropped right after); if nothing was applied since the latest snapshot, with that one. Works on any
     * node, leader or not. Fails with {@link UnsupportedOperationException} if the state machine does not
     * implement snapshots, or with the state machine's or the disk's error.
     */
    CompletableFuture<SnapshotMetadata> takeSnapshot();

    /**
     * The state machine data of {@code snapshot}, one this node keeps (as {@link #takeSnapshot} answered it), for
     * a backup: the bytes its {@link StateMachine.Snapshot} wrote, checked against the store's checksum as they are
     * read (the last read throws rather than end normally if they are damaged). The node keeps serving meanwhile,
     * and the snapshot stays readable while the stream is open. Close the stream.
     *
     * @throws IOException if the snapshot is no longer kept (a newer one retired it: take another) or cannot be read
     * @throws UnsupportedOperationException if this node keeps no snapshots
     */
    InputStream openSnapshot(SnapshotMetadata snapshot) throws IOException;

    /** This node's view of the cluster right now. */
    NodeStatus status();

    /** Counters since this node started (work done, batching, peer traffic). Never waits. */
    RuntimeMetrics metrics();

    /**
     * The executor this node takes its turns on: a request submitted from a task run here reaches the node
     * without a thread hand-off (docs/runtime.md). In a node built by {@link #builder()} it is the peer
     * transport's Netty event loop (with the default of one transport I/O thread), so a service that serves its
     * own clients with Netty may register their channels on it when it is an {@code io.netty.channel.EventLoop}.
     * Whatever runs here delays the node's turns, heartbeats included: keep it short and never block on it. It
     * stops when the node is closed; a node that stopped by itself ({@link #failure()}) keeps it running until
     * then, so that its clients can still be told why.
     */
    Executor executor();

    /**
     * The members as this node sees them now: the configuration in force and each member's part in it; with
     * each member's match index only if this node leads. Never waits.
     */
    Membership members();

    /**
     * Adds {@code node} as a learner (it receives the log but does not vote; thesis §4.2.1). {@code addresses}
     * go into the configuration entry, so every member learns them from the log: the Raft address is dialled
     * from the moment the entry is appended, the client and admin addresses serve redirects and operators'
     * tools ({@link #clientAddress}, {@link #adminAddress}). Completes with the new membership once the
     * configuration entry is committed. Leader only.
     *
     * <p>Every membership future fails with: {@link NotLeaderException} (with the leader) or
     * {@link NoLeaderException} off the leader; {@link MembershipException} with reason
     * {@link MembershipException.Reason#CHANGE_IN_PROGRESS CHANGE_IN_PROGRESS} while another change or a
     * transfer is under way, or {@code UNKNOWN_MEMBER}, {@code ALREADY_MEMBER}, {@code LEARNER_BEHIND} or
     * {@code LAST_VOTER} when the change does not fit the configuration (nothing was changed);
     * {@link OutcomeUnknownException} when it was proposed but not seen committed within the request timeout
     * (it may still take effect).
     */
    CompletableFuture<Membership> addLearner(NodeId node, NodeAddresses addresses);

    /** {@link #addLearner(NodeId, NodeAddresses)} with a Raft address only. */
    default CompletableFuture<Membership> addLearner(NodeId node, InetSocketAddress raftAddress) {
        return addLearner(node, NodeAddresses.ofRaft(raftAddress));
    }

    /**
     * Replaces member {@code node}'s addresses (it moved to another host) with {@code addresses}, keeping every
     * member and part: one configuration entry, as it changes no quorum, and one change at a time like the
     * others. Members dial the new Raft address as soon as the entry is appended; redirects and operators' tools
     * use the new client and admin addresses. Completes once the entry is committed. Leader only; fails with
     * {@link MembershipException.Reason#UNKNOWN_MEMBER UNKNOWN_MEMBER} for a non-member and as
     * {@link #addLearner} otherwise. Moving the Raft address of a voter that still runs at the old one cuts it
     * off until it is restarted at the new one.
     */
    CompletableFuture<Membership> changeAddresses(NodeId node, NodeAddresses addresses);

    /**
     * Makes learner {@code node} a voter, by joint consensus (Raft paper §6): completes once C_new (not just
     * C_old,new) is committed. Refused with {@link MembershipException.Reason#LEARNER_BEHIND LEARNER_BEHIND} until the
     * learner is close behind, and with {@link MembershipException.Reason#ADDRESS_UNKNOWN ADDRESS_UNKNOWN} for a
     * learner whose address the configuration does not carry.
     */
    CompletableFuture<Membership> promote(NodeId node);

    /**
     * Removes a voter (by joint consensus, done once C_new is committed) or a learner. Removing the leader
     * itself works: it manages the change, then steps down (§6).
     */
    CompletableFuture<Membership> remove(NodeId node);

    /**
     * Hands leadership to voter {@code target} (thesis §3.10): the leader brings its log up to date and tells it
     * to campaign at once; proposals are refused meanwhile. Completes once this node knows {@code target}
     * leads; fails with {@link MembershipException} ({@link MembershipException.Reason#TRANSFER_FAILED
     * TRANSFER_FAILED}) if another node won, or
     * {@link OutcomeUnknownException} if the target did not take over within a few election timeouts.
     */
    CompletableFuture<Membership> transferLeadership(NodeId target);

    NodeId id();

    /**
     * Where clients reach {@code node}: the address the configuration in force carries, else the one given to
     * {@link Builder#clientAddresses}, if any.
     */
    Optional<InetSocketAddress> clientAddress(NodeId node);

    /** Where operators reach {@code node}: the admin address the configuration in force carries, if any. */
    Optional<InetSocketAddress> adminAddress(NodeId node);

    /**
     * Why the node stopped by itself (a storage I/O error such as a full disk, or a state machine that threw),
     * if it did. Such a node refuses every request with {@link ShutdownException} carrying this cause; its
     * durable data is untouched, so it can be restarted once the cause is fixed.
     */
    Optional<Throwable> failure();

    /** Stops the node: pending requests fail with {@link ShutdownException} or {@link OutcomeUnknownException}. */
    @Override
    void close();

    static Builder builder() {
        return new NodeBuilder();
    }

    /** Options with documented defaults; see each setter. */
    interface Builder {
        /** The default of {@link #proposalLinger}: 500 µs. */
        Duration DEFAULT_PROPOSAL_LINGER = Duration.ofNanos(500_000);

        /** This node's id; must be a key of {@link #peers}. Required. */
        Builder id(String id);

        /**
         * The peer (Raft) addresses this node knows at start, its own included. Required. On the first start
         * these nodes are the cluster's voters (unless {@link #join}); the configuration, with these addresses
         * (and the client and admin ones), is then recorded in the data directory and later starts take it from
         * there, and from the log.
         */
        Builder peers(Map<NodeId, InetSocketAddress> raftAddresses);

        /**
         * Join a running cluster (default false): on its first start (empty data directory) the node takes no
         * part, never campaigns, and waits for the leader to add it as a learner ({@link #addLearner}); from
         * then on it follows the log. Ignored on later starts. {@link #peers} must name the cluster's nodes.
         */
        Builder join(boolean join);

        /**
         * Where to find the Raft address of a member that {@link #peers} does not list (a node added after this
         * one started). Consulted when a configuration names such a node, and again once a second until it
         * answers; must not block long. Default: none (such a member is unreachable from here, which is logged).
         */
        Builder addressResolver(Function<NodeId, Optional<InetSocketAddress>> resolver);

        /**
         * Where clients reach each node (for example its RESP address), by node id. Optional metadata: a
         * {@link NotLeaderException} carries the leader's, so a client can redirect without a lookup. On the
         * first start they are recorded with the bootstrap configuration, so the log names them; an address the
         * configuration carries wins over these.
         */
        Builder clientAddresses(Map<NodeId, InetSocketAddress> clientAddresses);

        /**
         * Where operators reach each node (for example its admin HTTP address), by node id. Optional; on the
         * first start they are recorded with the bootstrap configuration ({@link #adminAddress}).
         */
        Builder adminAddresses(Map<NodeId, InetSocketAddress> adminAddresses);

        /**
         * Where to accept peer connections, e.g. {@code 0.0.0.0:7001} behind NAT (default: this node's own
         * entry in {@link #peers}, which is what the other nodes dial).
         */
        Builder listenAddress(InetSocketAddress address);

        /** Where the log, hard state and snapshots live. Required. */
        Builder dataDirectory(Path directory);

        /** The user's state machine. Required. */
        Builder stateMachine(StateMachine stateMachine);

        /**
         * What each command and query becomes as the node thread takes it into the core, in the order the node
         * decides (default {@link RequestPreparer#NONE}: as submitted). For a state machine whose commands carry
         * a time or a sequence the order must respect; see {@link RequestPreparer}.
         */
        Builder requestPreparer(RequestPreparer preparer);

        /** Duration of one core tick (default 50 ms); with the default options: elections after 0.5-1 s. */
        Builder tickInterval(Duration tick);

        /** The core's tunables (default {@link RaftOptions#DEFAULTS}). */
        Builder raftOptions(RaftOptions options);

        /** fsync the log before acknowledging (default true). Off only for tests and benchmarks. */
        Builder fsync(boolean fsync);

        /** How long submit and read wait before failing with outcome unknown (default 10 s). */
        Builder requestTimeout(Duration timeout);

        /**
         * How long a command waits on the leader for more commands to share its batch (one log write and fsync,
         * one AppendEntries per follower), when other requests are already in flight (default 500 µs; zero: never;
         * at most 100 ms). The wait ends early when nothing has arrived for a tenth of this time. A request that
         * is the only one in flight never waits, so a lone client pays nothing;
         * under load a batch per replication round costs less CPU per command and, on a busy machine, shortens
         * the latency tail (docs/benchmarks.md, "What the design rests on").
         */
        Builder proposalLinger(Duration linger);

        /**
         * Most submits and reads waiting for an outcome at once (default 10 000); beyond it requests fail at
         * once with {@link OverloadedException} (back-pressure).
         */
        Builder maxPendingRequests(int requests);

        /** Largest command or query accepted, in bytes (default 1 MiB); larger ones are refused synchronously. */
        Builder maxCommandBytes(int bytes);

        /** Peer messaging limits and timings (default {@link TransportOptions#defaults()}). */
        Builder transportOptions(TransportOptions options);

        /**
         * When to snapshot and compact the log, and how snapshots are streamed to followers (default
         * {@link SnapshotOptions#DEFAULTS}: every 100 000 entries or 64 MiB of log, 1 MiB chunks, 4 in flight).
         */
        Builder snapshotOptions(SnapshotOptions options);

        /** Log segment size, entry size limit and cache (default {@link StorageOptions#DEFAULTS}). */
        Builder storageOptions(StorageOptions options);

        CaucusNode start();
    }
}
