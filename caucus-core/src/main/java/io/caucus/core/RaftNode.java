package io.caucus.core;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import io.caucus.core.message.TimeoutNow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * One Raft server's algorithm, as a deterministic state machine. Not thread-safe: one thread owns it.
 * Inputs: {@link #tick()}, {@link #step(RaftMessage)}, {@link #propose}, {@link #readIndex(long)}, and the
 * runtime's reports {@link #persisted(long)}, {@link #applied(long)}, {@link #compact} and
 * {@link #reportSnapshotFailed}. Output: {@link #ready()}.
 *
 * <p>Section numbers cite the extended Raft paper (§) and Ongaro's thesis (thesis §).
 */
public final class RaftNode {

    /**
     * How many election timeouts a node that is not a voter in its own configuration waits without a leader
     * before it campaigns (see {@link #electionTimedOut()}): long enough for the voters to elect one among
     * themselves whenever they can.
     */
    static final int NON_VOTER_PATIENCE = 3;

    private final NodeId id;
    private final RaftOptions options;
    private final RandomGenerator random;
    /** The configuration in force: always {@code configurations.current()} (Raft paper §6). */
    private ClusterConfiguration configuration;
    private final ConfigurationHistory configurations;
    private final RaftLog log;

    /** Persistent state (Figure 2): made durable through {@link Persist} before anything depends on it. */
    private long term;
    private NodeId votedFor;

    private Role role = Role.FOLLOWER;
    private NodeId leader;
    private int electionElapsedTicks;
    private int heartbeatElapsedTicks;
    private int randomizedElectionTimeoutTicks;

    private final Set<NodeId> votesGranted = new HashSet<>();
    private final Set<NodeId> votesRefused = new HashSet<>();
    /** The leader's view of every other member; empty unless leading. */
    private final Map<NodeId, Progress> followers = new TreeMap<>();
    private final ReadIndexRounds reads = new ReadIndexRounds();
    /** (index, bytes) of this leader's entries not yet committed, for back-pressure on proposals. */
    private final ArrayDeque<long[]> uncommittedEntries = new ArrayDeque<>();
    private long uncommittedBytes;
    /** The leadership hand-over under way (thesis §3.10), or null. */
    private LeadershipTransfer transfer;

    private final List<RaftMessage> outbox = new ArrayList<>();
    private final List<ReadResult> readResults = new ArrayList<>();
    private final Durability durability;

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

    /** Advances logical time by one tick. */
    public void tick() {
        electionElapsedTicks++;
        if (role == Role.LEADER) {
            tickLeader();
        } else if (electionTimedOut()) {
            becomePreCandidate();
        }
    }

    /**
     * A voter campaigns once its election timeout passes (§5.2). A node that is not a voter in its own latest
     * configuration (a learner, or a server being removed) campaigns too, as every server does in the thesis
     * (§4.2.3), but only after {@link #NON_VOTER_PATIENCE} timeouts without a leader: by then the voters have
     * failed to elect one of themselves. They can fail for good when the most up-to-date log is on this node and
     * some voter's configuration needs its vote: a voter holding an uncommitted joint configuration that makes
     * this learner a voter cannot win it, and the voters behind that one cannot win theirs (simulator seed 722490,
     * one voter down). Elected by a quorum of its configuration, this node leads without counting itself and
     * steps down once that configuration is committed under it (thesis §4.2.2), its log then on a majority of
     * the voters. A node with an empty log (one still waiting to be added) could not win, and stays quiet.
     */
    private boolean electionTimedOut() {
        if (configuration.isVoter(id)) {
            return electionElapsedTicks >= randomizedElectionTimeoutTicks;
        }
        return log.lastIndex() > 0 && !configuration.voters().isEmpty()
                && electionElapsedTicks >= NON_VOTER_PATIENCE * randomizedElectionTimeoutTicks;
    }

    private void tickLeader() {
        if (transfer != null && transfer.tickExpired(options.electionTimeoutTicks())) {
            transfer = null; // thesis §3.10: the target did not take over within an election timeout
        }
        if (electionElapsedTicks >= options.electionTimeoutTicks()) {
            electionElapsedTicks = 0;
            if (!hasQuorumOfActiveFollowers()) {
                // CheckQuorum (thesis §6.2): a leader cut off from a majority steps down rather than linger.
                becomeFollower(term, null);
                return;
            }
        }
        for (Progress progress : followers.values()) {
            // A snapshot transfer lost without a failure report is given up after an election timeout (§7).
            progress.snapshotStalled(options.electionTimeoutTicks());
        }
        if (++heartbeatElapsedTicks >= options.heartbeatIntervalTicks()) {
            heartbeatElapsedTicks = 0;
            for (Progress progress : followers.values()) {
                progress.heartbeatIntervalElapsed(log.lastIndex());
            }
            broadcastHeartbeat();
            maybeSendTimeoutNow();
        }
    }

    /** Starts an election now, as if the election timeout had passed (tests and operators). */
    public void campaign() {
        if (role != Role.LEADER && configuration.isVoter(id)) {
            becomePreCandidate();
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
        if (message instanceof RequestVoteResponse response && response.preVote()) {
            handlePreVoteResponse(response);
            return;
        }
        if (message.term() > term) {
            if (!adoptHigherTerm(message)) {
                return;
            }
        } else if (message.term() < term) {
            answerStaleMessage(message);
            return;
        }
        switch (message) {
            case RequestVote request -> handleRequestVote(request);
            case RequestVoteResponse response -> handleVoteResponse(response);
            case AppendEntries append -> handleAppendEntries(append);
            case AppendEntriesResponse response -> handleAppendEntriesResponse(response);
            case Heartbeat heartbeat -> handleHeartbeat(heartbeat);
            case HeartbeatResponse response -> handleHeartbeatResponse(response);
            case TimeoutNow timeoutNow -> handleTimeoutNow(timeoutNow);
            case InstallSnapshot install -> handleInstallSnapshot(install);
            case InstallSnapshotResponse response -> handleInstallSnapshotResponse(response);
        }
    }

    /**
     * A message from a higher term (§5.1: a server that sees a higher term adopts it and becomes a follower).
     * Returns false if the message is to be dropped instead.
     */
    private boolean adoptHigherTerm(RaftMessage message) {
        if (message instanceof RequestVote request) {
            if (inLeaderLease() && !request.leadershipTransfer()) {
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

    /**
     * A message from an older term. A deposed leader or a lagging pre-candidate is told the current term so it
     * catches up; with Pre-Vote and CheckQuorum it might otherwise never hear of it (thesis §9.6).
     */
    private void answerStaleMessage(RaftMessage message) {
        switch (message) {
            case AppendEntries append -> send(new HeartbeatResponse(id, append.from(), term, 0));
            case Heartbeat heartbeat -> send(new HeartbeatResponse(id, heartbeat.from(), term, 0));
            case InstallSnapshot install -> send(new InstallSnapshotResponse(id, install.from(), term, 0, false));
            case RequestVote request when request.preVote() ->
                    send(new RequestVoteResponse(id, request.from(), term, false, true));
            default -> {
                // Stale answers to our own old requests carry nothing we still need.
            }
        }
    }

    private boolean inLeaderLease() {
        return leader != null && electionElapsedTicks < options.electionTimeoutTicks();
    }

    // ---------------------------------------------------------------- elections (§5.2, thesis §9.6)

    private void becomeFollower(long newTerm, NodeId newLeader) {
        Invariants.check(newTerm >= term, "term went backwards from " + term + " to " + newTerm);
        if (role == Role.LEADER) {
            followers.clear();
            uncommittedEntries.clear();
            uncommittedBytes = 0;
            transfer = null;
        }
        reads.rejectAll(newLeader, readResults);
        if (newTerm > term) {
            term = newTerm;
            votedFor = null;
        }
        role = Role.FOLLOWER;
        leader = newLeader;
        resetElectionTimer();
    }

    private void becomePreCandidate() {
        startElection(Role.PRE_CANDIDATE, false);
    }

    /** @param leadershipTransfer true when the leader asked for this election with TimeoutNow (thesis §3.10) */
    private void becomeCandidate(boolean leadershipTransfer) {
        term++;
        votedFor = id;
        startElection(Role.CANDIDATE, leadershipTransfer);
    }

    /** Votes for itself and asks every other voter; a lone voter wins at once. */
    private void startElection(Role electionRole, boolean leadershipTransfer) {
        role = electionRole;
        leader = null;
        resetElectionTimer();
        votesGranted.clear();
        votesRefused.clear();
        votesGranted.add(id);
        if (configuration.hasQuorum(votesGranted)) {
            electionWon();
            return;
        }
        boolean preVote = electionRole == Role.PRE_CANDIDATE;
        for (NodeId voter : otherVoters()) {
            RequestVote request = new RequestVote(id, voter, preVote ? term + 1 : term, log.lastIndex(),
                    log.lastTerm(), preVote, leadershipTransfer);
            if (preVote) {
                send(request);
            } else {
                // Sent only once our new term and self-vote are durable: a candidate that forgot them on a
                // crash could otherwise vote again in the same term.
                sendWhenDurable(request);
            }
        }
    }

    private void electionWon() {
        if (role == Role.PRE_CANDIDATE) {
            becomeCandidate(false);
        } else {
            becomeLeader();
        }
    }

    private void handleRequestVote(RequestVote request) {
        boolean canVote = Objects.equals(votedFor, request.from())
                || (votedFor == null && leader == null)
                || (request.preVote() && request.term() > term);
        // §5.4.1: vote only for a candidate whose log is at least as up-to-date as ours.
        boolean grant = canVote && log.isUpToDate(request.lastLogIndex(), request.lastLogTerm());
        if (request.preVote()) {
            send(new RequestVoteResponse(id, request.from(), grant ? request.term() : term, grant, true));
            return;
        }
        if (grant) {
            votedFor = request.from(); // §5.2: at most one vote per term, durable before the answer leaves
            resetElectionTimer();
        }
        sendWhenDurable(new RequestVoteResponse(id, request.from(), term, grant, false));
    }

    private void handlePreVoteResponse(RequestVoteResponse response) {
        if (!response.granted() && response.term() > term) {
            becomeFollower(response.term(), null);
            return;
        }
        boolean answersThisRound = response.granted() ? response.term() == term + 1 : response.term() <= term;
        if (role == Role.PRE_CANDIDATE && answersThisRound) {
            countVote(response.from(), response.granted());
        }
    }

    private void handleVoteResponse(RequestVoteResponse response) {
        if (role == Role.CANDIDATE) {
            countVote(response.from(), response.granted());
        }
    }

    private void countVote(NodeId voter, boolean granted) {
        (granted ? votesGranted : votesRefused).add(voter);
        if (configuration.hasQuorum(votesGranted)) {
            electionWon();
        } else if (isElectionLost()) {
            becomeFollower(term, null);
        }
    }

    private boolean isElectionLost() {
        return Quorum.isLost(configuration.voters(), votesRefused)
                || (configuration.isJoint() && Quorum.isLost(configuration.outgoingVoters(), votesRefused));
    }

    private void becomeLeader() {
        role = Role.LEADER;
        leader = id;
        electionElapsedTicks = 0;
        heartbeatElapsedTicks = 0;
        followers.clear();
        trackMembers();
        // §8 / thesis §6.4: a no-op of the new term lets the leader learn what is committed, and lets it
        // commit earlier terms' entries by Figure 8's rule.
        appendAsLeader(List.of(LogEntry.noOp(term, log.lastIndex() + 1)));
    }

    private void resetElectionTimer() {
        electionElapsedTicks = 0;
        int timeout = options.electionTimeoutTicks();
        randomizedElectionTimeoutTicks = timeout + random.nextInt(timeout);
    }

    private List<NodeId> otherVoters() {
        List<NodeId> others = new ArrayList<>();
        for (NodeId member : configuration.members()) {
            if (configuration.isVoter(member) && !member.equals(id)) {
                others.add(member);
            }
        }
        return others;
    }

    // ---------------------------------------------------------------- replication, follower side (§5.3)

    private void handleAppendEntries(AppendEntries append) {
        followLeader(append.from());
        if (append.prevLogIndex() < log.committed()) {
            // Everything up to our commit index already agrees with every leader (§5.4): say where we are.
            sendWhenDurable(AppendEntriesResponse.accepted(id, append.from(), term, log.committed()));
            return;
        }
        if (!log.matchesTerm(append.prevLogIndex(), append.prevLogTerm())) {
            send(rejection(append));
            return;
        }
        appendNewEntries(append.entries());
        long lastNewIndex = append.lastIndex();
        // §5.3: commit up to the leader's commit index, but no further than what this message proved we hold.
        log.commitTo(Math.min(append.leaderCommit(), lastNewIndex));
        sendWhenDurable(AppendEntriesResponse.accepted(id, append.from(), term, lastNewIndex));
    }

    private void followLeader(NodeId from) {
        Invariants.check(role != Role.LEADER, "two leaders in term " + term + ": " + id + " and " + from);
        if (role != Role.FOLLOWER || !from.equals(leader)) {
            becomeFollower(term, from);
        }
        electionElapsedTicks = 0;
    }

    /** Appends the entries we lack, truncating from the first one that conflicts with ours (§5.3 step 3). */
    private void appendNewEntries(List<LogEntry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            LogEntry entry = entries.get(i);
            if (!log.matchesTerm(entry.index(), entry.term())) {
                appendToLog(entries.subList(i, entries.size()));
                return;
            }
        }
    }

    /** A refusal with a hint that lets the leader skip a whole term of entries per round trip (§5.3, end). */
    private AppendEntriesResponse rejection(AppendEntries append) {
        long prevIndex = append.prevLogIndex();
        if (prevIndex > log.lastIndex()) {
            return AppendEntriesResponse.rejected(id, append.from(), term, prevIndex, 0, log.lastIndex() + 1);
        }
        long conflictTerm = log.term(prevIndex);
        long conflictIndex = log.firstIndexOfTermAt(prevIndex, log.committed() + 1);
        return AppendEntriesResponse.rejected(id, append.from(), term, prevIndex, conflictTerm, conflictIndex);
    }

    private void handleHeartbeat(Heartbeat heartbeat) {
        followLeader(heartbeat.from());
        // The leader caps the commit index at what it knows we hold, so it is safe to adopt.
        log.commitTo(Math.min(heartbeat.commitIndex(), log.lastIndex()));
        send(new HeartbeatResponse(id, heartbeat.from(), term, heartbeat.readRound()));
    }

    // ---------------------------------------------------------------- replication, leader side (§5.3, §5.4)

    private void appendAsLeader(List<LogEntry> entries) {
        appendToLog(entries);
        for (LogEntry entry : entries) {
            uncommittedEntries.addLast(new long[] {entry.index(), entry.sizeBytes()});
            uncommittedBytes += entry.sizeBytes();
        }
        for (Map.Entry<NodeId, Progress> follower : followers.entrySet()) {
            sendAppend(follower.getKey(), follower.getValue());
        }
        maybeCommit();
    }

    /** Sends the follower what it lacks, as far as its progress state and window allow. */
    private void sendAppend(NodeId to, Progress progress) {
        if (progress.state() == Progress.State.SNAPSHOT) {
            return; // nothing else goes to a follower until its snapshot is answered or given up (§7)
        }
        do {
            if (progress.nextIndex() < log.firstIndex()) {
                sendSnapshot(to, progress);
                return;
            }
            long prevIndex = progress.nextIndex() - 1;
            List<LogEntry> entries = progress.nextIndex() <= log.lastIndex()
                    ? log.entries(progress.nextIndex(), log.lastIndex() + 1, options.maxBatchBytes())
                    : List.of();
            send(new AppendEntries(id, to, term, prevIndex, log.term(prevIndex), entries, log.committed()));
            if (entries.isEmpty()) {
                progress.sentProbe();
                return;
            }
            long bytes = 0;
            for (LogEntry entry : entries) {
                bytes += entry.sizeBytes();
            }
            progress.sentEntries(entries.get(entries.size() - 1).index(), bytes);
        } while (!progress.isPaused() && progress.nextIndex() <= log.lastIndex());
    }

    private void sendAppendIfUnpaused(NodeId to, Progress progress) {
        if (!progress.isPaused() && progress.nextIndex() <= log.lastIndex()) {
            sendAppend(to, progress);
        }
    }

    /**
     * The progress of the follower that sent an answer to this leader, marked active for CheckQuorum; null if
     * this node no longer leads or the sender is not a member it replicates to.
     */
    private Progress answeringFollower(RaftMessage response) {
        Progress progress = role == Role.LEADER ? followers.get(response.from()) : null;
        if (progress != null) {
            progress.markActive();
        }
        return progress;
    }

    private void handleAppendEntriesResponse(AppendEntriesResponse response) {
        Progress progress = answeringFollower(response);
        if (progress == null) {
            return;
        }
        if (response.success()) {
            Invariants.check(response.matchIndex() <= log.lastIndex(),
                    response.from() + " acknowledged " + response.matchIndex() + " beyond our last index");
            if (progress.acknowledge(response.matchIndex())) {
                maybeCommit();
                if (role != Role.LEADER) {
                    return; // the commit took effect as a C_new without us: we stepped down (§6)
                }
            }
            if (transfer != null && transfer.target().equals(response.from())) {
                maybeSendTimeoutNow();
            }
            sendAppendIfUnpaused(response.from(), progress);
        } else if (progress.rejected(response.rejectedIndex(), nextIndexAfterRejection(response))) {
            sendAppend(response.from(), progress);
        }
    }

    /**
     * Where to probe next after a rejection. If we hold entries of the follower's conflicting term, the logs
     * may agree up to our last entry of that term; otherwise the follower's whole run of that term is suspect.
     */
    private long nextIndexAfterRejection(AppendEntriesResponse response) {
        if (response.conflictTerm() == 0) {
            return response.conflictIndex();
        }
        long ourLast = log.lastIndexOfTerm(response.conflictTerm(), response.rejectedIndex());
        return ourLast > 0 ? ourLast + 1 : response.conflictIndex();
    }

    private void handleHeartbeatResponse(HeartbeatResponse response) {
        Progress progress = answeringFollower(response);
        if (progress == null) {
            return;
        }
        if (response.readRound() > 0 && configuration.isVoter(response.from())) {
            reads.acknowledge(response.from(), response.readRound(), configuration, readResults);
        }
        // A follower behind us that made no progress for a heartbeat interval may have lost a message: retry.
        if (progress.heardHeartbeatResponse(log.lastIndex())) {
            sendAppend(response.from(), progress);
        }
    }

    private void broadcastHeartbeat() {
        for (Map.Entry<NodeId, Progress> follower : followers.entrySet()) {
            long commit = Math.min(follower.getValue().matchIndex(), log.committed());
            send(new Heartbeat(id, follower.getKey(), term, commit, reads.latestRound()));
        }
    }

    /**
     * Advances the commit index to the highest index held by a quorum, counting this leader only for what it
     * has made durable. Only an entry of the current term is committed by counting replicas (§5.4.2, Figure 8);
     * earlier entries commit with it.
     */
    private void maybeCommit() {
        long quorumIndex = configuration.quorumIndex(
                member -> member.equals(id) ? log.durableLastIndex() : matchIndexOf(member));
        if (quorumIndex > log.committed() && log.term(quorumIndex) == term && log.commitTo(quorumIndex)) {
            releaseCommittedProposals();
            configurationCommitted();
        }
    }

    private long matchIndexOf(NodeId member) {
        Progress progress = followers.get(member);
        return progress == null ? 0 : progress.matchIndex();
    }

    private void releaseCommittedProposals() {
        while (!uncommittedEntries.isEmpty() && uncommittedEntries.peekFirst()[0] <= log.committed()) {
            uncommittedBytes -= uncommittedEntries.pollFirst()[1];
        }
    }

    private boolean hasQuorumOfActiveFollowers() {
        Set<NodeId> active = new HashSet<>();
        active.add(id);
        for (Map.Entry<NodeId, Progress> follower : followers.entrySet()) {
            if (follower.getValue().recentlyActive()) {
                active.add(follower.getKey());
            }
            follower.getValue().resetActive();
        }
        return configuration.hasQuorum(active);
    }

    // ---------------------------------------------------------------- snapshots and compaction (§7)

    /** The follower needs entries this leader has compacted away: it is sent the snapshot that replaced them. */
    private void sendSnapshot(NodeId to, Progress progress) {
        SnapshotMetadata snapshot = log.snapshot();
        Invariants.check(snapshot.lastIncludedIndex() > 0, "entry " + progress.nextIndex() + " for " + to
                + " is below the first index " + log.firstIndex() + " without a snapshot covering it");
        progress.becomeSnapshot(snapshot.lastIncludedIndex());
        send(new InstallSnapshot(id, to, term, snapshot));
    }

    /**
     * §7, receiver: a snapshot at or below the commit index adds nothing, so the answer says how far this log
     * already agrees; otherwise the log keeps the entries after the snapshot's last one if it holds that entry
     * with the same term, and is discarded if not. The answer leaves once the new base is durable.
     */
    private void handleInstallSnapshot(InstallSnapshot install) {
        followLeader(install.from());
        SnapshotMetadata snapshot = install.snapshot();
        if (snapshot.lastIncludedIndex() <= log.committed()) {
            sendWhenDurable(new InstallSnapshotResponse(id, install.from(), term, log.committed(), false));
            return;
        }
        log.installSnapshot(snapshot);
        configurations.snapshotInstalled(snapshot);
        if (log.lastIndex() == snapshot.lastIncludedIndex()) {
            configurations.truncatedFrom(snapshot.lastIncludedIndex() + 1); // the log was discarded (§7)
        }
        configurationsChanged();
        Invariants.check(log.committed() == snapshot.lastIncludedIndex() && log.firstIndex() == log.committed() + 1,
                "after installing the snapshot at " + snapshot.lastIncludedIndex() + ": commit " + log.committed()
                        + ", first index " + log.firstIndex());
        sendWhenDurable(new InstallSnapshotResponse(id, install.from(), term, snapshot.lastIncludedIndex(), true));
    }

    private void handleInstallSnapshotResponse(InstallSnapshotResponse response) {
        Progress progress = answeringFollower(response);
        if (progress == null) {
            return;
        }
        Invariants.check(response.matchIndex() <= log.lastIndex(),
                response.from() + " holds " + response.matchIndex() + " beyond our last index " + log.lastIndex());
        if (progress.snapshotAnswered(response.matchIndex())) {
            maybeCommit();
        }
        sendAppendIfUnpaused(response.from(), progress);
    }

    /**
     * The leader's runtime could not transfer the snapshot to {@code follower}: it goes back to probing, and
     * is sent a snapshot again if it still needs one. Ignored if this node no longer leads.
     */
    public void reportSnapshotFailed(NodeId follower) {
        Progress progress = role == Role.LEADER ? followers.get(follower) : null;
        if (progress != null) {
            progress.snapshotFailed();
        }
    }

    /**
     * What a snapshot of the state machine as of applied index {@code index} records: the term of that entry and
     * the configuration in force there.
     *
     * @throws IllegalArgumentException if {@code index} is not an applied index still held in the log
     */
    public SnapshotMetadata snapshotMetadataAt(long index) {
        if (index < 1 || index > log.applied() || index < log.firstIndex() - 1) {
            throw new IllegalArgumentException("no snapshot can be taken at index " + index + ": the applied index is "
                    + log.applied() + " and the log starts after " + (log.firstIndex() - 1));
        }
        return new SnapshotMetadata(index, log.term(index), configurations.at(index));
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
        long index = snapshot.lastIncludedIndex();
        if (index <= log.snapshot().lastIncludedIndex()) {
            return;
        }
        if (index > log.applied()) {
            throw new IllegalArgumentException("cannot compact to " + index + ": only " + log.applied()
                    + " is applied, and a snapshot holds applied state only");
        }
        if (log.term(index) != snapshot.lastIncludedTerm()) {
            throw new IllegalArgumentException("cannot compact to " + index + "/t" + snapshot.lastIncludedTerm()
                    + ": the log holds a term-" + log.term(index) + " entry there");
        }
        log.compact(snapshot);
        configurations.compactedTo(index);
    }

    // ---------------------------------------------------------------- client requests

    /** Proposes one command; see {@link #propose(List)}. */
    public ProposeResult propose(byte[] command) {
        return propose(List.of(command));
    }

    /**
     * Proposes commands as consecutive log entries, on the leader only. A rejected proposal was appended
     * nowhere; an accepted one takes effect only if its entry commits (see {@link ProposeResult.Accepted}).
     */
    public ProposeResult propose(List<byte[]> commands) {
        if (role != Role.LEADER) {
            return new ProposeResult.Rejected(ProposeResult.Reason.NOT_LEADER, leader);
        }
        if (transfer != null) {
            return new ProposeResult.Rejected(ProposeResult.Reason.TRANSFERRING_LEADERSHIP, id);
        }
        long bytes = 0;
        for (byte[] command : commands) {
            bytes += command.length + LogEntry.OVERHEAD_BYTES;
        }
        if (uncommittedBytes > 0 && uncommittedBytes + bytes > options.maxUncommittedBytes()) {
            return new ProposeResult.Rejected(ProposeResult.Reason.TOO_MANY_UNCOMMITTED, id);
        }
        long firstIndex = log.lastIndex() + 1;
        List<LogEntry> entries = new ArrayList<>(commands.size());
        for (byte[] command : commands) {
            entries.add(LogEntry.command(term, firstIndex + entries.size(), command));
        }
        appendAsLeader(entries);
        return new ProposeResult.Accepted(term, firstIndex);
    }

    /**
     * Asks for a linearizable read point (thesis §6.4). The outcome arrives in a later {@link Ready#reads()}:
     * confirmed with a read index once a quorum has acknowledged this leader after the request, or rejected.
     */
    public void readIndex(long requestId) {
        if (role != Role.LEADER) {
            readResults.add(new ReadResult.Rejected(requestId, leader));
            return;
        }
        reads.enqueue(requestId);
    }

    /**
     * Starts a confirmation round for the reads waiting, once this leader has committed an entry of its own
     * term: before that, its commit index may lag what earlier leaders committed (thesis §6.4 step 1).
     */
    private void startReadRound() {
        if (role != Role.LEADER || !reads.hasWaiting() || log.term(log.committed()) != term) {
            return;
        }
        reads.startRound(log.committed(), id);
        reads.confirmReady(configuration, readResults);
        broadcastHeartbeat();
    }

    // ---------------------------------------------------------------- membership (§6, thesis §4) and transfer

    /**
     * Proposes a change of membership, on the leader only. Learner-only changes are one configuration entry;
     * changes of the voter set go by joint consensus (Raft paper §6): C_old,new now, and C_new appended by this
     * leader once C_old,new is committed. Accepted gives the index of the first configuration entry; the change
     * is done once the configuration in force is committed and not joint.
     */
    public ProposeResult proposeConfigurationChange(ConfigurationChange change) {
        Objects.requireNonNull(change, "change");
        if (role != Role.LEADER) {
            return new ProposeResult.Rejected(ProposeResult.Reason.NOT_LEADER, leader);
        }
        if (transfer != null) {
            return new ProposeResult.Rejected(ProposeResult.Reason.TRANSFERRING_LEADERSHIP, id);
        }
        // §6: one change at a time. A leader that has not committed an entry of its term may not know whether
        // the configuration in its log is committed, so it waits for its no-op (thesis §4.1, last paragraph).
        if (configuration.isJoint() || configurations.currentIndex() > log.committed()
                || log.term(log.committed()) != term) {
            return new ProposeResult.Rejected(ProposeResult.Reason.CHANGE_IN_PROGRESS, id);
        }
        ProposeResult.Reason refusal = ConfigurationChanges.refusal(change, configuration,
                matchIndexOf(change.node()), log.lastIndex(), options.maxLearnerLagEntries());
        if (refusal != null) {
            return new ProposeResult.Rejected(refusal, id);
        }
        long index = appendConfiguration(ConfigurationChanges.firstStep(change, configuration));
        return new ProposeResult.Accepted(term, index);
    }

    /**
     * Hands leadership to {@code target}, a voter (thesis §3.10): proposals are refused while the leader brings
     * the target's log up to date and then sends it TimeoutNow; the transfer is abandoned after an election
     * timeout. Accepted gives the leader's last index when the transfer started.
     */
    public ProposeResult transferLeadership(NodeId target) {
        Objects.requireNonNull(target, "target");
        if (role != Role.LEADER) {
            return new ProposeResult.Rejected(ProposeResult.Reason.NOT_LEADER, leader);
        }
        if (target.equals(id)) {
            return new ProposeResult.Accepted(term, log.lastIndex()); // already leading: nothing to hand over
        }
        if (!configuration.voters().contains(target)) {
            // Only a voter of the configuration being moved to can win an election and keep leading.
            return new ProposeResult.Rejected(ProposeResult.Reason.UNKNOWN_MEMBER, id);
        }
        if (transfer != null) {
            return transfer.target().equals(target) ? new ProposeResult.Accepted(term, log.lastIndex())
                    : new ProposeResult.Rejected(ProposeResult.Reason.TRANSFERRING_LEADERSHIP, id);
        }
        transfer = new LeadershipTransfer(target);
        Progress progress = followers.get(target);
        if (LeadershipTransfer.caughtUp(progress, log.lastIndex())) {
            maybeSendTimeoutNow();
        } else {
            sendAppendIfUnpaused(target, progress);
        }
        return new ProposeResult.Accepted(term, log.lastIndex());
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

    /** Appends entries to the log; configuration entries among them take effect at once (§6), and replaced ones revert. */
    private void appendToLog(List<LogEntry> entries) {
        log.append(entries);
        configurations.appended(entries);
        configurationsChanged();
    }

    /**
     * To be called after every change of {@link #configurations} (appends, truncations, compaction, an installed
     * snapshot): the configuration in force and the leader's follower map follow it.
     */
    private void configurationsChanged() {
        ClusterConfiguration current = configurations.current();
        boolean changed = current != configuration; // the history hands out the same instance until it changes
        configuration = current;
        if (role == Role.LEADER && changed) {
            trackMembers();
        }
    }

    /** Appends a configuration entry as leader; returns its index. */
    private long appendConfiguration(ClusterConfiguration next) {
        Invariants.check(configurations.currentIndex() <= log.committed(), "a configuration entry appended while "
                + "the one at " + configurations.currentIndex() + " is uncommitted (commit " + log.committed() + ")");
        long index = log.lastIndex() + 1;
        appendAsLeader(List.of(ConfigurationChanges.entry(term, index, next)));
        return index;
    }

    /** The leader replicates to exactly the members of the configuration in force, itself excepted. */
    private void trackMembers() {
        followers.keySet().removeIf(member -> !configuration.isMember(member));
        for (NodeId member : configuration.members()) {
            if (!member.equals(id) && !followers.containsKey(member)) {
                Progress progress = new Progress(log.lastIndex() + 1, options.maxInflightMessages(),
                        options.maxInflightBytes());
                progress.markActive(); // a newcomer gets one election timeout before CheckQuorum counts it out
                followers.put(member, progress);
            }
        }
        if (transfer != null && !configuration.voters().contains(transfer.target())) {
            transfer = null;
        }
    }

    /**
     * The commit index advanced on this leader. Once the configuration in force is committed: a joint one is
     * followed by C_new (§6); a C_new that leaves this leader out makes it step down, having managed the cluster
     * until then without counting itself in C_new's majorities (§6, thesis §4.2.2).
     */
    private void configurationCommitted() {
        if (role != Role.LEADER || configurations.currentIndex() > log.committed()) {
            return;
        }
        if (configuration.isJoint()) {
            appendConfiguration(ConfigurationChanges.leaveJoint(configuration));
        } else if (!configuration.isVoter(id)) {
            becomeFollower(term, null);
        }
    }

    private void maybeSendTimeoutNow() {
        Progress progress = transfer == null ? null : followers.get(transfer.target());
        if (progress != null && LeadershipTransfer.caughtUp(progress, log.lastIndex())) {
            send(new TimeoutNow(id, transfer.target(), term));
        }
    }

    /** Thesis §3.10: the leader says our log is up to date; campaign now, without Pre-Vote, past stickiness. */
    private void handleTimeoutNow(TimeoutNow timeoutNow) {
        if (role != Role.LEADER && configuration.isVoter(id)) {
            becomeCandidate(true);
        }
    }

    // ---------------------------------------------------------------- output and the runtime's reports

    public boolean hasReady() {
        return !outbox.isEmpty() || log.hasSnapshotToRestore() || !readResults.isEmpty() || log.hasEntriesToApply()
                || log.hasUnpersisted() || durability.hardStateChanged(hardState())
                || durability.hasMessagesToRelease()
                || (role == Role.LEADER && reads.hasWaiting() && log.term(log.committed()) == term);
    }

    /** Takes everything the runtime must do now; see {@link Ready}. */
    public Ready ready() {
        startReadRound();
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
            maybeCommit();
        }
    }

    /** The state machine has applied every committed entry up to {@code index}. */
    public void applied(long index) {
        log.appliedTo(index);
    }

    private HardState hardState() {
        return new HardState(term, votedFor, log.committed());
    }

    private void send(RaftMessage message) {
        outbox.add(message);
    }

    private void sendWhenDurable(RaftMessage message) {
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
