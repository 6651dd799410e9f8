package io.caucus.core;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.core.message.ReadIndexResponse;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Elections: when a node campaigns, how it asks for and counts votes, and when it grants one. Raft paper §5.2
 * (leader election, one vote per term), §5.4.1 (the election restriction: only an up-to-date log wins), thesis
 * §9.6 (Pre-Vote: a round that changes no term first), §4.2.3 (leader stickiness, non-voters campaigning) and
 * §3.10 (a TimeoutNow election skips Pre-Vote and stickiness); and the answer to a message of an older term, so
 * that a deposed leader or a lagging pre-candidate learns the current term (thesis §9.6). The node's term, vote and
 * role stay in {@link RaftNode}; this holds only the votes of the round under way.
 */
final class Election {

    private final RaftNode node;
    private final Set<NodeId> votesGranted = new HashSet<>();
    private final Set<NodeId> votesRefused = new HashSet<>();

    Election(RaftNode node) {
        this.node = node;
    }

    /**
     * A voter campaigns once its election timeout passes (§5.2). A node that is not a voter in its own latest
     * configuration (a learner, or a server being removed) campaigns too, as every server does in the thesis
     * (§4.2.3), but only after {@link RaftNode#NON_VOTER_PATIENCE} timeouts without a leader: by then the voters
     * have failed to elect one of themselves. They can fail for good when the most up-to-date log is on this node
     * and some voter's configuration needs its vote: a voter holding an uncommitted joint configuration that
     * makes this learner a voter cannot win it, and the voters behind that one cannot win theirs (simulator seed
     * 722490, one voter down). Elected by a quorum of its configuration, this node leads without counting itself
     * and steps down once that configuration is committed under it (thesis §4.2.2), its log then on a majority of
     * the voters. A node with an empty log (one still waiting to be added) could not win, and stays quiet.
     */
    boolean timedOut() {
        if (node.configuration.isVoter(node.id)) {
            return node.electionElapsedTicks >= node.randomizedElectionTimeoutTicks;
        }
        return node.log.lastIndex() > 0 && !node.configuration.voters().isEmpty()
                && node.electionElapsedTicks >= RaftNode.NON_VOTER_PATIENCE * node.randomizedElectionTimeoutTicks;
    }

    /** True while this node heard from a live leader within the minimum election timeout (thesis §4.2.3). */
    boolean inLeaderLease() {
        // A quiesced node's leader counts as alive: the runtime wakes it if the leader's process goes silent.
        return node.leader != null
                && (node.quiescence.quiesced() || node.electionElapsedTicks < node.options.electionTimeoutTicks());
    }

    void becomePreCandidate() {
        start(Role.PRE_CANDIDATE, false);
    }

    /** @param leadershipTransfer true when the leader asked for this election with TimeoutNow (thesis §3.10) */
    void becomeCandidate(boolean leadershipTransfer) {
        node.term++;
        node.votedFor = node.id;
        start(Role.CANDIDATE, leadershipTransfer);
    }

    /** Votes for itself and asks every other voter; a lone voter wins at once. */
    private void start(Role electionRole, boolean leadershipTransfer) {
        node.reads.rejectAll(null); // a follower's forwarded reads: it no longer follows the leader it asked
        node.quiescence.roleChanged();
        node.role = electionRole;
        node.leader = null;
        node.resetElectionTimer();
        votesGranted.clear();
        votesRefused.clear();
        votesGranted.add(node.id);
        if (node.configuration.hasQuorum(votesGranted)) {
            won();
            return;
        }
        boolean preVote = electionRole == Role.PRE_CANDIDATE;
        for (NodeId voter : otherVoters()) {
            RequestVote request = new RequestVote(node.id, voter, preVote ? node.term + 1 : node.term,
                    node.log.lastIndex(), node.log.lastTerm(), preVote, leadershipTransfer);
            if (preVote) {
                node.send(request);
            } else {
                // Sent only once our new term and self-vote are durable: a candidate that forgot them on a
                // crash could otherwise vote again in the same term.
                node.sendWhenDurable(request);
            }
        }
    }

    private void won() {
        if (node.role == Role.PRE_CANDIDATE) {
            becomeCandidate(false);
        } else {
            node.becomeLeader();
        }
    }

    void handleRequestVote(RequestVote request) {
        boolean canVote = Objects.equals(node.votedFor, request.from())
                || (node.votedFor == null && node.leader == null)
                || (request.preVote() && request.term() > node.term);
        // §5.4.1: vote only for a candidate whose log is at least as up-to-date as ours.
        boolean grant = canVote && node.log.isUpToDate(request.lastLogIndex(), request.lastLogTerm());
        if (request.preVote()) {
            node.send(new RequestVoteResponse(node.id, request.from(), grant ? request.term() : node.term, grant,
                    true));
            return;
        }
        if (grant) {
            node.votedFor = request.from(); // §5.2: at most one vote per term, durable before the answer leaves
            node.resetElectionTimer();
        }
        node.sendWhenDurable(new RequestVoteResponse(node.id, request.from(), node.term, grant, false));
    }

    void handlePreVoteResponse(RequestVoteResponse response) {
        if (!response.granted() && response.term() > node.term) {
            node.becomeFollower(response.term(), null);
            return;
        }
        boolean answersThisRound = response.granted() ? response.term() == node.term + 1
                : response.term() <= node.term;
        if (node.role == Role.PRE_CANDIDATE && answersThisRound) {
            countVote(response.from(), response.granted());
        }
    }

    void handleVoteResponse(RequestVoteResponse response) {
        if (node.role == Role.CANDIDATE) {
            countVote(response.from(), response.granted());
        }
    }

    private void countVote(NodeId voter, boolean granted) {
        (granted ? votesGranted : votesRefused).add(voter);
        if (node.configuration.hasQuorum(votesGranted)) {
            won();
        } else if (isLost()) {
            node.becomeFollower(node.term, null);
        }
    }

    /** Lost once a majority refused, of the new voters or, in a joint configuration, of the old (§6). */
    private boolean isLost() {
        ClusterConfiguration configuration = node.configuration;
        return Quorum.isLost(configuration.voters(), votesRefused)
                || (configuration.isJoint() && Quorum.isLost(configuration.outgoingVoters(), votesRefused));
    }

    private List<NodeId> otherVoters() {
        List<NodeId> others = new ArrayList<>();
        for (NodeId member : node.configuration.members()) {
            if (node.configuration.isVoter(member) && !member.equals(node.id)) {
                others.add(member);
            }
        }
        return others;
    }

    /**
     * A message from an older term. A deposed leader or a lagging pre-candidate is told the current term so it
     * catches up; with Pre-Vote and CheckQuorum it might otherwise never hear of it (thesis §9.6).
     */
    void answerStaleMessage(RaftMessage message) {
        switch (message) {
            case AppendEntries append -> node.send(new HeartbeatResponse(node.id, append.from(), node.term, 0));
            case Heartbeat heartbeat -> node.send(new HeartbeatResponse(node.id, heartbeat.from(), node.term, 0));
            case InstallSnapshot install ->
                    node.send(new InstallSnapshotResponse(node.id, install.from(), node.term, 0, false));
            case RequestVote request when request.preVote() ->
                    node.send(new RequestVoteResponse(node.id, request.from(), node.term, false, true));
            case ReadIndexRequest request ->
                    node.send(new ReadIndexResponse(node.id, request.from(), node.term, request.requestId(), false, 0));
            default -> {
                // Stale answers to our own old requests carry nothing we still need.
            }
        }
    }
}
