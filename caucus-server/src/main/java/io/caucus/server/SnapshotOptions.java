package io.caucus.server;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * When a node snapshots its state machine and compacts its log, and how snapshots travel to followers (Raft
 * paper §7).
 *
 * @param thresholdEntries  take a snapshot once this many entries were applied since the last one (0: never by
 *                          count), or up to {@link #STAGGER} more. Default 100 000
 * @param thresholdBytes    take a snapshot once the entries applied since the last one add up to this many bytes
 *                          (0: never by size), or up to {@link #STAGGER} more. Default 64 MiB
 * @param chunkBytes        size of one chunk of snapshot data sent to a follower. Default 1 MiB; must stay well
 *                          below the transport's maxFrameBytes
 * @param maxChunksInFlight chunks sent to a follower and not yet acknowledged (flow control). Default 4
 * @param transferTimeout   a transfer that makes no progress (no acknowledgement, no chunk) for this long is
 *                          abandoned and started over. Default 30 s
 * @param logToSnapshotRatio a threshold counts only once the entries applied since the last snapshot add up to at
 *                          least this many times that snapshot's size (0: the thresholds alone). Default 4
 */
public record SnapshotOptions(long thresholdEntries, long thresholdBytes, int chunkBytes, int maxChunksInFlight,
                              Duration transferTimeout, double logToSnapshotRatio) {

    /**
     * Each snapshot is taken at a point drawn at random between a threshold and this much past it (a fraction of
     * the threshold). Replicas apply the same entries, so with exact thresholds every node would snapshot the
     * same index at the same moment and all of them, the leader included, be slowed by it together; on the
     * benchmark host (three nodes on two cores and one file system) each such moment holds 400-1,400 requests
     * over 5 ms. Drawn apart, the nodes' snapshots mostly fall at different moments, a majority keeps its full
     * speed while one node snapshots, and the slowest request of a second with a snapshot in it takes 15-30 ms
     * instead of 35-89 (docs/benchmarks.md, "What the design rests on").
     */
    public static final double STAGGER = 0.25;

    /** The default {@link #logToSnapshotRatio}: the thesis's example expansion factor (§5.1.2). */
    public static final double DEFAULT_LOG_TO_SNAPSHOT_RATIO = 4;

    public static final SnapshotOptions DEFAULTS = new SnapshotOptions(100_000, 64L << 20, 1 << 20, 4,
            Duration.ofSeconds(30), DEFAULT_LOG_TO_SNAPSHOT_RATIO);

    public SnapshotOptions {
        Objects.requireNonNull(transferTimeout, "transferTimeout");
        require(thresholdEntries >= 0, "snapshot thresholdEntries must not be negative: " + thresholdEntries);
        require(thresholdBytes >= 0, "snapshot thresholdBytes must not be negative: " + thresholdBytes);
        require(chunkBytes >= 1024, "snapshot chunkBytes must be at least 1024: " + chunkBytes);
        require(maxChunksInFlight >= 1, "snapshot maxChunksInFlight must be positive: " + maxChunksInFlight);
        require(transferTimeout.toMillis() >= 1, "snapshot transferTimeout must be positive: " + transferTimeout);
        require(logToSnapshotRatio >= 0 && Double.isFinite(logToSnapshotRatio),
                "snapshot logToSnapshotRatio must be a finite number, 0 or more: " + logToSnapshotRatio);
    }

    /** Options with the default {@link #logToSnapshotRatio}. */
    public SnapshotOptions(long thresholdEntries, long thresholdBytes, int chunkBytes, int maxChunksInFlight,
                           Duration transferTimeout) {
        this(thresholdEntries, thresholdBytes, chunkBytes, maxChunksInFlight, transferTimeout,
                DEFAULT_LOG_TO_SNAPSHOT_RATIO);
    }

    public SnapshotOptions withThresholds(long entries, long bytes) {
        return new SnapshotOptions(entries, bytes, chunkBytes, maxChunksInFlight, transferTimeout,
                logToSnapshotRatio);
    }

    public SnapshotOptions withChunking(int bytes, int inFlight) {
        return new SnapshotOptions(thresholdEntries, thresholdBytes, bytes, inFlight, transferTimeout,
                logToSnapshotRatio);
    }

    public SnapshotOptions withTransferTimeout(Duration timeout) {
        return new SnapshotOptions(thresholdEntries, thresholdBytes, chunkBytes, maxChunksInFlight, timeout,
                logToSnapshotRatio);
    }

    public SnapshotOptions withLogToSnapshotRatio(double ratio) {
        return new SnapshotOptions(thresholdEntries, thresholdBytes, chunkBytes, maxChunksInFlight, transferTimeout,
                ratio);
    }

    /**
     * True if the log since the last snapshot has passed a threshold stretched by {@code stretch} (0 for the
     * threshold itself, at most {@link #STAGGER}).
     */
    public boolean isDue(long entriesSince, long bytesSince, double stretch) {
        return (thresholdEntries > 0 && entriesSince >= thresholdEntries * (1 + stretch))
                || (thresholdBytes > 0 && bytesSince >= thresholdBytes * (1 + stretch));
    }

    /**
     * True if {@code bytesSince}, the entries applied since the last snapshot, add up to {@link #logToSnapshotRatio}
     * times that snapshot's {@code snapshotBytes} or more (Raft thesis §5.1.2: snapshot when the log outgrows the
     * previous snapshot by an expansion factor). A snapshot rewrites the whole state: with a large state and small
     * writes, snapshots at a fixed count of entries would spend more disk bandwidth and CPU on rewriting the state
     * than on the writes (with the default 4, at most about a fifth of what is written is snapshot). The price is
     * a log of up to that many times the state between snapshots, to keep on disk and replay on restart.
     */
    public boolean logOutgrows(long bytesSince, long snapshotBytes) {
        return bytesSince >= logToSnapshotRatio * snapshotBytes;
    }

    /** A stretch for {@link #isDue}, uniform in [0, {@link #STAGGER}). */
    public static double drawStretch() {
        return drawStretch(ThreadLocalRandom.current());
    }

    /** A stretch for {@link #isDue} drawn from {@code random} (a seeded one replays the same snapshot points). */
    public static double drawStretch(RandomGenerator random) {
        return random.nextDouble(STAGGER);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
