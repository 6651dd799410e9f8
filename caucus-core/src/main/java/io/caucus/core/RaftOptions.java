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
 */
public record RaftOptions(int electionTimeoutTicks, int heartbeatIntervalTicks, long maxBatchBytes,
                          int maxInflightMessages, long maxInflightBytes, long maxUncommittedBytes,
                          long maxApplyBytes, long maxLearnerLagEntries) {

    public static final long DEFAULT_MAX_LEARNER_LAG_ENTRIES = 1000;

    public static final RaftOptions DEFAULTS = new RaftOptions(10, 1, 1 << 20, 256, 32L << 20, 64L << 20, 4L << 20,
            DEFAULT_MAX_LEARNER_LAG_ENTRIES);

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
    }

    /** Options with the default {@code maxLearnerLagEntries}. */
    public RaftOptions(int electionTimeoutTicks, int heartbeatIntervalTicks, long maxBatchBytes,
                       int maxInflightMessages, long maxInflightBytes, long maxUncommittedBytes, long maxApplyBytes) {
        this(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages, maxInflightBytes,
                maxUncommittedBytes, maxApplyBytes, DEFAULT_MAX_LEARNER_LAG_ENTRIES);
    }

    public RaftOptions withElectionTimeoutTicks(int ticks) {
        return new RaftOptions(ticks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages, maxInflightBytes,
                maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries);
    }

    public RaftOptions withHeartbeatIntervalTicks(int ticks) {
        return new RaftOptions(electionTimeoutTicks, ticks, maxBatchBytes, maxInflightMessages, maxInflightBytes,
                maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries);
    }

    public RaftOptions withMaxBatchBytes(long bytes) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, bytes, maxInflightMessages,
                maxInflightBytes, maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries);
    }

    public RaftOptions withMaxInflightMessages(int messages) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, messages,
                maxInflightBytes, maxUncommittedBytes, maxApplyBytes, maxLearnerLagEntries);
    }

    public RaftOptions withMaxUncommittedBytes(long bytes) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages,
                maxInflightBytes, bytes, maxApplyBytes, maxLearnerLagEntries);
    }

    public RaftOptions withMaxLearnerLagEntries(long entries) {
        return new RaftOptions(electionTimeoutTicks, heartbeatIntervalTicks, maxBatchBytes, maxInflightMessages,
                maxInflightBytes, maxUncommittedBytes, maxApplyBytes, entries);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
