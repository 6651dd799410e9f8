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
 * @param minDiskDelayMicros  the least time a persist takes to become durable
 * @param maxDiskDelayMicros  the greatest time a persist takes to become durable
 * @param traceCapacity       how many recent events a failure report shows
 * @param disk                what stands behind each node's durable state: see {@link DiskModel}
 * @param driver              what carries out each core's Ready: see {@link Driver}
 * @param compactEveryEntries each node snapshots its state machine and compacts its log once this many entries
 *                            were applied since its last snapshot (0: never); a runtime needs the
 *                            {@link DiskModel#STORAGE} disk for it, whose store keeps snapshots
 */
public record SimConfig(long seed, int clusterSize, RaftOptions options, long tickMicros, NetworkProfile network,
                        long minDiskDelayMicros, long maxDiskDelayMicros, int traceCapacity, DiskModel disk,
                        Driver driver, long compactEveryEntries) {

    /** What stands behind each node's durable state. */
    public enum DiskModel {
        /** An in-memory log and hard state that a persist updates when it completes. */
        MEMORY,
        /**
         * The real storage ({@code caucus-storage}'s DurableLog) on its simulated disk: writes go in when the core
         * hands them out, become durable at the persist's completion (one sync), and a crash keeps a random,
         * possibly torn, prefix of what was not synced; a restart recovers through the real recovery code.
         */
        STORAGE,
        /**
         * A deliberately broken runtime whose fsync lies: a crash loses the last write it reported durable. Only
         * for showing that the checkers catch what that breaks.
         */
        LYING
    }

    /** What carries out each core's Ready. */
    public enum Driver {
        /**
         * The production runtime (caucus-server's {@code NodeRuntime}: its node loop, applier, pending requests and
         * membership tracker) in virtual time; clients go through its request path. Its writes are durable at the
         * end of the turn that makes them (one sync per turn), so the disk delays do not apply.
         */
        RUNTIME,
        /**
         * The simulation carries out the Ready itself, so that scripted scenarios can feed the core one input at a
         * time (propose, readIndex, campaign) and test the core's rules; only those scenarios use it.
         */
        CORE
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
        if (minDiskDelayMicros < 0 || maxDiskDelayMicros < minDiskDelayMicros) {
            throw new IllegalArgumentException("need 0 <= minDiskDelayMicros <= maxDiskDelayMicros, got "
                    + minDiskDelayMicros + ", " + maxDiskDelayMicros);
        }
        if (disk == null || driver == null) {
            throw new IllegalArgumentException("disk and driver must not be null");
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
        return new SimConfig(seed, clusterSize, SIM_OPTIONS, 1000, NetworkProfile.RELIABLE, 50, 300, 200,
                DiskModel.MEMORY, Driver.CORE, 0);
    }

    /** Drives bare cores (see {@link Driver#CORE}). */
    public SimConfig withCoreDriver() {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, minDiskDelayMicros,
                maxDiskDelayMicros, traceCapacity, disk, Driver.CORE, compactEveryEntries);
    }

    /** Runs the production runtime on every node (see {@link Driver#RUNTIME}). */
    public SimConfig withRuntime() {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, minDiskDelayMicros,
                maxDiskDelayMicros, traceCapacity, disk, Driver.RUNTIME, compactEveryEntries);
    }

    public SimConfig withNetwork(NetworkProfile profile) {
        return new SimConfig(seed, clusterSize, options, tickMicros, profile, minDiskDelayMicros,
                maxDiskDelayMicros, traceCapacity, disk, driver, compactEveryEntries);
    }

    public SimConfig withOptions(RaftOptions raftOptions) {
        return new SimConfig(seed, clusterSize, raftOptions, tickMicros, network, minDiskDelayMicros,
                maxDiskDelayMicros, traceCapacity, disk, driver, compactEveryEntries);
    }

    public SimConfig withDiskDelays(long minMicros, long maxMicros) {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, minMicros, maxMicros, traceCapacity,
                disk, driver, compactEveryEntries);
    }

    public SimConfig withDisk(DiskModel model) {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, minDiskDelayMicros,
                maxDiskDelayMicros, traceCapacity, model, driver, compactEveryEntries);
    }

    public SimConfig withTraceCapacity(int capacity) {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, minDiskDelayMicros,
                maxDiskDelayMicros, capacity, disk, driver, compactEveryEntries);
    }

    /** Snapshots and compaction every {@code everyEntries} applied entries (0: never); see the parameter. */
    public SimConfig withCompaction(long everyEntries) {
        return new SimConfig(seed, clusterSize, options, tickMicros, network, minDiskDelayMicros,
                maxDiskDelayMicros, traceCapacity, disk, driver, everyEntries);
    }

    /** See {@link DiskModel#LYING}: a broken runtime, for tests of the checkers themselves. */
    public SimConfig withLyingDisk() {
        return withDisk(DiskModel.LYING);
    }
}
