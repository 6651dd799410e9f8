package io.caucus.core;

import io.caucus.core.message.RaftMessage;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One Raft server's algorithm, as a deterministic state machine. Not thread-safe: one thread owns it.
 * Inputs: {@link #tick()}, {@link #step(RaftMessage)}, {@link #propose}, {@link #readIndex(long)}, and the
 * runtime's reports {@link #persisted(long)} and {@link #applied(long)}. Output: {@link #ready()}.
 */
public final class RaftNode {

    private RaftNode() {
    }

    /**
     * Starts (or restarts) a node from its durable state.
     *
     * @param configuration the cluster configuration in force (fixed membership for now)
     * @param hardState     the durable hard state ({@link HardState#INITIAL} for a new node)
     * @param log           the durable log, which the runtime updates as {@link Persist} instructions say
     * @param appliedIndex  the index the state machine has already applied (0 for an empty one)
     * @param random        the only source of randomness: it draws election timeouts
     */
    public static RaftNode start(NodeId id, ClusterConfiguration configuration, RaftOptions options,
                                 HardState hardState, LogView log, long appliedIndex, RandomGenerator random) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Advances logical time by one tick. */
    public void tick() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Handles a message from a peer. Messages not addressed to this node are ignored. */
    public void step(RaftMessage message) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Proposes one command; see {@link #propose(List)}. */
    public ProposeResult propose(byte[] command) {
        return propose(List.of(command));
    }

    /** Proposes commands as consecutive log entries, on the leader only. */
    public ProposeResult propose(List<byte[]> commands) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Asks for a linearizable read point (thesis §6.4). The outcome arrives in a later {@link Ready#reads()}:
     * confirmed with a read index once a majority has acknowledged this leader after the request, or rejected.
     */
    public void readIndex(long requestId) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Starts an election now, as if the election timeout had passed (tests and operators). */
    public void campaign() {
        throw new UnsupportedOperationException("not yet");
    }

    public boolean hasReady() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Takes everything the runtime must do now; see {@link Ready}. */
    public Ready ready() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The runtime has made the {@link Persist} with this sequence (and every earlier one) durable. */
    public void persisted(long sequence) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The state machine has applied every committed entry up to {@code index}. */
    public void applied(long index) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * The log as this node sees it: the durable log plus entries handed out for persistence and not yet
     * reported durable. Read-only; for status, tests and invariant checkers.
     */
    public LogView log() {
        throw new UnsupportedOperationException("not yet");
    }

    public NodeStatus status() {
        throw new UnsupportedOperationException("not yet");
    }
}
