package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.server.RequestPreparer;
import io.caucus.server.SnapshotOptions;
import io.caucus.server.StateMachine;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a node runtime is configured with, validated. See {@link io.caucus.server.CaucusNode.Builder} for
 * the meaning and defaults of each.
 *
 * @param peers           every voter's peer address, this node's included (it listens on its own)
 * @param clientAddresses where clients reach each node (optional, possibly for some nodes only): metadata
 *                        handed to clients in {@link io.caucus.server.NotLeaderException}
 * @param listenAddress   where this node accepts peer connections; null means its own entry in {@code peers}
 * @param snapshotOptions when to snapshot and how snapshots travel
 * @param proposalLinger  how long a command waits for others to share its batch while other requests are out
 * @param requestPreparer what each command and query becomes as the node thread takes it ({@link RequestPreparer})
 */
public record NodeSettings(NodeId id, Map<NodeId, InetSocketAddress> peers,
                           Map<NodeId, InetSocketAddress> clientAddresses, InetSocketAddress listenAddress,
                           StateMachine stateMachine,
                           Duration tickInterval, RaftOptions raftOptions, boolean fsync, Duration requestTimeout,
                           int maxPendingRequests, int maxCommandBytes, int maxInputsPerTurn, int inboxCapacity,
                           TransportOptions transportOptions, SnapshotOptions snapshotOptions,
                           Duration proposalLinger, RequestPreparer requestPreparer) {

    /** Inputs the node thread takes per turn: proposals among them are batched into one propose call. */
    public static final int MAX_INPUTS_PER_TURN = 1024;
    /** Inputs waiting for the node thread; above maxPendingRequests so requests alone never fill it. */
    public static final int INBOX_CAPACITY = 65_536;

    /** Settings whose requests reach the core as submitted ({@link RequestPreparer#NONE}). */
    public NodeSettings(NodeId id, Map<NodeId, InetSocketAddress> peers, Map<NodeId, InetSocketAddress> clientAddresses,
                        InetSocketAddress listenAddress, StateMachine stateMachine, Duration tickInterval,
                        RaftOptions raftOptions, boolean fsync, Duration requestTimeout, int maxPendingRequests,
                        int maxCommandBytes, int maxInputsPerTurn, int inboxCapacity,
                        TransportOptions transportOptions, SnapshotOptions snapshotOptions, Duration proposalLinger) {
        this(id, peers, clientAddresses, listenAddress, stateMachine, tickInterval, raftOptions, fsync,
                requestTimeout, maxPendingRequests, maxCommandBytes, maxInputsPerTurn, inboxCapacity,
                transportOptions, snapshotOptions, proposalLinger, RequestPreparer.NONE);
    }

    /** Settings with the default {@link SnapshotOptions} and proposal linger, and no {@link RequestPreparer}. */
    public NodeSettings(NodeId id, Map<NodeId, InetSocketAddress> peers, Map<NodeId, InetSocketAddress> clientAddresses,
                        InetSocketAddress listenAddress, StateMachine stateMachine, Duration tickInterval,
                        RaftOptions raftOptions, boolean fsync, Duration requestTimeout, int maxPendingRequests,
                        int maxCommandBytes, int maxInputsPerTurn, int inboxCapacity,
                        TransportOptions transportOptions) {
        this(id, peers, clientAddresses, listenAddress, stateMachine, tickInterval, raftOptions, fsync,
                requestTimeout, maxPendingRequests, maxCommandBytes, maxInputsPerTurn, inboxCapacity,
                transportOptions, SnapshotOptions.DEFAULTS,
                io.caucus.server.CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER, RequestPreparer.NONE);
    }

    public NodeSettings {
        Objects.requireNonNull(id, "id is required");
        Objects.requireNonNull(peers, "peers are required");
        Objects.requireNonNull(stateMachine, "stateMachine is required");
        Objects.requireNonNull(tickInterval, "tickInterval");
        Objects.requireNonNull(raftOptions, "raftOptions");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(transportOptions, "transportOptions");
        Objects.requireNonNull(snapshotOptions, "snapshotOptions");
        Objects.requireNonNull(proposalLinger, "proposalLinger");
        Objects.requireNonNull(requestPreparer, "requestPreparer");
        peers = Map.copyOf(peers);
        clientAddresses = Map.copyOf(Objects.requireNonNull(clientAddresses, "clientAddresses"));
        if (!peers.containsKey(id)) {
            throw new IllegalArgumentException("peers " + peers.keySet() + " must include this node's id " + id);
        }
        if (listenAddress == null) {
            listenAddress = peers.get(id);
        }
        for (NodeId node : clientAddresses.keySet()) {
            require(peers.containsKey(node), "client address given for " + node + ", which is not among the peers "
                    + peers.keySet());
        }
        require(tickInterval.toMillis() >= 1, "tickInterval must be at least 1 ms: " + tickInterval);
        require(!requestTimeout.isNegative() && !requestTimeout.isZero(),
                "requestTimeout must be positive: " + requestTimeout);
        require(maxPendingRequests >= 1, "maxPendingRequests must be positive: " + maxPendingRequests);
        require(maxCommandBytes >= 1, "maxCommandBytes must be positive: " + maxCommandBytes);
        require(maxCommandBytes < transportOptions.maxFrameBytes() / 2, "maxCommandBytes (" + maxCommandBytes
                + ") must be well below the transport's maxFrameBytes (" + transportOptions.maxFrameBytes() + ")");
        require(snapshotOptions.chunkBytes() < transportOptions.maxFrameBytes() / 2, "snapshot chunkBytes ("
                + snapshotOptions.chunkBytes() + ") must be well below the transport's maxFrameBytes ("
                + transportOptions.maxFrameBytes() + ")");
        require(!proposalLinger.isNegative() && proposalLinger.toMillis() <= 100,
                "proposalLinger must be between 0 and 100 ms: " + proposalLinger);
        require(maxInputsPerTurn >= 1, "maxInputsPerTurn must be positive: " + maxInputsPerTurn);
        require(inboxCapacity >= maxInputsPerTurn, "inboxCapacity (" + inboxCapacity
                + ") must be at least maxInputsPerTurn (" + maxInputsPerTurn + ")");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
