package io.caucus.sim;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.InMemoryLog;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import io.caucus.sim.kv.KvSnapshot;
import io.caucus.storage.DurableLog;
import io.caucus.storage.RecoveryReport;
import io.caucus.server.internal.DurableLogStore;
import io.caucus.server.internal.LogStore;
import io.caucus.server.internal.Worker;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.StorageOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * One node's simulated disk: what is durable (hard state and log) survives crashes. Backed either by an
 * in-memory log, where each write is durable at once and no snapshot is kept, or by the production store on
 * the storage engine's simulated disk (see {@link SimConfig.DiskModel}), so that the simulator checks durability
 * against the same storage contract the servers use: there the runtime's snapshots go to the real
 * {@link io.caucus.storage.SnapshotStore}, and a crash keeps a random, possibly torn, part of what was not synced.
 */
public final class SimDisk {

    /** Small segments so that runs exercise rollover; small cache so that reads go back to the files. */
    private static final StorageOptions STORAGE_OPTIONS =
            StorageOptions.DEFAULTS.withSegmentBytes(16 << 10).withCacheBytes(8 << 10);
    private static final Path DIRECTORY = Path.of("/node");

    private final ClusterConfiguration configuration;
    private HardState hardState = HardState.INITIAL;

    /** In-memory backing: the log, written durably at once. */
    private final InMemoryLog memoryLog;
    private HardState previousHardState = HardState.INITIAL;

    /** Storage backing: the real engine on a simulated disk whose crashes tear unsynced writes. */
    private final SimulatedDisk simulatedDisk;
    private final Random crashRandom;
    private DurableLog durableLog;
    /**
     * Storage backing, while a node runtime runs on it: the production store it opened on the simulated disk
     * (then {@link #durableLog} is closed), which the runtime writes and syncs itself.
     */
    private DurableLogStore runtimeStore;
    private long tornTailsRecovered;
    /**
     * Shared-WAL backing ({@link SimConfig.DiskModel#SHARED_WAL}): the store the group's replica runs on, in its
     * process's shared WAL, while the process is up. The process owns the simulated disk and crashes it.
     */
    private final boolean hosted;
    private LogStore hostedStore;
    /**
     * Shared-WAL backing while the process is down: what its recovery found of this group; before the process first
     * runs the group, and after it removed it, an empty log.
     */
    private LogView crashedView;

    private SimDisk(ClusterConfiguration configuration, SimulatedDisk simulatedDisk, Random crashRandom,
                    boolean hosted) {
        this.configuration = configuration;
        this.simulatedDisk = simulatedDisk;
        this.crashRandom = crashRandom;
        this.hosted = hosted;
        this.memoryLog = simulatedDisk == null && !hosted ? new InMemoryLog(configuration) : null;
        if (simulatedDisk != null) {
            reopen();
        }
    }

    private SimDisk(ClusterConfiguration configuration, SimulatedDisk simulatedDisk, Random crashRandom) {
        this(configuration, simulatedDisk, crashRandom, false);
    }

    /** A group replica's view of its process's shared WAL: see {@link SimConfig.DiskModel#SHARED_WAL}. */
    static SimDisk hosted(ClusterConfiguration configuration) {
        SimDisk disk = new SimDisk(configuration, null, null, true);
        disk.crashedView = new InMemoryLog(configuration);
        return disk;
    }

    /** The process started the group's replica on {@code store}, which recovered {@code recovered}. */
    void hostedStarted(LogStore store, HardState recovered) {
        hostedStore = store;
        crashedView = null;
        hardState = recovered;
    }

    /**
     * The process crashed: what recovery of its shared WAL finds of this group ({@code log}: indexes, terms and
     * base, read while the process is down) and its hard state.
     */
    void hostedCrashed(LogView log, HardState recovered) {
        hostedStore = null;
        crashedView = log;
        hardState = recovered;
    }

    /** The process removed the group for good (GROUP_REMOVED): nothing of it is left on the disk. */
    void hostedRemoved() {
        hostedStore = null;
        crashedView = new InMemoryLog(configuration);
        hardState = HardState.INITIAL;
    }

    /** Whether this disk is a group's view of a process's shared WAL. */
    boolean hosted() {
        return hosted;
    }

    SimDisk(ClusterConfiguration configuration) {
        this(configuration, null, null);
    }

    /** A disk backed by the real storage engine; {@code random} decides what a crash keeps of unsynced writes. */
    static SimDisk onStorage(ClusterConfiguration configuration, Random random) {
        return new SimDisk(configuration, new SimulatedDisk(), random);
    }

    static SimDisk of(SimConfig.DiskModel model, ClusterConfiguration configuration, Random random) {
        return switch (model) {
            case MEMORY, LYING -> new SimDisk(configuration);
            case STORAGE -> onStorage(configuration, random);
            case SHARED_WAL -> hosted(configuration);
        };
    }

    /** The durable log the node reads. */
    public LogView log() {
        if (memoryLog != null) {
            return memoryLog;
        }
        if (hosted) {
            return hostedStore != null ? hostedStore.log() : crashedView;
        }
        return runtimeStore != null ? runtimeStore.log() : durableLog;
    }

    /** Whether this disk holds the real storage engine (and so a snapshot store a runtime can use). */
    boolean onStorage() {
        return simulatedDisk != null;
    }

    /**
     * Opens the production store, {@link DurableLogStore}, on this disk for a node runtime about to start, as a
     * server opens it on its real disk; its log cleanup runs on a worker from {@code workers}. What it writes is
     * durable once it syncs ({@link #synced}); a crash keeps a random, possibly torn, part of the rest.
     */
    DurableLogStore openRuntimeStore(Worker.Factory workers) {
        if (simulatedDisk == null) {
            throw new IllegalStateException("the production store needs the storage backing");
        }
        if (durableLog != null) {
            durableLog.close(); // opened to recover after the last crash; the store recovers the same files again
            durableLog = null;
        }
        runtimeStore = DurableLogStore.open(simulatedDisk, DIRECTORY, STORAGE_OPTIONS, configuration, workers);
        hardState = runtimeStore.recoveredHardState();
        return runtimeStore;
    }

    /** The runtime's store synced {@code persist}: its hard state, if it carries one, is now the durable one. */
    void synced(Persist persist) {
        if (persist.hardState() != null) {
            previousHardState = hardState;
            hardState = persist.hardState();
        }
    }

    /** The last hard state made durable (after a restart: the one recovered). */
    public HardState hardState() {
        return hardState;
    }

    /** Torn tails the real storage cut off while recovering from crashes (storage backing only). */
    public long tornTailsRecovered() {
        return tornTailsRecovered;
    }

    /**
     * An in-memory write, durable at once (entries, then hard state, as Persist's contract orders); returns the
     * term of the entry before its first one as the log stood, which Log Matching pairs it with.
     */
    long writeDurably(Persist persist) {
        if (memoryLog == null) {
            throw new IllegalStateException("the storage backing is written through the production store");
        }
        if (persist.snapshot() != null) {
            memoryLog.installSnapshot(persist.snapshot());
        }
        long termBeforeFirst = persist.entries().isEmpty() ? -1 : memoryLog.term(persist.firstIndex() - 1);
        memoryLog.append(persist.entries());
        if (persist.hardState() != null) {
            previousHardState = hardState;
            hardState = persist.hardState();
        }
        return termBeforeFirst;
    }

    /** A crash: writes not yet durable are lost (with real storage, a random torn part of them may remain). */
    void crash() {
        if (hosted) {
            // The process crashes its simulated disk once, for all its groups, and hands each its recovered view.
            hostedStore = null;
            return;
        }
        if (runtimeStore != null) {
            // The crashed runtime's store is abandoned, not closed: closing would flush what the crash loses.
            runtimeStore = null;
            simulatedDisk.crash(crashRandom);
            reopen();
        }
    }

    /** The state machine state of a kept snapshot, or null if the store does not hold it (any more). */
    public KvSnapshot snapshotState(SnapshotMetadata metadata) {
        if (memoryLog != null || (hosted && hostedStore == null)) {
            return null;
        }
        SnapshotStore snapshots = hosted ? hostedStore.snapshotStore()
                : runtimeStore != null ? runtimeStore.snapshotStore() : durableLog.snapshots();
        // Index and term name a snapshot (the configuration may carry member addresses the message's copy lacks).
        SnapshotMetadata kept = snapshots.list().stream()
                .filter(stored -> stored.lastIncludedIndex() == metadata.lastIncludedIndex()
                        && stored.lastIncludedTerm() == metadata.lastIncludedTerm())
                .findFirst().orElse(null);
        if (kept == null) {
            return null;
        }
        try (InputStream data = snapshots.openData(kept)) {
            return new KvSnapshot(metadata.lastIncludedIndex(), data.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read snapshot " + metadata, e);
        }
    }

    /** Recovers the log from the simulated disk through the real storage's recovery. */
    private void reopen() {
        DurableLog.Opened opened = DurableLog.open(simulatedDisk, DIRECTORY, STORAGE_OPTIONS, configuration);
        RecoveryReport report = opened.report();
        tornTailsRecovered += report.truncatedTails().size();
        durableLog = opened.log();
        hardState = opened.hardState();
    }

    /**
     * A crash of a disk whose fsync lied: besides pending writes, the last hard state and the last log entry
     * it reported durable are lost too. The commit index is kept within the log so the node can start.
     */
    void crashLosingAcknowledgedWrites() {
        if (memoryLog == null) {
            throw new IllegalStateException("a lying disk is simulated with the in-memory backing only");
        }
        hardState = previousHardState;
        if (memoryLog.lastIndex() >= memoryLog.firstIndex()) {
            memoryLog.truncateSuffix(memoryLog.lastIndex());
        }
        if (hardState.commitIndex() > memoryLog.lastIndex()) {
            hardState = new HardState(hardState.term(), hardState.votedFor(), memoryLog.lastIndex());
        }
    }
}
