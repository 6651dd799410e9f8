package io.caucus.core;

import io.caucus.core.message.HeartbeatResponse;

/**
 * Linearizable reads without log writes, by ReadIndex (thesis §6.4): the leader answers a read with its commit
 * index once it has committed an entry of its own term (step 1) and a quorum has answered a heartbeat round
 * started after the read arrived (steps 2 and 3), proving it was still the leader. The rounds themselves are
 * {@link ReadIndexRounds}'; results go to the node's next {@link Ready#reads()}.
 */
final class LinearizableReads {

    private final RaftNode node;
    private final ReadIndexRounds rounds = new ReadIndexRounds();

    LinearizableReads(RaftNode node) {
        this.node = node;
    }

    /** See {@link RaftNode#readIndex}. */
    void request(long requestId) {
        if (node.role != Role.LEADER) {
            node.readResults.add(new ReadResult.Rejected(requestId, node.leader));
            return;
        }
        rounds.enqueue(requestId);
    }

    /** True if reads wait and this leader may start a round for them now. */
    boolean roundCanStart() {
        return node.role == Role.LEADER && rounds.hasWaiting() && node.log.term(node.log.committed()) == node.term;
    }

    /**
     * Starts a confirmation round for the reads waiting, once this leader has committed an entry of its own
     * term: before that, its commit index may lag what earlier leaders committed (thesis §6.4 step 1).
     */
    void startRound() {
        if (!roundCanStart()) {
            return;
        }
        rounds.startRound(node.log.committed(), node.id);
        rounds.confirmReady(node.configuration, node.readResults);
        node.replication.broadcastHeartbeat();
    }

    /** A voter's answer to a heartbeat counts for the read rounds up to the one it carries. */
    void heartbeatAnswered(HeartbeatResponse response) {
        if (response.readRound() > 0 && node.configuration.isVoter(response.from())) {
            rounds.acknowledge(response.from(), response.readRound(), node.configuration, node.readResults);
        }
    }

    /** The newest round started, which every heartbeat carries. */
    long latestRound() {
        return rounds.latestRound();
    }

    /** This node is (or has become) a follower: no read waiting here can be confirmed any more. */
    void rejectAll(NodeId leaderHint) {
        rounds.rejectAll(leaderHint, node.readResults);
    }
}
