package io.caucus.sim;

import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Persist;
import io.caucus.core.Role;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.RequestVoteResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The safety properties of Raft (paper Figure 3) plus the runtime contract, checked as the simulation runs
 * so that a violation stops the run at the event that caused it. Each check is incremental: the cost per
 * event does not grow with the length of the run, except once per new leader (Leader Completeness).
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
    private final Map<IndexTerm, Registered> entries = new HashMap<>();
    private final List<Committed> committed = new ArrayList<>();
    private final Map<NodeId, Progress> progress = new HashMap<>();
    private final Map<NodeId, Long> durableTerms = new HashMap<>();
    private long highestTermSeen;
    private long checks;
    /** The membership invariants, or null where a test checks without them. */
    private ConfigurationInvariants configurations;

    InvariantChecker(Failer failer) {
        this.failer = failer;
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
        } else {
            failer.fail("Apply order", node + " applied " + entry + " while only " + committed.size()
                    + " entries are known committed: an entry below it was skipped");
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
        if (status.appliedIndex() != node.stateMachine().appliedIndex()) {
            failer.fail("Applied index reported", node + " core believes " + status.appliedIndex()
                    + " applied, its state machine applied " + node.stateMachine().appliedIndex());
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
        LogView log = node.raft().log();
        LeaderWatch watch = p.leaderWatch;
        if (watch == null || watch.term() != status.term()) {
            NodeId other = leaderOfTerm.putIfAbsent(status.term(), node.id());
            if (other != null && !other.equals(node.id())) {
                failer.fail("Election Safety", node + " and " + other + " both led term " + status.term());
            }
            checkLeaderCompleteness(node, status.term(), log);
        } else {
            // Leader Append-Only (paper §5.3): what the leader held when last checked is still there.
            if (log.lastIndex() < watch.lastIndex()
                    || (watch.lastEntry() != null && !watch.lastEntry().equals(entryAt(log, watch.lastIndex())))) {
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
            if (index > log.lastIndex() || index < log.firstIndex() || log.term(index) != c.entry().term()) {
                String held = index > log.lastIndex() || index < log.firstIndex() ? "its log ends at " + log.lastIndex()
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
