package io.caucus.core;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.core.message.ReadIndexResponse;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import io.caucus.core.message.TimeoutNow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * One Raft server's algorithm, as a deterministic state machine. Not thread-safe: one thread owns it.
 * Inputs: {@link #tick()}, {@link #step(RaftMessage)}, {@link #propose}, {@link #readIndex(long)}, and the
 * runtime's reports {@link #persisted(long)}, {@link #applied(long)}, {@link #compact} and
 * {@link #reportSnapshotFailed}. Output: {@link #ready()}.
 *
 * <p>This class holds the node's state, its role changes and the dispatch of messages by term (§5.1); the
 * rules live in one collaborator per concern, each a small file with the paper's section in its header:
 * {@link Election} (§5.2, §5.4.1, thesis §9.6), {@link Replication} (§5.3), {@link Commitment} (§5.4.2),
 * {@link SnapshotTransfer} (§7), {@link Membership} (§6, thesis §4 and §3.10), {@link LinearizableReads}
 * (thesis §6.4) and {@link Quiescence} (when an idle group stops ticking, after CockroachDB). {@link Durability}
 * holds back what must wait for the disk.
 *
 * <p>Section numbers cite the extended Raft paper (§) and Ongaro's thesis (thesis §).
 */
public final class RaftNode {

    /**
     * How many election timeouts a node that is not a voter in its own configuration waits without a leader
     * before it campaigns (see {@link Election#timedOut()}): long enough for the voters to elect one among
     * themselves whenever they can.
     */
    static final int NON_VOTER_PATIENCE = 3;

    final NodeId id;
    final RaftOptions options;
    private final RandomGenerator random;
    /** The configuration in force: always {@code configurations.current()} (Raft paper §6). */
    ClusterConfiguration configuration;
    final ConfigurationHistory configurations;
    final RaftLog log;

    /** Persistent state (Figure 2): made durable through {@link Persist} before anything depends on it. */
    long term;
    NodeId votedFor;

    Role role = Role.FOLLOWER;
    NodeId leader;
    int electionElapsedTicks;
    int heartbeatElapsedTicks;
    int randomizedElectionTimeoutTicks;

    /** The leader's view of every other member; empty unless leading. */
    final Map<NodeId, Progress> followers = new TreeMap<>();

    private final List<RaftMessage> outbox = new ArrayList<>();
    final List<ReadResult> readResults = new ArrayList<>();
    private final Durability durability;

    final Election election;
    final Replication replication;
    final Commitment commitment;
    final SnapshotTransfer snapshots;
    final Membership membership;
    final LinearizableReads reads;
    final Quiescence quiescence;

    private RaftNode(NodeId id, ClusterConfiguration configuration, RaftOptions options, HardState hardState,
                     LogView durableLog, long appliedIndex, RandomGenerator random) {
        this.id = Objects.requireNonNull(id, "id");
        this.configurations = ConfigurationHistory.load(Objects.requireNonNull(configuration, "configuration"),
                durableLog);
        this.configuration = configurations.current();
        this.options = Objects.requireNonNull(options, "options");
        this.random = Objects.requireNonNull(random, "random");
        this.log = new RaftLog(durableLog, hardState.commitIndex(), appliedIndex);
        this.term = hardState.term();
        this.votedFor = hardState.votedFor();
        this.durability = new Durability(hardState);
        this.election = new Election(this);
        this.replication = new Replication(this);
        this.commitment = new Commitment(this);
        this.snapshots = new SnapshotTransfer(this);
        this.membership = new Membership(this);
        this.reads = new LinearizableReads(this);
        this.quiescence = new Quiescence(this);
        resetElectionTimer();
    }

    /**
     * Starts (or restarts) a node from its durable state. Every role restarts as a follower (Figure 2).
     *
     * @param configuration the bootstrap configuration: in force unless the log holds a configuration entry or
     *                      a snapshot (whose configuration then holds). A node joining a running cluster passes
     *                      one in which it is not a voter and waits for the leader to reach it.
     * @param hardState     the durable hard state ({@link HardState#INITIAL} for a new node)
     * @param log           the durable log, which the runtime updates as {@link Persist} instructions say
     * @param appliedIndex  the index the state machine has already applied (0 for an empty one)
     * @param random        the only source of randomness: it draws election timeouts
     */
    public static RaftNode start(NodeId id, ClusterConfiguration configuration, RaftOptions options,
                                 HardState hardState, LogView log, long appliedIndex, RandomGenerator random) {
        return new RaftNode(id, configuration, options, hardState, log, appliedIndex, random);
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick; does nothing while quiesced (see {@link #isQuiesced()}). */
    public void tick() {
        if (quiescence.quiesced()) {
            return;
        }
        electionElapsedTicks++;
        if (role == Role.LEADER) {
            if (!quiescence.leaderTicked()) {
                replication.tick();
            }
        } else if (election.timedOut()) {
            election.becomePreCandidate();
        }
    }

    /** Starts an election now, as if the election timeout had passed (tests and operators). */
    public void campaign() {
        quiescence.activity();
        if (role != Role.LEADER && configuration.isVoter(id)) {
            election.becomePreCandidate();
        }
    }

    /**
     * Handles a message from a peer. Messages not addressed to this node are ignored. Messages from nodes
     * outside this node's configuration are handled like any other: a joining node hears from a leader its
     * configuration does not know yet, and a removed node is kept from disrupting by Pre-Vote and leader
     * stickiness, not by being ignored (thesis §4.2.3).
     */
    public void step(RaftMessage message) {
        if (!message.to().equals(id)) {
            return;
        }
        quiescence.received(message);
        if (message instanceof RequestVoteResponse response && response.preVote()) {
            election.handlePreVoteResponse(response);
            return;
        }
        if (message.term() > term) {
            if (!adoptHigherTerm(message)) {
                return;
            }
        } else if (message.term() < term) {
            election.answerStaleMessage(message);
            return;
        }
        switch (message) {
            case RequestVote request -> election.handleRequestVote(request);
            case RequestVoteResponse response -> election.handleVoteResponse(response);
            case AppendEntries append -> replication.handleAppendEntries(append);
            case AppendEntriesResponse response -> replication.handleAppendEntriesResponse(response);
            case Heartbeat heartbeat -> replication.handleHeartbeat(heartbeat);
            case HeartbeatResponse response -> replication.handleHeartbeatResponse(response);
            case TimeoutNow timeoutNow -> membership.handleTimeoutNow(timeoutNow);
            case InstallSnapshot install -> snapshots.handleInstallSnapshot(install);
            case InstallSnapshotResponse response -> snapshots.handleInstallSnapshotResponse(response);
            case ReadIndexRequest request -> reads.handleRequest(request);
            case ReadIndexResponse response -> reads.handleResponse(response);
        }
    }

    /**
     * A message from a higher term (§5.1: a server that sees a higher term adopts it and becomes a follower).
     * Returns false if the message is to be dropped instead.
     */
    private boolean adoptHigherTerm(RaftMessage message) {
        if (message instanceof RequestVote request) {
            if (election.inLeaderLease() && !request.leadershipTransfer()) {
                // Leader stickiness (§6, thesis §4.2.3): a server that heard from a live leader within the
                // minimum election timeout neither grants a vote nor raises its term.
                return false;
            }
            if (request.preVote()) {
                return true; // a pre-vote changes no one's term (thesis §9.6)
            }
            becomeFollower(message.term(), null);
            return true;
        }
        NodeId newLeader = message instanceof AppendEntries || message instanceof Heartbeat
                || message instanceof InstallSnapshot ? message.from() : null;
        becomeFollower(message.term(), newLeader);
        return true;
    }

    // ---------------------------------------------------------------- role changes (§5.1, §5.2)

    void becomeFollower(long newTerm, NodeId newLeader) {
        Invariants.check(newTerm >= term, "term went backwards from " + term + " to " + newTerm);
        if (role == Role.LEADER) {
            followers.clear();
            commitment.leadershipLost();
            membership.leadershipLost();
        }
        quiescence.roleChanged();
        reads.rejectAll(newLeader);
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
        }
        role = Role.FOLLOWER;
        leader = newLeader;
        resetElectionTimer();
    }

    void becomeLeader() {
        quiescence.roleChanged();
        role = Role.LEADER;
        leader = id;
        electionElapsedTicks = 0;
        heartbeatElapsedTicks = 0;
        followers.clear();
        membership.trackMembers();
        // §8 / thesis §6.4: a no-op of the new term lets the leader learn what is committed, and lets it
        // commit earlier terms' entries by Figure 8's rule.
        commitment.appendAsLeader(List.of(LogEntry.noOp(term, log.lastIndex() + 1)));
    }

    void resetElectionTimer() {
        electionElapsedTicks = 0;
        int timeout = options.electionTimeoutTicks();
        randomizedElectionTimeoutTicks = timeout + random.nextInt(timeout);
    }

    /** A message from the leader of our term: follow it; its contact resets the election timer (§5.2). */
    void followLeader(NodeId from) {
        Invariants.check(role != Role.LEADER, "two leaders in term " + term + ": " + id + " and " + from);
        if (role != Role.FOLLOWER || !from.equals(leader)) {
            becomeFollower(term, from);
        }
        electionElapsedTicks = 0;
    }

    // ---------------------------------------------------------------- requests from the runtime and clients

    /**
     * The leader's runtime could not transfer the snapshot to {@code follower}: it goes back to probing, and
     * is sent a snapshot again if it still needs one. Ignored if this node no longer leads.
     */
    public void reportSnapshotFailed(NodeId follower) {
        snapshots.failed(follower);
    }

    /**
     * What a snapshot of the state machine as of applied index {@code index} records: the term of that entry and
     * the configuration in force there.
     *
     * @throws IllegalArgumentException if {@code index} is not an applied index still held in the log
     */
    public SnapshotMetadata snapshotMetadataAt(long index) {
        return snapshots.metadataAt(index);
    }

    /**
     * The runtime committed {@code snapshot}, a snapshot of the state machine as of an applied index, to its
     * snapshot store: the log prefix it covers is dropped (§7). The next {@link Persist} carries it so the
     * durable log drops the prefix too. A snapshot no newer than the log's base is ignored (one installed from the
     * leader may have overtaken it).
     *
     * @throws IllegalArgumentException if the snapshot goes beyond the applied index or disagrees with the log
     */
    public void compact(SnapshotMetadata snapshot) {
        snapshots.compact(snapshot);
    }

    /** Proposes one command; see {@link #propose(List)}. */
    public ProposeResult propose(byte[] command) {
        return propose(List.of(command));
    }

    /**
     * Proposes commands as consecutive log entries, on the leader only. A rejected proposal was appended
     * nowhere; an accepted one takes effect only if its entry commits (see {@link ProposeResult.Accepted}).
     */
    public ProposeResult propose(List<byte[]> commands) {
        quiescence.activity();
        return commitment.propose(commands);
    }

    /**
     * Asks for a linearizable read point (thesis §6.4). The outcome arrives in a later {@link Ready#reads()}:
     * confirmed with a read index once a quorum has acknowledged the leader after the request, or rejected. On a
     * follower the leader is asked for the read index (thesis §6.4.1); rejected at once where no leader is known.
     * Once confirmed, a read of the state machine at or after the read index is linearizable.
     */
    public void readIndex(long requestId) {
        quiescence.activity();
        reads.request(requestId);
    }

    /**
     * Proposes a change of membership, on the leader only. Learner-only changes are one configuration entry;
     * changes of the voter set go by joint consensus (Raft paper §6): C_old,new now, and C_new appended by this
     * leader once C_old,new is committed. Accepted gives the index of the first configuration entry; the change
     * is done once the configuration in force is committed and not joint.
     */
    public ProposeResult proposeConfigurationChange(ConfigurationChange change) {
        Objects.requireNonNull(change, "change");
        quiescence.activity();
        return membership.proposeChange(change);
    }

    /**
     * Hands leadership to {@code target}, a voter (thesis §3.10): proposals are refused while the leader brings
     * the target's log up to date and then sends it TimeoutNow; the transfer is abandoned after an election
     * timeout. Accepted gives the leader's last index when the transfer started.
     */
    public ProposeResult transferLeadership(NodeId target) {
        Objects.requireNonNull(target, "target");
        quiescence.activity();
        return membership.transferLeadership(target);
    }

    /**
     * The configuration in force at {@code index}: the last configuration entry at or before it, else the
     * snapshot's (or bootstrap) configuration. For snapshots, which must record the configuration as of their
     * last included index.
     *
     * @throws IllegalArgumentException if {@code index} lies before the log's snapshot, where it is forgotten
     */
    public ClusterConfiguration configurationAt(long index) {
        return configurations.at(index);
    }

    /** True while this node's group is quiesced: idle, {@link #tick()} does nothing (see {@link Quiescence}). */
    public boolean isQuiesced() {
        return quiescence.quiesced();
    }

    /**
     * Wakes a quiesced node from outside, as the runtime does when the leader's process (for a follower) or a
     * quorum's processes (for a leader) went silent; does nothing if not quiesced (see {@link Quiescence#wake}).
     */
    public void wake() {
        quiescence.wake();
    }

    // ---------------------------------------------------------------- output and the runtime's reports

    public boolean hasReady() {
        return !outbox.isEmpty() || log.hasSnapshotToRestore() || !readResults.isEmpty() || log.hasEntriesToApply()
                || log.hasUnpersisted() || durability.hardStateChanged(hardState())
                || durability.hasMessagesToRelease() || reads.roundCanStart() || reads.hasUnsent();
    }

    /** Takes everything the runtime must do now; see {@link Ready}. */
    public Ready ready() {
        reads.startRound();
        reads.sendForwarded();
        Persist persist = durability.nextPersist(log, hardState(), outbox);
        SnapshotMetadata restore = log.takeSnapshotToRestore();
        List<LogEntry> toApply = log.takeEntriesToApply(options.maxApplyBytes());
        Ready ready = new Ready(outbox, persist, toApply, readResults, restore);
        outbox.clear();
        readResults.clear();
        return ready;
    }

    /** The runtime has made the {@link Persist} with this sequence (and every earlier one) durable. */
    public void persisted(long sequence) {
        durability.persisted(sequence, log, outbox);
        if (role == Role.LEADER) {
            commitment.maybeCommit();
        }
    }

    /** The state machine has applied every committed entry up to {@code index}. */
    public void applied(long index) {
        log.appliedTo(index);
    }

    private HardState hardState() {
        return new HardState(term, votedFor, log.committed());
    }

    void send(RaftMessage message) {
        outbox.add(message);
    }

    void sendWhenDurable(RaftMessage message) {
        durability.sendWhenDurable(message);
    }

    // ---------------------------------------------------------------- status

    /**
     * The log as this node sees it: the durable log plus entries handed out for persistence and not yet
     * reported durable. Read-only; for status, tests and invariant checkers.
     */
    public LogView log() {
        return log;
    }

    public NodeStatus status() {
        Map<NodeId, NodeStatus.FollowerStatus> view = new LinkedHashMap<>();
        for (Map.Entry<NodeId, Progress> follower : followers.entrySet()) {
            view.put(follower.getKey(), follower.getValue().status());
        }
        return new NodeStatus(id, role, term, leader, log.committed(), log.applied(), log.lastIndex(),
                configuration, view);
    }

    public NodeId id() {
        return id;
    }

    public Role role() {
        return role;
    }

    public long term() {
        return term;
    }

    /** The configuration in force: the last one in the log, committed or not (Raft paper §6). */
    public ClusterConfiguration configuration() {
        return configuration;
    }

    /** The leader of the current term as far as this node knows, or {@code null}. */
    public NodeId leader() {
        return leader;
    }
}
