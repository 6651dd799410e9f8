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
 *       of messages and bytes in flight.
 * </ul>
 *
 * <p>Invariant: {@code matchIndex < nextIndex}.
 */
final class Progress {

    enum State { PROBE, REPLICATE }

    private long matchIndex;
    private long nextIndex;
    private State state = State.PROBE;
    private boolean probeSent;
    private long matchIndexAtLastInterval = -1;
    private boolean suspectedStalled;
    /** Heard from within the current CheckQuorum period. */
    private boolean recentlyActive;
    private final Inflights inflights;

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
        if (state == State.PROBE) {
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
        };
        if (stale) {
            return false;
        }
        long next = Math.max(Math.min(hintNext, rejectedIndex), matchIndex + 1);
        becomeProbe(next);
        return true;
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
