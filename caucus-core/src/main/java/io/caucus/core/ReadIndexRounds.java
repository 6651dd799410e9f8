package io.caucus.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The leader's linearizable reads in flight (thesis §6.4). Reads wait until the leader starts a round: it
 * records its commit index as the read index and sends one heartbeat to every member; once a quorum has
 * answered that round (or a later one) the leader knew it was still leader after the reads arrived, so their
 * read index is safe to serve once applied. One round confirms every read waiting when it started.
 *
 * <p>Invariant: every acknowledgement of round r counts for all rounds up to r, so an earlier round's
 * acknowledgements always include a later round's, and rounds complete in order.
 */
final class ReadIndexRounds {

    private record Round(long number, long readIndex, List<Long> requestIds, Set<NodeId> acknowledged) {
    }

    private final List<Long> waiting = new ArrayList<>();
    private final ArrayDeque<Round> rounds = new ArrayDeque<>();
    private long lastRound;

    void enqueue(long requestId) {
        waiting.add(requestId);
    }

    boolean hasWaiting() {
        return !waiting.isEmpty();
    }

    /** The newest round started, which every heartbeat carries (0 if none yet). */
    long latestRound() {
        return lastRound;
    }

    /** Starts a round for every waiting read at {@code readIndex}; the leader acknowledges it itself. */
    long startRound(long readIndex, NodeId self) {
        Set<NodeId> acknowledged = new HashSet<>();
        acknowledged.add(self);
        rounds.addLast(new Round(++lastRound, readIndex, List.copyOf(waiting), acknowledged));
        waiting.clear();
        return lastRound;
    }

    /** Records that {@code from} answered heartbeat round {@code round}; returns reads now confirmed. */
    void acknowledge(NodeId from, long round, ClusterConfiguration configuration, List<ReadResult> out) {
        for (Round pending : rounds) {
            if (pending.number() > round) {
                break;
            }
            pending.acknowledged().add(from);
        }
        confirmReady(configuration, out);
    }

    /** Confirms, in order, every round a quorum has acknowledged. */
    void confirmReady(ClusterConfiguration configuration, List<ReadResult> out) {
        while (!rounds.isEmpty() && configuration.hasQuorum(rounds.peekFirst().acknowledged())) {
            Round done = rounds.pollFirst();
            for (long requestId : done.requestIds()) {
                out.add(new ReadResult.Confirmed(requestId, done.readIndex()));
            }
        }
    }

    /** Leadership is lost or unconfirmable: every read not yet confirmed is rejected. */
    void rejectAll(NodeId leaderHint, List<ReadResult> out) {
        for (Round round : rounds) {
            for (long requestId : round.requestIds()) {
                out.add(new ReadResult.Rejected(requestId, leaderHint));
            }
        }
        for (long requestId : waiting) {
            out.add(new ReadResult.Rejected(requestId, leaderHint));
        }
        rounds.clear();
        waiting.clear();
    }

    int pendingCount() {
        int count = waiting.size();
        for (Round round : rounds) {
            count += round.requestIds().size();
        }
        return count;
    }
}
