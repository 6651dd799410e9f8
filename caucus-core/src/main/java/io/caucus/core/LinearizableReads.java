package io.caucus.core;

import io.caucus.core.ReadIndexRounds.ConfirmedRead;
import io.caucus.core.ReadIndexRounds.PendingRead;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.core.message.ReadIndexResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Linearizable reads without log writes, by ReadIndex (thesis §6.4): the leader answers a read with its commit
 * index once it has committed an entry of its own term (step 1) and a quorum has answered a heartbeat round
 * started after the read arrived (steps 2 and 3), proving it was still the leader. The rounds themselves are
 * {@link ReadIndexRounds}'; results go to the node's next {@link Ready#reads()}.
 *
 * <p>A follower serves reads too (thesis §6.4.1): it asks the leader for a read index with a
 * {@link ReadIndexRequest}, one for all the reads requested since its last {@link Ready}, the leader confirms it in
 * its next round, and the follower's runtime serves the reads once its own state machine has applied that index. A forwarded read is rejected as soon as the follower stops
 * following the leader it asked (a new term, a new leader, an election): an answer from that leader would no
 * longer be recognised.
 */
final class LinearizableReads {

    private final RaftNode node;
    private final ReadIndexRounds rounds = new ReadIndexRounds();
    /** Reads a follower asked the leader about in one request, named by the first of them. */
    private record Forwarded(NodeId askedOf, List<Long> requestIds) {
    }

    /** As a follower: reads to ask the leader about in the next {@link Ready}. */
    private final List<Long> unsent = new ArrayList<>();
    /** As a follower: requests sent and not yet answered, by the request id they carry. */
    private final Map<Long, Forwarded> forwarded = new LinkedHashMap<>();

    LinearizableReads(RaftNode node) {
        this.node = node;
    }

    /** See {@link RaftNode#readIndex}. */
    void request(long requestId) {
        if (node.role == Role.LEADER) {
            rounds.enqueue(PendingRead.local(requestId));
        } else if (node.role == Role.FOLLOWER && node.leader != null) {
            unsent.add(requestId);
        } else {
            node.readResults.add(new ReadResult.Rejected(requestId, node.leader));
        }
    }

    /**
     * A follower's request, in this node's term. Its read index is at least the last entry this leader held when
     * the request arrived: serving a later committed state than the commit index is still linearizable, and it
     * orders the read after every write the leader accepted before it, which a state machine whose answers depend
     * on the time stamped on entries (the key-value service's expiry) needs. The runtime does the same for the
     * leader's own reads. The cost: the follower waits for the writes in flight when its request arrived.
     */
    void handleRequest(ReadIndexRequest request) {
        if (node.role != Role.LEADER) {
            // Only the leader of a term confirms reads; the follower's idea of who leads is out of date.
            node.send(new ReadIndexResponse(node.id, request.from(), node.term, request.requestId(), false, 0));
            return;
        }
        rounds.enqueue(new PendingRead(request.requestId(), request.from(), node.log.lastIndex()));
    }

    /** The leader's answer, in this node's term: only the leader it was asked of, while still followed, counts. */
    void handleResponse(ReadIndexResponse response) {
        Forwarded request = forwarded.get(response.requestId());
        if (request == null || !request.askedOf().equals(response.from())) {
            return;
        }
        forwarded.remove(response.requestId());
        for (long requestId : request.requestIds()) {
            node.readResults.add(response.confirmed()
                    ? new ReadResult.Confirmed(requestId, response.readIndex())
                    : new ReadResult.Rejected(requestId, node.leader));
        }
    }

    /** True if a follower has reads to ask its leader about. */
    boolean hasUnsent() {
        return !unsent.isEmpty();
    }

    /** True if a follower waits for its leader's answer to a read it forwarded. */
    boolean hasForwarded() {
        return !forwarded.isEmpty();
    }

    /** True if this leader holds reads not yet confirmed. */
    boolean hasPending() {
        return rounds.hasPending();
    }

    /**
     * Asks the leader about every read requested since the last call, in one request named by the first read's
     * id (request ids are unique on a node): one confirmation round then serves them all, as on the leader.
     */
    void sendForwarded() {
        if (unsent.isEmpty()) {
            return;
        }
        long batchId = unsent.get(0);
        forwarded.put(batchId, new Forwarded(node.leader, List.copyOf(unsent)));
        unsent.clear();
        node.send(new ReadIndexRequest(node.id, node.leader, node.term, batchId));
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
        deliver(rounds.confirmReady(node.configuration));
        node.replication.broadcastHeartbeat();
    }

    /** A voter's answer to a heartbeat counts for the read rounds up to the one it carries. */
    void heartbeatAnswered(HeartbeatResponse response) {
        if (response.readRound() > 0 && node.configuration.isVoter(response.from())) {
            deliver(rounds.acknowledge(response.from(), response.readRound(), node.configuration));
        }
    }

    /** The newest round started, which every heartbeat carries. */
    long latestRound() {
        return rounds.latestRound();
    }

    /**
     * This node is (or has become) a follower of {@code leaderHint}, or a candidate: no read waiting here can be
     * confirmed any more, and no answer to a read it forwarded will be recognised.
     */
    void rejectAll(NodeId leaderHint) {
        for (PendingRead read : rounds.removeAll()) {
            if (read.isLocal()) {
                node.readResults.add(new ReadResult.Rejected(read.requestId(), leaderHint));
            } else {
                node.send(new ReadIndexResponse(node.id, read.origin(), node.term, read.requestId(), false, 0));
            }
        }
        for (Forwarded request : forwarded.values()) {
            for (long requestId : request.requestIds()) {
                node.readResults.add(new ReadResult.Rejected(requestId, leaderHint));
            }
        }
        for (long requestId : unsent) {
            node.readResults.add(new ReadResult.Rejected(requestId, leaderHint));
        }
        forwarded.clear();
        unsent.clear();
    }

    private void deliver(List<ConfirmedRead> confirmed) {
        for (ConfirmedRead done : confirmed) {
            PendingRead read = done.read();
            if (read.isLocal()) {
                node.readResults.add(new ReadResult.Confirmed(read.requestId(), done.readIndex()));
            } else {
                node.send(new ReadIndexResponse(node.id, read.origin(), node.term, read.requestId(), true,
                        Math.max(done.readIndex(), read.floor())));
            }
        }
    }
}
