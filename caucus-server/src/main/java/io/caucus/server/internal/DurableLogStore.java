package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.storage.Disk;
import io.caucus.storage.DurableLog;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.StorageOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's store: caucus-storage's segmented, checksummed write-ahead log, on any {@link Disk} (production:
 * {@code RealDisk}; in virtual time a {@code SimulatedDisk}, which a crash makes lose what was not synced).
 * Compacted segments are deleted on a {@link Worker} of the store's own (in production the thread
 * {@code caucus-log-cleanup-<directory>}, started on the first compaction), so that the node thread, which
 * compacts, does not wait tens of milliseconds for the file system to free one.
 */
public final class DurableLogStore implements LogStore {

    private static final Logger LOG = LoggerFactory.getLogger(DurableLogStore.class);
    /** How long close() waits for deletions under way; one left over is redone after the next open. */
    private static final Duration CLEANUP_WAIT = Duration.ofSeconds(30);

    private final DurableLog log;
    private final HardState recovered;
    private final Path directory;
    private final Worker cleanup;

    private DurableLogStore(DurableLog log, HardState recovered, Path directory, Worker.Factory workers) {
        this.log = log;
        this.recovered = recovered;
        this.directory = directory;
        this.cleanup = workers.start("caucus-log-cleanup-" + directory.getFileName());
        log.deleteSegmentsOn(task -> cleanup.execute(() -> deleteLogged(task)));
    }

    private void deleteLogged(Runnable deletion) {
        try {
            deletion.run();
        } catch (RuntimeException e) {
            // The log has stopped (StorageFailedException): the node learns it from its next write.
            LOG.atError().setCause(e).log("storage in {}: {}", directory, e.getMessage());
        }
    }

    /**
     * Opens (creating if needed) and recovers the store in {@code directory}.
     *
     * @throws io.caucus.storage.CorruptStorageException if the data is damaged in a way a crash cannot explain
     * @throws io.caucus.storage.StorageFailedException  on an I/O error
     */
    public static DurableLogStore open(Disk disk, Path directory, StorageOptions options,
                                       ClusterConfiguration configuration) {
        return open(disk, directory, options, configuration, Worker::thread);
    }

    /**
     * Opens and recovers the store as above, deleting compacted segments on a worker from {@code workers} (the
     * {@link NodeEnvironment#workers()} of the node it is started for).
     */
    public static DurableLogStore open(Disk disk, Path directory, StorageOptions options,
                                       ClusterConfiguration configuration, Worker.Factory workers) {
        DurableLog.Opened opened = DurableLog.open(disk, directory, options, configuration);
        if (!opened.report().isClean()) {
            LOG.warn("storage in {} was repaired on open: {}", directory, opened.report());
        }
        return new DurableLogStore(opened.log(), opened.hardState(), directory, workers);
    }

    @Override
    public HardState recoveredHardState() {
        return recovered;
    }

    @Override
    public LogView log() {
        return log;
    }

    @Override
    public long write(Persist persist) {
        if (persist.snapshot() != null) {
            // The snapshot is already committed to the store: the log now drops the prefix it covers (§7).
            log.installSnapshot(persist.snapshot());
        }
        return log.write(persist);
    }

    @Override
    public SnapshotStore snapshotStore() {
        return log.snapshots();
    }

    @Override
    public long sync() {
        return log.sync();
    }

    @Override
    public void close() {
        // Deletions first: once the log is closed, its directory lock is released and the next open may list
        // the very files a late deletion would remove.
        cleanup.shutdown();
        try {
            if (!cleanup.awaitTermination(CLEANUP_WAIT)) {
                LOG.warn("storage in {}: compacted segments still being deleted after {}; closing anyway",
                        directory, CLEANUP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            log.close();
        }
    }
}
