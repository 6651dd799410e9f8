package io.caucus.core;

/**
 * A leader's hand-over in progress (thesis §3.10): the target, and how long the leader has been at it. The
 * leader refuses proposals meanwhile, and gives up after an election timeout: by then the target has either
 * won an election (and this leader heard of the higher term) or it is not going to.
 */
final class LeadershipTransfer {

    private final NodeId target;
    private int elapsedTicks;

    LeadershipTransfer(NodeId target) {
        this.target = target;
    }

    NodeId target() {
        return target;
    }

    /** Counts a tick; true once the transfer has run for {@code electionTimeoutTicks} and is to be abandoned. */
    boolean tickExpired(int electionTimeoutTicks) {
        return ++elapsedTicks >= electionTimeoutTicks;
    }

    /** True if the target holds every entry of the leader's log, so that it can win an election (§5.4.1). */
    static boolean caughtUp(Progress progress, long leaderLastIndex) {
        return progress.matchIndex() == leaderLastIndex;
    }
}
