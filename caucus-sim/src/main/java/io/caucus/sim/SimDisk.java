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
import io.caucus.server.internal.Worker;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.SnapshotWriter;
import io.caucus.storage.StorageOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * One node's simulated disk: what is durable (hard state and log) survives crashes; persists still in flight
 * do not. Persists complete strictly in sequence order. Backed either by an in-memory log, or by the real
 * storage engine on its simulated disk (see {@link SimConfig.DiskModel}), so that the simulator checks
 * durability against the same storage contract the servers use.
 *
 * <p>Snapshots of the state machine go to a snapshot store, durable at once when committed (the runtime forces
 * a snapshot before it is used): with the in-memory backing a map of the newest few, with the storage backing
 * the real {@link io.caucus.storage.SnapshotStore}. Making a snapshot the log's base is part of a persist, lost
 * if the persist was not durable at a crash; recovery then starts the log from the store's newest snapshot if
 * it is newer than the log's base, as the real storage's recovery does.
 */
public final class SimDisk {

    /**
     * A persist made durable, with the term of the entry just before its first entry as the log stood when the
     * persist was written (what Log Matching pairs it with; later writes may already have replaced it).
     */
    record Completed(Persist persist, long termBeforeFirst) {
    }

    private record Pending(Persist persist, long termBeforeFirst) {
    }

    /** Small segments so that runs exercise rollover; small cache so that reads go back to the files. */
    private static final StorageOptions STORAGE_OPTIONS =
            StorageOptions.DEFAULTS.withSegmentBytes(16 << 10).withCacheBytes(8 << 10);
    private static final Path DIRECTORY = Path.of("/node");

    private final ClusterConfiguration configuration;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private long lastCompletionMicros;
    private long persistsCompleted;
    private HardState hardState = HardState.INITIAL;

    /** In-memory backing: the log the simulator writes only when a persist completes. */
    private final InMemoryLog memoryLog;
    private HardState previousHardState = HardState.INITIAL;
    /** In-memory backing: the snapshot store, by last included index. */
    private final TreeMap<Long, Map.Entry<SnapshotMetadata, KvSnapshot>> memorySnapshots = new TreeMap<>();
    private static final int MEMORY_SNAPSHOTS_RETAINED = 4;

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

    private SimDisk(ClusterConfiguration configuration, SimulatedDisk simulatedDisk, Random crashRandom) {
        this.configuration = configuration;
        this.simulatedDisk = simulatedDisk;
        this.crashRandom = crashRandom;
        this.memoryLog = simulatedDisk == null ? new InMemoryLog(configuration) : null;
        if (simulatedDisk != null) {
            reopen();
        }
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
        };
    }

    /** The durable log the node reads. */
    public LogView log() {
        if (memoryLog != null) {
            return memoryLog;
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
        persistsCompleted++;
    }

    /** The last hard state made durable (after a restart: the one recovered). */
    public HardState hardState() {
        return hardState;
    }

    public long persistsCompleted() {
        return persistsCompleted;
    }

    /** Torn tails the real storage cut off while recovering from crashes (storage backing only). */
    public long tornTailsRecovered() {
        return tornTailsRecovered;
    }

    int pendingCount() {
        return pending.size();
    }

    /**
     * Queues a persist; returns the time it becomes durable (never before an earlier one). The storage backing
     * writes it at once, as the runtime does: visible to reads, durable only once synced.
     */
    long enqueue(Persist persist, long now, long delayMicros) {
        Pending last = pending.peekLast();
        if (last != null && persist.sequence() <= last.persist().sequence()) {
            throw new IllegalStateException("persist sequence " + persist.sequence() + " after "
                    + last.persist().sequence());
        }
        long termBeforeFirst = -1;
        if (durableLog != null) {
            if (persist.snapshot() != null) {
                durableLog.installSnapshot(persist.snapshot());
            }
            durableLog.write(persist);
            termBeforeFirst = persist.entries().isEmpty() ? -1 : durableLog.term(persist.firstIndex() - 1);
        }
        pending.addLast(new Pending(persist, termBeforeFirst));
        lastCompletionMicros = Math.max(lastCompletionMicros, now + delayMicros);
        return lastCompletionMicros;
    }

    /** Makes the oldest pending persist durable, as Persist's contract orders: entries, then hard state. */
    Completed completeOldest() {
        Pending oldest = pending.removeFirst();
        Persist persist = oldest.persist();
        long termBeforeFirst = oldest.termBeforeFirst();
        if (durableLog != null) {
            durableLog.sync();
        } else {
            // In-memory persists are applied in order at completion, so the log now is the log it was written to.
            if (persist.snapshot() != null) {
                memoryLog.installSnapshot(persist.snapshot());
            }
            termBeforeFirst = persist.entries().isEmpty() ? -1 : memoryLog.term(persist.firstIndex() - 1);
            memoryLog.append(persist.entries());
        }
        if (persist.hardState() != null) {
            previousHardState = hardState;
            hardState = persist.hardState();
        }
        persistsCompleted++;
        return new Completed(persist, termBeforeFirst);
    }

    /** A crash: writes not yet durable are lost (with real storage, a random torn prefix of them may remain). */
    void crash() {
        pending.clear();
        if (runtimeStore != null) {
            // The crashed runtime's store is abandoned, not closed: closing would flush what the crash loses.
            runtimeStore = null;
            simulatedDisk.crash(crashRandom);
            reopen();
        } else if (durableLog != null) {
            durableLog.close();
            simulatedDisk.crash(crashRandom);
            reopen();
        } else {
            recoverMemoryLogFromNewestSnapshot();
        }
    }

    /** The in-memory counterpart of the storage recovery that starts the log from the newest kept snapshot. */
    private void recoverMemoryLogFromNewestSnapshot() {
        if (!memorySnapshots.isEmpty()
                && memorySnapshots.lastKey() > memoryLog.snapshot().lastIncludedIndex()) {
            memoryLog.installSnapshot(memorySnapshots.lastEntry().getValue().getKey());
        }
    }

    // ---------------------------------------------------------------- the snapshot store

    /** Commits a snapshot of the state machine to the store, durably (the runtime forces it before using it). */
    void commitSnapshot(SnapshotMetadata metadata, KvSnapshot state) {
        if (memoryLog != null) {
            memorySnapshots.put(metadata.lastIncludedIndex(), Map.entry(metadata, state));
            while (memorySnapshots.size() > MEMORY_SNAPSHOTS_RETAINED) {
                memorySnapshots.pollFirstEntry();
            }
            return;
        }
        try (SnapshotWriter writer = durableLog.snapshots().begin(metadata)) {
            byte[] data = state.data();
            writer.write(data, 0, data.length);
            writer.commit();
        }
    }

    /** The state machine state of a kept snapshot, or null if the store does not hold it (any more). */
    public KvSnapshot snapshotState(SnapshotMetadata metadata) {
        if (memoryLog != null) {
            Map.Entry<SnapshotMetadata, KvSnapshot> kept = memorySnapshots.get(metadata.lastIncludedIndex());
            return kept != null && kept.getKey().equals(metadata) ? kept.getValue() : null;
        }
        SnapshotStore snapshots = runtimeStore != null ? runtimeStore.snapshotStore() : durableLog.snapshots();
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
        pending.clear();
        hardState = previousHardState;
        if (memoryLog.lastIndex() >= memoryLog.firstIndex()) {
            memoryLog.truncateSuffix(memoryLog.lastIndex());
        }
        recoverMemoryLogFromNewestSnapshot();
        if (hardState.commitIndex() > memoryLog.lastIndex()) {
            hardState = new HardState(hardState.term(), hardState.votedFor(), memoryLog.lastIndex());
        }
    }
}
