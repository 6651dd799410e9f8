package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationCodec;
import io.caucus.core.EntryType;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The invariants of membership changes (Raft paper §6), checked by {@link InvariantChecker} after every event:
 * <ul>
 *   <li>Commitment by the configuration in force: an entry a leader commits is durably held by a quorum of its
 *       configuration (both halves while joint), counting the leader only for what it holds durably;</li>
 *   <li>One configuration change at a time: a leader appends a configuration entry only once the previous one is
 *       committed, and each entry is one legal step (a learner change, entering a joint configuration that changes
 *       one voter, or leaving a joint configuration for its incoming half);</li>
 *   <li>A committed configuration is never lost: every later leader holds the latest committed configuration entry,
 *       and every node whose log holds that entry reports that configuration in force at its index.</li>
 * </ul>
 * Election Safety stays global per term (in {@link InvariantChecker}): it needs no configuration.
 */
final class ConfigurationInvariants {

    private record CommittedConfiguration(long index, long term, ClusterConfiguration configuration,
                                          long commitTermBound) {
    }

    /** What a leader's log held when last checked: up to which index, and its last configuration entry. */
    private static final class LeaderWatch {
        long term;
        long scannedTo;
        long configurationIndex;
        ClusterConfiguration configuration;
    }

    private final InvariantChecker.Failer failer;
    private final Function<NodeId, SimNode> nodes;
    /** False on the lying disk model, where a crash loses acknowledged writes and quorums cannot be recounted. */
    private final boolean disksKeepAcknowledgedWrites;
    private final Map<NodeId, LeaderWatch> leaders = new HashMap<>();
    private CommittedConfiguration latestCommitted;
    private long configurationEntriesCommitted;

    ConfigurationInvariants(InvariantChecker.Failer failer, Function<NodeId, SimNode> nodes,
                            boolean disksKeepAcknowledgedWrites) {
        this.failer = failer;
        this.nodes = nodes;
        this.disksKeepAcknowledgedWrites = disksKeepAcknowledgedWrites;
    }

    long configurationEntriesCommitted() {
        return configurationEntriesCommitted;
    }

    /** An entry became known committed (applied somewhere) while the highest term seen was {@code termBound}. */
    void onCommitted(LogEntry entry, long termBound) {
        if (entry.type() == EntryType.CONFIGURATION) {
            configurationEntriesCommitted++;
            latestCommitted = new CommittedConfiguration(entry.index(), entry.term(),
                    ConfigurationCodec.decode(entry.payload()), termBound);
        }
    }

    void afterEvent(SimNode node, NodeStatus status, long previousCommitIndex) {
        checkCommittedConfigurationKept(node, status);
        if (status.role() != Role.LEADER) {
            leaders.remove(node.id());
            return;
        }
        List<ClusterConfiguration> inForce = checkOneChangeAtATime(node, status);
        if (status.commitIndex() > previousCommitIndex && disksKeepAcknowledgedWrites) {
            checkCommitQuorum(node, status, inForce);
        }
    }

    private void checkCommittedConfigurationKept(SimNode node, NodeStatus status) {
        CommittedConfiguration committed = latestCommitted;
        if (committed == null) {
            return;
        }
        LogView log = node.core().log();
        long index = committed.index();
        boolean holds = index <= log.lastIndex() && index >= log.firstIndex() - 1
                && log.term(index) == committed.term();
        if (status.role() == Role.LEADER && status.term() > committed.commitTermBound() && !holds
                && index >= log.firstIndex()) {
            failer.fail("Committed configuration never lost", node + " leads term " + status.term()
                    + " without the committed configuration entry at " + index + " (" + committed.configuration()
                    + "); its log ends at " + log.lastIndex());
        }
        if (holds && !node.core().configurationAt(index).equals(committed.configuration())) {
            failer.fail("Committed configuration never lost", node + " holds the committed configuration entry at "
                    + index + " (" + committed.configuration() + ") but reports "
                    + node.core().configurationAt(index) + " in force there");
        }
    }

    /** Returns the configurations in force at the leader during the event: at its start, and each one it appended. */
    private List<ClusterConfiguration> checkOneChangeAtATime(SimNode node, NodeStatus status) {
        LogView log = node.core().log();
        LeaderWatch watch = leaders.get(node.id());
        if (watch == null || watch.term != status.term()) {
            leaders.put(node.id(), startWatch(node, status.term(), log));
            return List.of(status.configuration());
        }
        List<ClusterConfiguration> inForce = new ArrayList<>(List.of(watch.configuration));
        for (LogEntry entry : entriesAfter(log, watch.scannedTo)) {
            if (entry.type() != EntryType.CONFIGURATION) {
                continue;
            }
            ClusterConfiguration next = ConfigurationCodec.decode(entry.payload());
            if (watch.configurationIndex > status.commitIndex()) {
                failer.fail("One configuration change at a time", node + " appended " + next + " at "
                        + entry.index() + " while the configuration at " + watch.configurationIndex
                        + " is uncommitted (commit " + status.commitIndex() + ")");
            }
            if (!isOneStep(watch.configuration, next)) {
                failer.fail("One configuration change at a time", node + " went from " + watch.configuration
                        + " to " + next + " at " + entry.index() + " in one step");
            }
            watch.configurationIndex = entry.index();
            watch.configuration = next;
            inForce.add(next);
        }
        watch.scannedTo = log.lastIndex();
        return inForce;
    }

    private static LeaderWatch startWatch(SimNode node, long term, LogView log) {
        LeaderWatch watch = new LeaderWatch();
        watch.term = term;
        watch.configurationIndex = log.firstIndex() - 1;
        watch.configuration = log.firstIndex() > 1 ? log.snapshot().configuration() : node.bootstrap();
        for (LogEntry entry : entriesAfter(log, log.firstIndex() - 1)) {
            if (entry.type() == EntryType.CONFIGURATION) {
                watch.configurationIndex = entry.index();
                watch.configuration = ConfigurationCodec.decode(entry.payload());
            }
        }
        watch.scannedTo = log.lastIndex();
        return watch;
    }

    private static List<LogEntry> entriesAfter(LogView log, long index) {
        long from = Math.max(index + 1, log.firstIndex());
        return from > log.lastIndex() ? List.of() : log.entries(from, log.lastIndex() + 1, Long.MAX_VALUE);
    }

    /** §6: a learner-only change, entering a joint configuration that changes one voter, or leaving one. */
    static boolean isOneStep(ClusterConfiguration previous, ClusterConfiguration next) {
        if (previous.isJoint()) {
            return !next.isJoint() && next.voters().equals(previous.voters())
                    && next.learners().equals(previous.learners());
        }
        if (!next.isJoint()) {
            return next.voters().equals(previous.voters()) && difference(previous.learners(), next.learners()) == 1;
        }
        return next.outgoingVoters().equals(previous.voters())
                && difference(previous.voters(), next.voters()) == 1
                && difference(previous.learners(), next.learners()) <= 1;
    }

    private static int difference(Set<NodeId> a, Set<NodeId> b) {
        Set<NodeId> symmetric = new TreeSet<>(a);
        symmetric.addAll(b);
        Set<NodeId> both = new HashSet<>(a);
        both.retainAll(b);
        symmetric.removeAll(both);
        return symmetric.size();
    }

    /**
     * The entry the leader just committed is on the durable disks of a quorum of its configuration. A runtime's
     * turn takes several inputs (acknowledgements, a membership request), so the commit was made under one of the
     * configurations in force during the event: acknowledgements may commit under C_old before a request in the
     * same turn appends C_old,new.
     */
    private void checkCommitQuorum(SimNode leader, NodeStatus status, List<ClusterConfiguration> inForce) {
        long index = status.commitIndex();
        long term = leader.core().log().term(index);
        Set<NodeId> holders = new HashSet<>();
        for (ClusterConfiguration configuration : inForce) {
            for (NodeId member : configuration.members()) {
                SimNode node = nodes.apply(member);
                if (node != null && durablyHolds(node.disk().log(), index, term)) {
                    holders.add(member);
                }
            }
        }
        if (inForce.stream().noneMatch(configuration -> configuration.hasQuorum(holders))) {
            failer.fail("Commitment by the configuration in force", leader + " committed index " + index + " (term "
                    + term + ") under " + inForce + " but only " + holders + " hold it durably");
        }
    }

    private static boolean durablyHolds(LogView disk, long index, long term) {
        if (index < disk.firstIndex()) {
            return true; // covered by the node's snapshot, which holds only committed entries
        }
        return index <= disk.lastIndex() && disk.term(index) == term;
    }
}
