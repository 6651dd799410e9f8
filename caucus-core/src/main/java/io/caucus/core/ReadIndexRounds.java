package io.caucus.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The leader's linearizable reads in flight (thesis §6.4), its own and those its followers asked for (§6.4.1).
 * Reads wait until the leader starts a round: it records its commit index as the read index and sends one
 * heartbeat to every member; once a quorum has answered that round (or a later one) the leader knew it was still
 * leader after the reads arrived, so their read index is safe to serve once applied. One round confirms every
 * read waiting when it started.
 *
 * <p>Invariant: every acknowledgement of round r counts for all rounds up to r, so an earlier round's
 * acknowledgements always include a later round's, and rounds complete in order.
 */
final class ReadIndexRounds {

    /**
     * A read waiting for confirmation.
     *
     * @param origin the follower that asked for it, or null for the leader's own
     * @param floor  the least index to serve it at (see {@link LinearizableReads#handleRequest})
     */
    record PendingRead(long requestId, NodeId origin, long floor) {

        static PendingRead local(long requestId) {
            return new PendingRead(requestId, null, 0);
        }

        boolean isLocal() {
            return origin == null;
        }
    }

    /** A read a quorum confirmed, to be served once {@code readIndex} is applied. */
    record ConfirmedRead(PendingRead read, long readIndex) {
    }

    private record Round(long number, long readIndex, List<PendingRead> reads, Set<NodeId> acknowledged) {
    }

    private final List<PendingRead> waiting = new ArrayList<>();
    private final ArrayDeque<Round> rounds = new ArrayDeque<>();
    private long lastRound;

    void enqueue(PendingRead read) {
        waiting.add(read);
    }

    boolean hasWaiting() {
        return !waiting.isEmpty();
    }

    /** True while a read waits for a round or a round waits for its quorum. */
    boolean hasPending() {
        return !waiting.isEmpty() || !rounds.isEmpty();
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
    List<ConfirmedRead> acknowledge(NodeId from, long round, ClusterConfiguration configuration) {
        for (Round pending : rounds) {
            if (pending.number() > round) {
                break;
            }
            pending.acknowledged().add(from);
        }
        return confirmReady(configuration);
    }

    /** Confirms, in order, every round a quorum has acknowledged. */
    List<ConfirmedRead> confirmReady(ClusterConfiguration configuration) {
        List<ConfirmedRead> confirmed = new ArrayList<>();
        while (!rounds.isEmpty() && configuration.hasQuorum(rounds.peekFirst().acknowledged())) {
            Round done = rounds.pollFirst();
            for (PendingRead read : done.reads()) {
                confirmed.add(new ConfirmedRead(read, done.readIndex()));
            }
        }
        return confirmed;
    }

    /** Leadership is lost or unconfirmable: returns every read not yet confirmed, which are dropped. */
    List<PendingRead> removeAll() {
        List<PendingRead> removed = new ArrayList<>();
        for (Round round : rounds) {
            removed.addAll(round.reads());
        }
        removed.addAll(waiting);
        rounds.clear();
        waiting.clear();
        return removed;
    }
}
