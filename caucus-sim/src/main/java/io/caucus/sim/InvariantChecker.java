package io.caucus.sim;

import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Persist;
import io.caucus.core.Role;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.RequestVoteResponse;
import io.caucus.sim.kv.KvSnapshot;
import io.caucus.sim.kv.KvReplica;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The safety properties of Raft (paper Figure 3) plus the runtime contract, checked as the simulation runs
 * so that a violation stops the run at the event that caused it. Each check is incremental: the cost per
 * event does not grow with the length of the run, except once per new leader (Leader Completeness).
 *
 * <p>With compaction, a log's prefix lives on only as a snapshot of the state machine. A reference state machine
 * applies the committed entries in order, keeping a fingerprint of its state at every index, so that every
 * snapshot taken, sent or restored is checked against the state at its index (State Machine Safety for
 * snapshots); the checks on logs then skip the prefix a log's snapshot covers.
 */
final class InvariantChecker {

    /** Raised by a check; the simulation turns it into a {@link SimulationFailure} with seed and trace. */
    interface Failer {
        void fail(String invariant, String detail);
    }

    private record IndexTerm(long index, long term) {
    }

    /** The first entry seen at an (index, term), and the term of the entry before it in that log. */
    private record Registered(LogEntry entry, long previousTerm) {
    }

    /** An entry known committed, and an upper bound of the term it was committed in. */
    private record Committed(LogEntry entry, long commitTermBound) {
    }

    /** What a leader's log looked like when last checked, for Leader Append-Only. */
    private record LeaderWatch(long term, long lastIndex, LogEntry lastEntry) {
    }

    private record VoteKey(NodeId voter, long term) {
    }

    /** Per node, per incarnation: progress that may only grow. */
    private static final class Progress {
        long term;
        long commitIndex;
        long appliedIndex;
        LeaderWatch leaderWatch;
    }

    private final Failer failer;
    private final Map<Long, NodeId> leaderOfTerm = new HashMap<>();
    private final Map<VoteKey, NodeId> voteOf = new HashMap<>();
    private final AcknowledgedEntries acknowledgements;
    private final Map<IndexTerm, Registered> entries = new HashMap<>();
    private final List<Committed> committed = new ArrayList<>();
    private final Map<NodeId, Progress> progress = new HashMap<>();
    private final Map<NodeId, Long> durableTerms = new HashMap<>();
    /** Per node, the snapshot index its durable log's base has reached: a restart may not start below it. */
    private final Map<NodeId, Long> durableBases = new HashMap<>();
    /** Applies every committed entry once, in order; {@code stateFingerprints[i - 1]} fingerprints its state at i. */
    private final KvReplica reference = new KvReplica();
    private final List<String> stateFingerprints = new ArrayList<>();
    private long highestTermSeen;
    private long checks;
    /** The membership invariants, or null where a test checks without them. */
    private ConfigurationInvariants configurations;

    InvariantChecker(Failer failer) {
        this.failer = failer;
        this.acknowledgements = new AcknowledgedEntries(failer);
    }

    /** Also checks the invariants of membership changes (see {@link ConfigurationInvariants}). */
    void checkConfigurations(ConfigurationInvariants invariants) {
        this.configurations = invariants;
    }

    /** Configuration entries known committed so far (0 without configuration checks). */
    long configurationEntriesCommitted() {
        return configurations == null ? 0 : configurations.configurationEntriesCommitted();
    }

    long checks() {
        return checks;
    }

    /** The entry known committed at {@code index} (applied somewhere), or null. */
    LogEntry committedAt(long index) {
        return index >= 1 && index <= committed.size() ? committed.get((int) index - 1).entry() : null;
    }

    long highestCommittedIndex() {
        return committed.size();
    }

    void onStarted(SimNode node) {
        // A term reached in memory but never made durable is legitimately forgotten by a crash (nothing that
        // depends on it was sent); the durable term is the floor.
        Progress fresh = new Progress();
        fresh.term = node.disk().hardState().term();
        progress.put(node.id(), fresh);
        long base = node.disk().log().snapshot().lastIncludedIndex();
        long durableBase = durableBases.getOrDefault(node.id(), 0L);
        if (base < durableBase) {
            failer.fail("Snapshot base survives restarts", node + " restarted from a log based at " + base
                    + " after its base " + durableBase + " was durable: its state went backwards");
        }
        durableBases.put(node.id(), base);
        if (node.status().commitIndex() < base || node.status().appliedIndex() < base) {
            failer.fail("Restart from snapshot", node + " restarted from snapshot " + base + " with commit "
                    + node.status().commitIndex() + " and applied " + node.status().appliedIndex());
        }
    }

    /** One vote per term per voter, across restarts (paper §5.2, and durability of votedFor). */
    void onSent(RaftMessage message) {
        switch (message) {
            case RequestVoteResponse vote when vote.granted() && !vote.preVote() -> {
                NodeId earlier = voteOf.putIfAbsent(new VoteKey(vote.from(), vote.term()), vote.to());
                if (earlier != null && !earlier.equals(vote.to())) {
                    failer.fail("One vote per term", vote.from() + " granted its term-" + vote.term()
                            + " vote to " + earlier + " and then to " + vote.to());
                }
            }
            case InstallSnapshot install -> checkSnapshotIsCommitted(install.from(), "sent", install.snapshot());
            case AppendEntriesResponse response -> acknowledgements.onSent(response);
            case AppendEntries append -> {
                long previousTerm = append.prevLogTerm();
                for (LogEntry entry : append.entries()) {
                    register(append.from(), entry, previousTerm);
                    previousTerm = entry.term();
                }
            }
            default -> {
                // other messages carry no state the invariants constrain
            }
        }
    }

    /**
     * Log Matching on durable logs, and the hard state's commit index bound (HardState's contract).
     * {@code termBeforeFirst} is the term of the entry before the persist's first one, as the log stood when the
     * persist was written: with the real storage engine, later persists are already written (not yet durable)
     * when this one completes, and may have replaced that entry since.
     */
    void onPersisted(SimNode node, Persist persist, long termBeforeFirst) {
        LogView log = node.disk().log();
        durableBases.merge(node.id(), log.snapshot().lastIncludedIndex(), Math::max);
        long previousTerm = termBeforeFirst;
        for (LogEntry entry : persist.entries()) {
            register(node.id(), entry, previousTerm);
            previousTerm = entry.term();
        }
        Long durableTerm = durableTerms.get(node.id());
        if (persist.hardState() != null && durableTerm != null && persist.hardState().term() < durableTerm) {
            failer.fail("Monotonic durable term", node + " persisted term " + persist.hardState().term()
                    + " after term " + durableTerm);
        }
        if (persist.hardState() != null) {
            durableTerms.put(node.id(), persist.hardState().term());
        }
        if (persist.hardState() != null && persist.hardState().commitIndex() > log.lastIndex()) {
            failer.fail("Durable commit index within durable log", node + " persisted commit index "
                    + persist.hardState().commitIndex() + " but its durable log ends at " + log.lastIndex());
        }
    }

    /**
     * Log Matching (paper §5.3): entries with the same index and term are identical, and so are the entries
     * before them; by induction over the previous term, equal (index, term) means equal prefixes.
     */
    private void register(NodeId holder, LogEntry entry, long previousTerm) {
        IndexTerm key = new IndexTerm(entry.index(), entry.term());
        Registered first = entries.putIfAbsent(key, new Registered(entry, previousTerm));
        if (first != null && (!first.entry().equals(entry) || first.previousTerm() != previousTerm)) {
            failer.fail("Log Matching", holder + " holds " + entry + " after a term-" + previousTerm
                    + " entry, but " + first.entry() + " after a term-" + first.previousTerm()
                    + " entry was seen at the same index and term");
        }
    }

    /** State Machine Safety (paper §5.4.3): no two nodes apply different entries at one index. */
    void onApplied(SimNode node, LogEntry entry) {
        long index = entry.index();
        if (index <= committed.size()) {
            LogEntry earlier = committed.get((int) index - 1).entry();
            if (!earlier.equals(entry)) {
                failer.fail("State Machine Safety", node + " applied " + entry + " but " + earlier
                        + " was applied at that index elsewhere");
            }
        } else if (index == committed.size() + 1) {
            // Committed by a leader whose term is at most the highest term any node has reached by now.
            committed.add(new Committed(entry, highestTermSeen));
            if (configurations != null) {
                configurations.onCommitted(entry, highestTermSeen);
            }
            reference.apply(entry);
            stateFingerprints.add(reference.fingerprint());
        } else {
            failer.fail("Apply order", node + " applied " + entry + " while only " + committed.size()
                    + " entries are known committed: an entry below it was skipped");
        }
    }

    /** A node snapshotted its state machine: the snapshot must describe the committed state at its index. */
    void onSnapshotTaken(SimNode node, SnapshotMetadata snapshot, KvSnapshot state) {
        checkSnapshotState(node.id(), "took", snapshot, state);
    }

    /** A node's state machine was loaded from a snapshot (at the core's request, or at a restart). */
    void onRestored(SimNode node, SnapshotMetadata snapshot, KvSnapshot state) {
        checkSnapshotState(node.id(), "restored", snapshot, state);
        Progress p = progress.get(node.id());
        if (p != null && snapshot.lastIncludedIndex() < p.appliedIndex) {
            failer.fail("Monotonic apply", node + " restored snapshot " + snapshot.lastIncludedIndex()
                    + " after applying " + p.appliedIndex + ": its state went backwards");
        }
    }

    private void checkSnapshotState(NodeId holder, String what, SnapshotMetadata snapshot, KvSnapshot state) {
        checkSnapshotIsCommitted(holder, what, snapshot);
        long index = snapshot.lastIncludedIndex();
        if (state.appliedIndex() != index || !state.fingerprint().equals(stateFingerprints.get((int) index - 1))) {
            failer.fail("State Machine Safety (snapshot)", holder + " " + what + " a snapshot at " + index
                    + " whose state " + state + " is not the state the committed entries up to " + index + " produce");
        }
    }

    /** A snapshot holds committed state only (§7): its last entry is the committed entry at its index. */
    private void checkSnapshotIsCommitted(NodeId holder, String what, SnapshotMetadata snapshot) {
        long index = snapshot.lastIncludedIndex();
        if (index > committed.size() || committed.get((int) index - 1).entry().term() != snapshot.lastIncludedTerm()) {
            failer.fail("Snapshot of committed entries", holder + " " + what + " snapshot " + index + "/t"
                    + snapshot.lastIncludedTerm() + ", but " + (index > committed.size()
                    ? "only " + committed.size() + " entries are known committed"
                    : "the committed entry there is " + committed.get((int) index - 1).entry()));
        }
    }

    /** The checks on a node's state after an event it took part in. */
    void afterEvent(SimNode node) {
        if (!node.isUp()) {
            return;
        }
        checks++;
        NodeStatus status = node.status();
        Progress p = progress.get(node.id());
        highestTermSeen = Math.max(highestTermSeen, status.term());
        if (status.term() < p.term) {
            failer.fail("Monotonic term", node + " went from term " + p.term + " back to " + status.term());
        }
        p.term = status.term();
        long previousCommitIndex = p.commitIndex;
        if (status.commitIndex() < p.commitIndex) {
            failer.fail("Monotonic commit", node + " commit index went from " + p.commitIndex + " back to "
                    + status.commitIndex());
        }
        p.commitIndex = status.commitIndex();
        if (status.appliedIndex() < p.appliedIndex) {
            failer.fail("Monotonic apply", node + " applied index went from " + p.appliedIndex + " back to "
                    + status.appliedIndex());
        }
        p.appliedIndex = status.appliedIndex();
        if (status.appliedIndex() > status.commitIndex() || status.commitIndex() > status.lastIndex()) {
            failer.fail("Applied <= commit <= last", node + " applied " + status.appliedIndex() + ", commit "
                    + status.commitIndex() + ", last index " + status.lastIndex());
        }
        // The runtime's applier publishes its progress and the core reads it at its next turn: the core may lag.
        long machineApplied = node.stateMachine().appliedIndex();
        if (status.appliedIndex() > machineApplied) {
            failer.fail("Applied index reported", node + " core believes " + status.appliedIndex()
                    + " applied, its state machine applied " + machineApplied);
        }
        if (status.role() == Role.LEADER) {
            checkLeader(node, status, p);
        } else {
            p.leaderWatch = null;
        }
        if (configurations != null) {
            configurations.afterEvent(node, status, previousCommitIndex);
        }
    }

    private void checkLeader(SimNode node, NodeStatus status, Progress p) {
        LogView log = node.core().log();
        LeaderWatch watch = p.leaderWatch;
        if (watch == null || watch.term() != status.term()) {
            NodeId other = leaderOfTerm.putIfAbsent(status.term(), node.id());
            if (other != null && !other.equals(node.id())) {
                failer.fail("Election Safety", node + " and " + other + " both led term " + status.term());
            }
            checkLeaderCompleteness(node, status.term(), log);
        } else {
            // Leader Append-Only (paper §5.3): what the leader held when last checked is still there (or, once
            // compacted, in the snapshot: the leader's own snapshot of its own committed entries).
            boolean stillHeld = watch.lastIndex() >= log.firstIndex();
            if (log.lastIndex() < watch.lastIndex() || (stillHeld && watch.lastEntry() != null
                    && !watch.lastEntry().equals(entryAt(log, watch.lastIndex())))) {
                failer.fail("Leader Append-Only", node + " leading term " + status.term() + " held "
                        + watch.lastEntry() + " at " + watch.lastIndex() + "; its log now ends at " + log.lastIndex()
                        + (log.lastIndex() >= watch.lastIndex() ? " with " + entryAt(log, watch.lastIndex()) : ""));
            }
        }
        long last = log.lastIndex();
        p.leaderWatch = new LeaderWatch(status.term(), last, last >= log.firstIndex() ? entryAt(log, last) : null);
    }

    /**
     * Leader Completeness (paper §5.4): an entry committed in a term below T is in the log of every leader of
     * term T. An entry's commit term is bounded by the highest term seen when it was first applied.
     */
    private void checkLeaderCompleteness(SimNode node, long term, LogView log) {
        for (Committed c : committed) {
            if (c.commitTermBound() >= term) {
                continue;
            }
            long index = c.entry().index();
            if (index < log.firstIndex() - 1) {
                continue; // compacted into the leader's snapshot, whose state was checked when taken or restored
            }
            if (index > log.lastIndex() || log.term(index) != c.entry().term()) {
                String held = index > log.lastIndex() ? "its log ends at " + log.lastIndex()
                        : "it holds a term-" + log.term(index) + " entry there";
                failer.fail("Leader Completeness", node + " became leader of term " + term + " without committed "
                        + c.entry() + " (" + held + ")");
            }
        }
    }

    static LogEntry entryAt(LogView log, long index) {
        return log.entries(index, index + 1, Long.MAX_VALUE).get(0);
    }
}
