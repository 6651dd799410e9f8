package io.caucus.core;

/**
 * Tunables of the algorithm, in ticks and bytes. Pre-Vote, CheckQuorum and leader stickiness are always on:
 * they are part of what makes Caucus correct and available, not options.
 *
 * @param electionTimeoutTicks    minimum election timeout; the randomized timeout is drawn from
 *                                [electionTimeoutTicks, 2 * electionTimeoutTicks)
 * @param heartbeatIntervalTicks  ticks between a leader's heartbeats; less than electionTimeoutTicks
 * @param maxBatchBytes           the most entry bytes one AppendEntries carries (at least one entry is sent)
 * @param maxInflightMessages     AppendEntries in flight to one follower before the leader waits for acks
 * @param maxInflightBytes        entry bytes in flight to one follower before the leader waits for acks
 * @param maxUncommittedBytes     proposals refused while the leader's uncommitted entries exceed this
 * @param maxApplyBytes           committed entry bytes handed out to apply in one Ready
 * @param maxLearnerLagEntries    a learner is promoted to voter only if its match index is at most this many
 *                                entries behind the leader's last index (default 1000): a voter far behind would
 *                                hold up commitment while it catches up (thesis §4.2.1)
 * @param quiesceAfterTicks       a leader quiesces its group once nothing has been in flight for this many ticks
 *                                (see {@link RaftNode#isQuiesced()}); 0, the default, never quiesces. Only for a
 *                                runtime that wakes a quiesced follower when its leader's process goes silent
 *                                (a host with process liveness): a quiesced follower does not time out by itself
 */
public record RaftOptions(int electionTimeoutTicks, int heartbeatIntervalTicks, long maxBatchBytes,
                          int maxInflightMessages, long maxInflightBytes, long maxUncommittedBytes,
                          long maxApplyBytes, long maxLearnerLagEntries, int quiesceAfterTicks) {

    public static final long DEFAULT_MAX_LEARNER_LAG_ENTRIES = 1000;

    public static final RaftOptions DEFAULTS = new RaftOptions(10, 1, 1 << 20, 256, 32L << 20, 64L << 20, 4L << 20,
            DEFAULT_MAX_LEARNER_LAG_ENTRIES, 0);

    public RaftOptions {
        require(electionTimeoutTicks >= 2, "electionTimeoutTicks must be at least 2");
        require(heartbeatIntervalTicks >= 1 && heartbeatIntervalTicks < electionTimeoutTicks,
                "heartbeatIntervalTicks must be at least 1 and less than electionTimeoutTicks");
        require(maxBatchBytes > 0, "maxBatchBytes must be positive");
        require(maxInflightMessages > 0, "maxInflightMessages must be positive");
        require(maxInflightBytes > 0, "maxInflightBytes must be positive");
        require(maxUncommittedBytes > 0, "maxUncommittedBytes must be positive");
        require(maxApplyBytes > 0, "maxApplyBytes must be positive");
        require(maxLearnerLagEntries >= 0, "maxLearnerLagEntries must not be negative");
        require(quiesceAfterTicks >= 0, "quiesceAfterTicks must not be negative");
    }

    /** Options that never quiesce. */
    public RaftOptions(int electionTimeoutTicks, int heartbeatIntervalTicks, long maxBatchBytes,
                       int maxInflightMessages, long maxInflightBytes, long maxUncommittedBytes, long maxApplyBytes,
                       long maxLearnerLagEntries) {
        this(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages, maxInflightBytes,
                maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries, 0);
    }

    /** Options with the default {@code maxLearnerLagEntries}. */
    public RaftOptions(int electionTimeoutTicks, int heartbeatIntervalTicks, long maxBatchBytes,
                       int maxInflightMessages, long maxInflightBytes, long maxUncommittedBytes, long maxApplyBytes) {
        this(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages, maxInflightBytes,
                maxUncommittedBytes, maxApplyBytes, DEFAULT_MAX_LEARNER_LAG_ENTRIES, 0);
    }

    public RaftOptions withElectionTimeoutTicks(int ticks) {
        return new RaftOptions(ticks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages, maxInflightBytes,
                maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries, quiesceAfterTicks);
    }

    public RaftOptions withHeartbeatIntervalTicks(int ticks) {
        return new RaftOptions(electionTimeoutTicks, ticks, maxBatchBytes, maxInflightMessages, maxInflightBytes,
                maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries, quiesceAfterTicks);
    }

    public RaftOptions withMaxBatchBytes(long bytes) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, bytes, maxInflightMessages,
                maxInflightBytes, maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries, quiesceAfterTicks);
    }

    public RaftOptions withMaxInflightMessages(int messages) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, messages,
                maxInflightBytes, maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries, quiesceAfterTicks);
    }

    public RaftOptions withMaxUncommittedBytes(long bytes) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages,
                maxInflightBytes, bytes, maxApplyBytes, maxLearnerLagEntries, quiesceAfterTicks);
    }

    public RaftOptions withMaxLearnerLagEntries(long entries) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages,
                maxInflightBytes, maxUncommittedBytes, maxApplyBytes, entries, quiesceAfterTicks);
    }

    public RaftOptions withQuiesceAfterTicks(int ticks) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages,
                maxInflightBytes, maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries, ticks);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
