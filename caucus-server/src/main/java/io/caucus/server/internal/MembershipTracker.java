package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationChange;
import io.caucus.core.ConfigurationCodec;
import io.caucus.core.EntryType;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.ProposeResult;
import io.caucus.core.RaftNode;
import io.caucus.core.Role;
import io.caucus.core.message.RaftMessage;
import io.caucus.server.CaucusException;
import io.caucus.server.Membership;
import io.caucus.server.MembershipException;
import io.caucus.server.MembershipException.Reason;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Membership changes and leadership transfers on the node thread: proposes them to the core, follows their
 * configuration entries to commitment and completes their futures; keeps the transport's peers equal to the
 * configuration in force; says so when this node is added or removed.
 *
 * <p>When a change is done: a learner-only change once its one configuration entry is committed; a change of
 * voters once the C_new that the leader appends after C_old,new is committed (Raft paper §6), whichever
 * leader appends it. A change whose entry is overwritten by another leader's did not happen (outcome known);
 * one that this node cannot see committed before the deadline has an unknown outcome. A transfer is done when
 * this node learns that the target leads (thesis §3.10).
 *
 * <p>Node thread only; futures are completed on the completion thread, never here.
 */
final class MembershipTracker {

    private static final Logger LOG = LoggerFactory.getLogger(MembershipTracker.class);

    /** A change appended at {@code index} in {@code term}, not yet known to be done. */
    private static final class PendingChange {
        final ConfigurationChange change;
        final long term;
        final long index;
        final CompletableFuture<Membership> future;
        final long deadlineNanos;
        /** C_old,new is committed: only C_new remains. */
        boolean jointCommitted;

        PendingChange(ConfigurationChange change, long term, long index, CompletableFuture<Membership> future,
                      long deadlineNanos) {
            this.change = change;
            this.term = term;
            this.index = index;
            this.future = future;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private record PendingTransfer(NodeId target, long term, CompletableFuture<Membership> future,
                                   long giveUpNanos) {
    }

    private final RaftNode raft;
    private final PeerDirectory directory;
    private final TransportPeers transportPeers;
    private final Completions completions;
    private final Outcomes outcomes;
    /** How long a transfer may take before it is reported as not done: the core gives up after one timeout. */
    private final long transferWindowNanos;
    private final long maxLearnerLagEntries;
    private final RuntimeClock clock;
    private final List<PendingChange> changes = new ArrayList<>();
    private final List<PendingTransfer> transfers = new ArrayList<>();
    private ClusterConfiguration lastConfiguration;

    MembershipTracker(RaftNode raft, PeerDirectory directory, TransportPeers transportPeers, Completions completions,
                      Outcomes outcomes, long transferWindowNanos, long maxLearnerLagEntries, RuntimeClock clock) {
        this.raft = raft;
        this.directory = directory;
        this.transportPeers = transportPeers;
        this.completions = completions;
        this.outcomes = outcomes;
        this.transferWindowNanos = transferWindowNanos;
        this.maxLearnerLagEntries = maxLearnerLagEntries;
        this.clock = clock;
    }

    // ---------------------------------------------------------------- requests (node thread)

    /**
     * Proposes {@code change}; {@code address} (may be null) is where a node being added listens. A change of
     * addresses needs none: the directory learns the new ones when its entry is appended (§6), like every member.
     */
    void propose(ConfigurationChange change, InetSocketAddress address, CompletableFuture<Membership> future,
                 long deadlineNanos) {
        if (future.isDone()) {
            return;
        }
        if (address != null) {
            directory.remember(change.node(), address);
        }
        if (isPromotionOfUnaddressedLearner(change)) {
            fail(future, new MembershipException(Reason.ADDRESS_UNKNOWN, change.node(), "cannot " + describe(change)
                    + ": the configuration holds no address for " + change.node() + ", so members that do not list"
                    + " it in their own files could not answer its votes; remove it and add it again with its"
                    + " address (configuration " + raft.configuration() + ")"));
            return;
        }
        switch (raft.proposeConfigurationChange(change)) {
            case ProposeResult.Accepted accepted -> {
                changes.add(new PendingChange(change, accepted.term(), accepted.firstIndex(), future, deadlineNanos));
                LOG.atInfo().addKeyValue("node", raft.id())
                        .log("proposed to {} at index {}", change, accepted.firstIndex());
                // Dial a node being added before this turn's messages to it are sent.
                followConfiguration(clock.nanoTime());
            }
            case ProposeResult.Rejected rejected -> fail(future, refusal(rejected, change.node(), describe(change)));
        }
    }

    /**
     * A voter must be reachable by every member, and only the replicated configuration tells them all where it is
     * (a learner is added with its address, see {@code ConfigurationChange.AddLearner}). Off the leader the core
     * refuses the change itself, naming the leader.
     */
    private boolean isPromotionOfUnaddressedLearner(ConfigurationChange change) {
        ClusterConfiguration configuration = raft.configuration();
        return change instanceof ConfigurationChange.PromoteLearner promote && raft.role() == Role.LEADER
                && configuration.learners().contains(promote.node())
                && configuration.raftAddress(promote.node()).isEmpty();
    }

    void transfer(NodeId target, CompletableFuture<Membership> future, long deadlineNanos) {
        if (future.isDone()) {
            return;
        }
        switch (raft.transferLeadership(target)) {
            case ProposeResult.Accepted accepted -> {
                if (target.equals(raft.id())) {
                    complete(future, Memberships.of(raft.status(), directory)); // already leading
                    return;
                }
                long giveUp = Math.min(deadlineNanos, clock.nanoTime() + transferWindowNanos);
                transfers.add(new PendingTransfer(target, accepted.term(), future, giveUp));
                LOG.atInfo().addKeyValue("node", raft.id())
                        .log("transferring leadership of term {} to {}", accepted.term(), target);
            }
            case ProposeResult.Rejected rejected ->
                    fail(future, refusal(rejected, target, "transfer leadership to " + target));
        }
    }

    // ---------------------------------------------------------------- the node thread's turn

    /**
     * Before a Ready's messages go out: dial members just added, drop members just removed, and link any other
     * node a message answers (see {@link TransportPeers#reach}).
     */
    void beforeSend(List<RaftMessage> messages, long nowNanos) {
        followConfiguration(nowNanos);
        for (RaftMessage message : messages) {
            transportPeers.reach(message.to(), nowNanos);
        }
    }

    /** Entries the core just reported committed (in index order). */
    void committed(List<LogEntry> entries) {
        if (changes.isEmpty()) {
            return;
        }
        for (LogEntry entry : entries) {
            for (Iterator<PendingChange> it = changes.iterator(); it.hasNext(); ) {
                if (settle(it.next(), entry)) {
                    it.remove();
                }
            }
        }
    }

    /** At the end of each turn: transport peers, transfers, deadlines. */
    void afterTurn(long nowNanos) {
        followConfiguration(nowNanos);
        if (transfers.isEmpty() && changes.isEmpty()) {
            return;
        }
        NodeStatus status = raft.status();
        for (Iterator<PendingTransfer> it = transfers.iterator(); it.hasNext(); ) {
            if (settle(it.next(), status, nowNanos)) {
                it.remove();
            }
        }
        for (Iterator<PendingChange> it = changes.iterator(); it.hasNext(); ) {
            PendingChange change = it.next();
            if (nowNanos - change.deadlineNanos >= 0) {
                it.remove();
                fail(change.future, new OutcomeUnknownException("no outcome for '" + describe(change.change) + "'"
                        + " within the request timeout" + (change.jointCommitted
                        ? " (C_old,new is committed, so a leader will complete it)"
                        : "; it may still take effect")));
            }
        }
    }

    /** Fails everything still pending (the node stopped): what was proposed may still take effect. */
    void stopped(Throwable cause) {
        for (PendingChange change : changes) {
            fail(change.future, new OutcomeUnknownException("the node stopped before '" + describe(change.change)
                    + "' was known to commit; it may still take effect", cause));
        }
        for (PendingTransfer transfer : transfers) {
            fail(transfer.future, new OutcomeUnknownException("the node stopped before the leadership transfer to "
                    + transfer.target + " was known to complete", cause));
        }
        changes.clear();
        transfers.clear();
    }

    // ---------------------------------------------------------------- settling

    /** Returns true if {@code entry} settles {@code change} (done or overwritten). */
    private boolean settle(PendingChange change, LogEntry entry) {
        if (entry.index() == change.index && entry.term() != change.term) {
            fail(change.future, outcomes.notLeader(raft.leader(), "the change was overwritten by a new leader's entry"
                    + " at index " + entry.index() + " and did not take effect; retry"));
            return true;
        }
        if (entry.index() < change.index || entry.type() != EntryType.CONFIGURATION) {
            return false;
        }
        ClusterConfiguration committed = ConfigurationCodec.decode(entry.payload());
        if (committed.isJoint()) {
            change.jointCommitted |= entry.index() == change.index;
            return false;
        }
        if (entry.index() == change.index || change.jointCommitted) {
            LOG.atInfo().addKeyValue("node", raft.id())
                    .log("committed: {}; configuration {}", describe(change.change), committed);
            complete(change.future, Memberships.of(raft.status(), committed, directory));
            return true;
        }
        return false;
    }

    private boolean settle(PendingTransfer transfer, NodeStatus status, long nowNanos) {
        NodeId leader = status.leader();
        if (transfer.target.equals(leader)) {
            LOG.atInfo().addKeyValue("node", raft.id())
                    .log("leadership transferred to {} (term {})", transfer.target, status.term());
            complete(transfer.future, Memberships.of(status, directory));
            return true;
        }
        if (leader != null && !leader.equals(raft.id())) {
            fail(transfer.future, new MembershipException(Reason.TRANSFER_FAILED, transfer.target, leader,
                    "leadership went to " + leader + " in term " + status.term() + ", not to " + transfer.target));
            return true;
        }
        if (nowNanos - transfer.giveUpNanos >= 0) {
            fail(transfer.future, new OutcomeUnknownException(transfer.target + " did not take over leadership in "
                    + "time (this node is " + status.role().name().toLowerCase() + " in term " + status.term()
                    + "); it may still, if it received TimeoutNow late"));
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- configuration in force

    private void followConfiguration(long nowNanos) {
        ClusterConfiguration configuration = raft.configuration();
        boolean changed = !configuration.equals(lastConfiguration);
        if (changed) {
            directory.learn(configuration.addresses()); // before dialling: the log's address wins
        }
        transportPeers.follow(configuration, raft.leader(), nowNanos);
        if (changed) {
            announce(lastConfiguration, configuration);
            lastConfiguration = configuration;
        }
    }

    /** Logs this node's own part whenever it changes, so an operator sees a node added or removed. */
    private void announce(ClusterConfiguration before, ClusterConfiguration now) {
        NodeId self = raft.id();
        String was = before == null ? null : part(before, self);
        String is = part(now, self);
        if (is.equals(was)) {
            return;
        }
        Level level = is.equals("not a member") && was != null ? Level.WARN : Level.INFO;
        String advice = switch (is) {
            case "not a member" -> was == null
                    ? "; it takes no part until a leader adds it (as a learner)"
                    : "; removed from the cluster, it no longer votes nor receives the log (stop it, or add it again)";
            default -> "";
        };
        LOG.atLevel(level).addKeyValue("node", self).log("now {} (configuration in force: {}){}", is, now, advice);
    }

    static String part(ClusterConfiguration configuration, NodeId node) {
        if (configuration.voters().contains(node)) {
            return configuration.isJoint() && !configuration.outgoingVoters().contains(node)
                    ? "an incoming voter" : "a voter";
        }
        if (configuration.outgoingVoters().contains(node)) {
            return "an outgoing voter";
        }
        return configuration.learners().contains(node) ? "a learner" : "not a member";
    }

    // ---------------------------------------------------------------- outcomes

    private CaucusException refusal(ProposeResult.Rejected rejected, NodeId node, String what) {
        return switch (rejected.reason()) {
            case NOT_LEADER -> outcomes.notLeader(rejected.leaderHint(),
                    "no leader is known (an election is under way or a majority is unreachable)");
            case TRANSFERRING_LEADERSHIP -> new MembershipException(Reason.CHANGE_IN_PROGRESS, node, "cannot "
                    + what + ": a leadership transfer is under way; retry");
            case TOO_MANY_UNCOMMITTED -> new OverloadedException("cannot " + what
                    + ": too many proposals are waiting to commit; retry");
            case CHANGE_IN_PROGRESS -> new MembershipException(Reason.CHANGE_IN_PROGRESS, node, "cannot " + what
                    + ": another membership change is not finished (one change at a time); retry once it is");
            case UNKNOWN_MEMBER -> new MembershipException(Reason.UNKNOWN_MEMBER, node, "cannot " + what + ": "
                    + node + " is not a member in the required role (configuration " + raft.configuration() + ")");
            case ALREADY_MEMBER -> new MembershipException(Reason.ALREADY_MEMBER, node, "cannot " + what + ": "
                    + node + " is already a member (configuration " + raft.configuration() + ")");
            case LEARNER_BEHIND -> new MembershipException(Reason.LEARNER_BEHIND, node, "cannot " + what
                    + ": learner " + node + " is still catching up (more than " + maxLearnerLagEntries
                    + " entries behind); retry once it is close behind");
            case LAST_VOTER -> new MembershipException(Reason.LAST_VOTER, node, "cannot " + what + ": " + node
                    + " is the last voter; a cluster without voters can decide nothing");
        };
    }

    private static String describe(ConfigurationChange change) {
        return switch (change) {
            case ConfigurationChange.AddLearner add -> "add " + add.node() + " as a learner";
            case ConfigurationChange.PromoteLearner promote -> "promote " + promote.node() + " to voter";
            case ConfigurationChange.RemoveMember remove -> "remove " + remove.node();
            case ConfigurationChange.ChangeAddresses move -> "change the addresses of " + move.node() + " to "
                    + move.addresses();
        };
    }

    private void complete(CompletableFuture<Membership> future, Membership membership) {
        completions.run(() -> future.complete(membership));
    }

    private void fail(CompletableFuture<Membership> future, CaucusException error) {
        completions.run(() -> future.completeExceptionally(error));
    }
}
