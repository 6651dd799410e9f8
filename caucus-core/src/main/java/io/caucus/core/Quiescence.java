package io.caucus.core;

import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.RaftMessage;
import java.util.Map;

/**
 * Quiescence of an idle group, after CockroachDB's quiesced ranges: a leader with nothing in flight sends its
 * followers one last heartbeat flagged {@code quiesce} and stops heartbeating; a follower whose log matches it
 * stops counting election ticks. Neither ticks again until something wakes it: a proposal, a read, a membership
 * change or transfer, any message other than a quiesce heartbeat, or {@link RaftNode#wake()} from the runtime,
 * which calls it on a follower when the process hosting its leader has gone silent for an election timeout, and on
 * a leader that has heard from no quorum's processes for as long (the runtime's process liveness takes over from
 * the election timers and CheckQuorum).
 *
 * <p>Invariants, which keep quiescence out of what Raft allows (it changes only when a node ticks):
 * <ul>
 *   <li>Quiescing changes no term, vote, log entry or commit index, and sends no message a Raft node could not
 *       send: the quiesce heartbeat is an ordinary heartbeat (§5.2) of the current term with the commit index
 *       capped as usual. Skipping ticks only delays elections and heartbeats, which Raft's safety never depends
 *       on (§5.2, §5.6: safety must not depend on timing).
 *   <li>A leader quiesces only when every member of the configuration in force (voters and learners) has
 *       acknowledged its last entry and answered within the current CheckQuorum period, that entry is committed
 *       and every follower has been sent that commit index, and no proposal, read round, configuration change
 *       (joint or uncommitted), leadership transfer or snapshot is pending: a quiesced group has no work that a
 *       tick would advance.
 *   <li>A follower quiesces only on a quiesce heartbeat of its current term from the leader it follows, when its
 *       last index, its commit index and the heartbeat's commit index are all equal and it has no read waiting
 *       on the leader. Otherwise it answers as for any heartbeat, and the answer wakes the leader.
 *   <li>A quiesced follower treats its leader as alive (leader stickiness, thesis §4.2.3): it refuses pre-votes
 *       as if it had just heard from it, since it is woken if the leader's process goes silent. A quiesced
 *       leader does not run CheckQuorum (thesis §6.2); woken, it starts a fresh CheckQuorum period that counts
 *       only answers heard after waking (the runtime wakes it when a quorum's processes go silent).
 *   <li>Every role change (§5.1) ends quiescence, and the node then ticks as any Raft node does.
 * </ul>
 */
final class Quiescence {

    private final RaftNode node;
    private boolean quiesced;
    /** As leader: consecutive ticks with nothing in flight. */
    private int idleTicks;

    Quiescence(RaftNode node) {
        this.node = node;
    }

    boolean quiesced() {
        return quiesced;
    }

    private boolean enabled() {
        return node.options.quiesceAfterTicks() > 0;
    }

    /**
     * A leader's tick, before its heartbeat: counts ticks with nothing in flight, and once there have been
     * {@code quiesceAfterTicks} of them sends the quiesce heartbeats. Returns true if the group quiesced now.
     */
    boolean leaderTicked() {
        if (!enabled() || !nothingInFlight()) {
            idleTicks = 0;
            return false;
        }
        if (++idleTicks < node.options.quiesceAfterTicks()) {
            return false;
        }
        quiesced = true;
        long commit = node.log.committed();
        for (NodeId follower : node.followers.keySet()) {
            node.send(new Heartbeat(node.id, follower, node.term, commit, node.reads.latestRound(), true));
        }
        return true;
    }

    /** See the class comment: what a leader needs before it may quiesce. */
    private boolean nothingInFlight() {
        RaftLog log = node.log;
        long last = log.lastIndex();
        if (node.role != Role.LEADER || log.committed() != last || log.term(last) != node.term
                || node.configuration.isJoint() || node.configurations.currentIndex() > log.committed()
                || node.membership.transferring() || node.reads.hasPending() || log.hasUnpersisted()) {
            return false;
        }
        for (Map.Entry<NodeId, Progress> follower : node.followers.entrySet()) {
            Progress progress = follower.getValue();
            // Heard from in this CheckQuorum period: a leader quiesces only with followers shown alive, so that one
            // woken with its followers gone cannot quiesce again before CheckQuorum steps it down.
            if (progress.state() != Progress.State.REPLICATE || progress.matchIndex() != last
                    || progress.commitSent() < last || !progress.recentlyActive()) {
                return false;
            }
        }
        return true;
    }

    /**
     * A heartbeat flagged {@code quiesce} from the leader this follower now follows, in its term, after the
     * heartbeat's commit index was adopted. Returns true if the follower quiesced (it then sends no answer).
     */
    boolean followerAgrees(Heartbeat heartbeat) {
        RaftLog log = node.log;
        if (!enabled() || node.role != Role.FOLLOWER || !heartbeat.from().equals(node.leader)
                || heartbeat.term() != node.term || log.lastIndex() != log.committed()
                || log.committed() != heartbeat.commitIndex() || node.reads.hasUnsent()
                || node.reads.hasForwarded()) {
            return false;
        }
        quiesced = true;
        return true;
    }

    /**
     * A message for this node arrived: anything but a quiesce heartbeat wakes it. An awake leader's answers do not
     * count as activity (they are what idle looks like), so they do not restart its idle count.
     */
    void received(RaftMessage message) {
        if (!(message instanceof Heartbeat heartbeat && heartbeat.quiesce())) {
            wake();
        }
    }

    /**
     * A request arrived (a proposal, a read, a membership change or transfer, an election asked for): the
     * leader's idle count starts again, and a quiesced node wakes.
     */
    void activity() {
        idleTicks = 0;
        wake();
    }

    /**
     * Wakes a quiesced node (a message other than a quiesce heartbeat arrived, or the runtime asked): a leader
     * heartbeats at once (which wakes its followers) and starts a fresh CheckQuorum period, stepping down an
     * election timeout later if a quorum does not answer (thesis §6.2); a follower counts a fresh randomized
     * election timeout (§5.2) and campaigns if its leader stays silent.
     */
    void wake() {
        if (!quiesced) {
            return;
        }
        quiesced = false;
        idleTicks = 0;
        if (node.role == Role.LEADER) {
            // A fresh CheckQuorum period (thesis §6.2), counting only answers heard after waking: a leader woken
            // because its followers' processes went silent steps down an election timeout later if they stay so.
            node.electionElapsedTicks = 0;
            node.heartbeatElapsedTicks = 0;
            for (Progress progress : node.followers.values()) {
                progress.resetActive();
            }
            node.replication.broadcastHeartbeat();
        } else {
            node.resetElectionTimer();
        }
    }

    /** A role change (§5.1): the node ticks again as any Raft node does. */
    void roleChanged() {
        quiesced = false;
        idleTicks = 0;
    }
}
