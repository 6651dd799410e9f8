package io.caucus.core;

import java.util.ArrayDeque;

/**
 * The leader's view of one follower's log (Raft paper Figure 2: nextIndex and matchIndex), plus how the
 * leader currently talks to it:
 *
 * <ul>
 *   <li>PROBE: the leader does not know where the logs agree; it sends one AppendEntries at a time and waits
 *       for the answer (or the next heartbeat round) before sending another;
 *   <li>REPLICATE: the logs agree up to matchIndex; the leader streams entries optimistically, up to a window
 *       of messages and bytes in flight;
 *   <li>SNAPSHOT: the follower needs entries the leader has compacted away; the leader sent an InstallSnapshot
 *       (Raft paper §7) and sends nothing else until it is answered, the runtime reports the transfer failed,
 *       or an election timeout passes without an answer; then it probes again.
 * </ul>
 *
 * <p>Invariant: {@code matchIndex < nextIndex}; in SNAPSHOT, {@code matchIndex < pendingSnapshotIndex}.
 */
final class Progress {

    enum State { PROBE, REPLICATE, SNAPSHOT }

    private long matchIndex;
    private long nextIndex;
    private State state = State.PROBE;
    private boolean probeSent;
    private long matchIndexAtLastInterval = -1;
    private boolean suspectedStalled;
    /** Heard from within the current CheckQuorum period. */
    private boolean recentlyActive;
    private final Inflights inflights;
    /** In SNAPSHOT: the last index of the snapshot sent, and the ticks since it was sent. */
    private long pendingSnapshotIndex;
    private int snapshotElapsedTicks;
    /** The highest commit index sent to this follower (capped as the message's receiver caps it). */
    private long commitSent;

    Progress(long nextIndex, int maxInflightMessages, long maxInflightBytes) {
        this.nextIndex = nextIndex;
        this.inflights = new Inflights(maxInflightMessages, maxInflightBytes);
    }

    long matchIndex() {
        return matchIndex;
    }

    long nextIndex() {
        return nextIndex;
    }

    State state() {
        return state;
    }

    long commitSent() {
        return commitSent;
    }

    /** A message told the follower that entries up to {@code commitIndex} are committed. */
    void sentCommit(long commitIndex) {
        commitSent = Math.max(commitSent, commitIndex);
    }

    boolean recentlyActive() {
        return recentlyActive;
    }

    void markActive() {
        recentlyActive = true;
    }

    void resetActive() {
        recentlyActive = false;
    }

    /** True if the leader should hold off sending more entries to this follower. */
    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.isFull();
            case SNAPSHOT -> true;
        };
    }

    /** Records that entries up to {@code lastIndex} were sent. */
    void sentEntries(long lastIndex, long bytes) {
        switch (state) {
            case PROBE -> probeSent = true;
            case REPLICATE -> {
                nextIndex = lastIndex + 1;
                inflights.add(lastIndex, bytes);
            }
            case SNAPSHOT -> throw new InvariantViolation("entries sent to a follower waiting for a snapshot");
        }
    }

    void sentProbe() {
        if (state == State.PROBE) {
            probeSent = true;
        }
    }

    /**
     * Called once per heartbeat interval: a follower in REPLICATE that is behind and whose match index has not
     * moved for a whole interval is suspected of having lost a message.
     */
    void heartbeatIntervalElapsed(long leaderLastIndex) {
        suspectedStalled = state == State.REPLICATE && matchIndex < leaderLastIndex
                && matchIndex == matchIndexAtLastInterval;
        matchIndexAtLastInterval = matchIndex;
    }

    /**
     * A heartbeat answer, which proves the follower alive. Returns true if the leader should send entries now:
     * a lost probe is retried, and a stalled stream falls back to probing from the match index.
     */
    boolean heardHeartbeatResponse(long leaderLastIndex) {
        if (matchIndex >= leaderLastIndex) {
            return false;
        }
        return switch (state) {
            case PROBE -> {
                probeSent = false;
                yield true;
            }
            case REPLICATE -> {
                boolean stalled = suspectedStalled; // becomeProbe clears the suspicion
                if (stalled) {
                    becomeProbe(matchIndex + 1);
                }
                yield stalled;
            }
            case SNAPSHOT -> false; // the snapshot's answer, failure report or stall timeout decides
        };
    }

    /**
     * The follower holds entries up to {@code index}. Returns true if that is news (the match index rose).
     */
    boolean acknowledge(long index) {
        inflights.freeUpTo(index);
        if (index <= matchIndex) {
            return false;
        }
        matchIndex = index;
        nextIndex = Math.max(nextIndex, index + 1);
        probeSent = false;
        if (state == State.PROBE || (state == State.SNAPSHOT && matchIndex >= pendingSnapshotIndex)) {
            becomeReplicate();
        }
        return true;
    }

    /**
     * The follower refused an AppendEntries whose previous index was {@code rejectedIndex}; {@code hintNext} is
     * where the leader's conflict analysis says to try next. Returns false if the rejection is stale (it answers
     * a message older than the current probe or stream).
     */
    boolean rejected(long rejectedIndex, long hintNext) {
        boolean stale = switch (state) {
            case REPLICATE -> rejectedIndex <= matchIndex;
            case PROBE -> rejectedIndex != nextIndex - 1;
            case SNAPSHOT -> true; // answers an AppendEntries sent before the snapshot
        };
        if (stale) {
            return false;
        }
        long next = Math.max(Math.min(hintNext, rejectedIndex), matchIndex + 1);
        becomeProbe(next);
        return true;
    }

    /** An InstallSnapshot for a snapshot ending at {@code snapshotIndex} was sent (§7). */
    void becomeSnapshot(long snapshotIndex) {
        Invariants.check(snapshotIndex > matchIndex, "snapshot at " + snapshotIndex + " sent to a follower holding "
                + matchIndex);
        state = State.SNAPSHOT;
        suspectedStalled = false;
        probeSent = false;
        inflights.clear();
        pendingSnapshotIndex = snapshotIndex;
        snapshotElapsedTicks = 0;
        nextIndex = snapshotIndex + 1;
    }

    /**
     * The follower answered an InstallSnapshot: it holds {@code followerMatchIndex} in agreement with the leader
     * (the snapshot's index, or its commit index if it already had more). Returns true if the match index rose.
     */
    boolean snapshotAnswered(long followerMatchIndex) {
        if (state != State.SNAPSHOT) {
            return acknowledge(followerMatchIndex); // a duplicate or late answer still states a fact
        }
        boolean rose = followerMatchIndex > matchIndex;
        matchIndex = Math.max(matchIndex, followerMatchIndex);
        becomeProbe(matchIndex + 1);
        return rose;
    }

    /** The runtime could not transfer the snapshot: probe again, which sends a new InstallSnapshot if needed. */
    void snapshotFailed() {
        if (state == State.SNAPSHOT) {
            becomeProbe(matchIndex + 1);
        }
    }

    /**
     * One tick passed. Returns true if a snapshot sent has stayed unanswered for {@code stallTicks}: the leader
     * then gives up on it and probes again, so a transfer lost without a failure report does not stall the
     * follower for ever.
     */
    boolean snapshotStalled(int stallTicks) {
        if (state != State.SNAPSHOT || ++snapshotElapsedTicks < stallTicks) {
            return false;
        }
        becomeProbe(matchIndex + 1);
        return true;
    }

    long pendingSnapshotIndex() {
        return state == State.SNAPSHOT ? pendingSnapshotIndex : 0;
    }

    private void becomeProbe(long next) {
        state = State.PROBE;
        suspectedStalled = false;
        nextIndex = next;
        probeSent = false;
        inflights.clear();
    }

    private void becomeReplicate() {
        state = State.REPLICATE;
        nextIndex = matchIndex + 1;
        inflights.clear();
    }

    NodeStatus.FollowerStatus status() {
        return new NodeStatus.FollowerStatus(matchIndex, nextIndex, state.name(), recentlyActive);
    }

    /** The AppendEntries in flight to a follower in REPLICATE: a bounded window of messages and bytes. */
    private static final class Inflights {
        private final int maxMessages;
        private final long maxBytes;
        private final ArrayDeque<long[]> sent = new ArrayDeque<>();
        private long bytes;

        Inflights(int maxMessages, long maxBytes) {
            this.maxMessages = maxMessages;
            this.maxBytes = maxBytes;
        }

        boolean isFull() {
            return sent.size() >= maxMessages || bytes >= maxBytes;
        }

        void add(long lastIndex, long messageBytes) {
            sent.addLast(new long[] {lastIndex, messageBytes});
            bytes += messageBytes;
        }

        void freeUpTo(long index) {
            while (!sent.isEmpty() && sent.peekFirst()[0] <= index) {
                bytes -= sent.pollFirst()[1];
            }
        }

        void clear() {
            sent.clear();
            bytes = 0;
        }
    }
}
