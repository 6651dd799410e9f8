package io.caucus.sim;

import io.caucus.core.RaftOptions;

/**
 * Everything that shapes one simulated run besides the seed's random choices.
 *
 * @param seed                the one seed every random choice of the run derives from
 * @param clusterSize         number of voters, named n1..nN
 * @param options             the core's tunables
 * @param tickMicros          virtual microseconds between two ticks of one node
 * @param network             delays, loss, duplication and reordering of messages
 * @param traceCapacity       how many recent events a failure report shows
 * @param disk                what stands behind each node's durable state: see {@link DiskModel}
 * @param compactEveryEntries each node snapshots its state machine and compacts its log once this many entries
 *                            were applied since its last snapshot (0: never); a runtime needs the
 *                            {@link DiskModel#STORAGE} disk for it, whose store keeps snapshots
 */
public record SimConfig(long seed, int clusterSize, RaftOptions options, long tickMicros, NetworkProfile network,
                        int traceCapacity, DiskModel disk, long compactEveryEntries) {

    /** What stands behind each node's durable state. */
    public enum DiskModel {
        /** An in-memory log and hard state, each write durable at once; it keeps no snapshots. */
        MEMORY,
        /**
         * The production store ({@code DurableLogStore}, snapshot store included) on {@code caucus-storage}'s
         * simulated disk: a write is durable once the runtime syncs it, a crash keeps a random, possibly torn,
         * part of what was not synced, and a restart recovers through the production recovery code.
         */
        STORAGE,
        /**
         * Multi-Raft ({@link MultiGroupSimulation}): each simulated process is one host, every group's replica on
         * it writes to the host's one shared WAL ({@code GroupLogStore}) and keeps its snapshots in the host's
         * {@code snapshots/<group>/}, all on one {@code caucus-storage} simulated disk per process; a crash of the
         * process crashes every group on it and keeps a random, possibly torn, part of what was not synced.
         */
        SHARED_WAL,
        /**
         * A deliberately broken runtime whose fsync lies: a crash loses the last write it reported durable. Only
         * for showing that the checkers catch what that breaks.
         */
        LYING
    }

    /** Options tuned for simulation: short timeouts, small batches so that backtracking shows. */
    public static final RaftOptions SIM_OPTIONS = RaftOptions.DEFAULTS
            .withElectionTimeoutTicks(10)
            .withHeartbeatIntervalTicks(1)
            .withMaxBatchBytes(4 << 10)
            .withMaxInflightMessages(8);

    public SimConfig {
        if (clusterSize < 1 || clusterSize > 99) {
            throw new IllegalArgumentException("clusterSize must be within 1..99, got " + clusterSize);
        }
        if (options == null || network == null) {
            throw new IllegalArgumentException("options and network must not be null");
        }
        if (tickMicros < 1) {
            throw new IllegalArgumentException("tickMicros must be positive, got " + tickMicros);
        }
        if (disk == null) {
            throw new IllegalArgumentException("disk must not be null");
        }
        if (compactEveryEntries < 0) {
            throw new IllegalArgumentException("compactEveryEntries must not be negative, got " + compactEveryEntries);
        }
        if (traceCapacity < 1) {
            throw new IllegalArgumentException("traceCapacity must be positive, got " + traceCapacity);
        }
    }

    /** A reliable cluster of {@code clusterSize} nodes: the starting point of scripted scenarios. */
    public static SimConfig of(long seed, int clusterSize) {
        return new SimConfig(seed, clusterSize, SIM_OPTIONS, 1000, NetworkProfile.RELIABLE, 200, DiskModel.MEMORY, 0);
    }

    public SimConfig withNetwork(NetworkProfile profile) {
        return new SimConfig(seed, clusterSize, options, tickMicros, profile, traceCapacity, disk, compactEveryEntries);
    }

    public SimConfig withOptions(RaftOptions raftOptions) {
        return new SimConfig(seed, clusterSize, raftOptions, tickMicros, network, traceCapacity, disk,
                compactEveryEntries);
    }

    public SimConfig withDisk(DiskModel model) {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, traceCapacity, model, compactEveryEntries);
    }

    public SimConfig withTraceCapacity(int capacity) {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, capacity, disk, compactEveryEntries);
    }

    /** Snapshots and compaction every {@code everyEntries} applied entries (0: never); see the parameter. */
    public SimConfig withCompaction(long everyEntries) {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, traceCapacity, disk, everyEntries);
    }

    /** See {@link DiskModel#LYING}: a broken runtime, for tests of the checkers themselves. */
    public SimConfig withLyingDisk() {
        return withDisk(DiskModel.LYING);
    }
}
