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

/** The runtime's store: caucus-storage's segmented, checksummed write-ahead log. */
public final class DurableLogStore implements LogStore {

    private static final System.Logger LOG = System.getLogger(DurableLogStore.class.getName());

    private final DurableLog log;
    private final HardState recovered;

    private DurableLogStore(DurableLog log, HardState recovered) {
        this.log = log;
        this.recovered = recovered;
    }

    /**
     * Opens (creating if needed) and recovers the store in {@code directory}.
     *
     * @throws io.caucus.storage.CorruptStorageException if the data is damaged in a way a crash cannot explain
     * @throws io.caucus.storage.StorageFailedException  on an I/O error
     */
    public static DurableLogStore open(Disk disk, Path directory, StorageOptions options,
                                       ClusterConfiguration configuration) {
        DurableLog.Opened opened = DurableLog.open(disk, directory, options, configuration);
        if (!opened.report().isClean()) {
            LOG.log(System.Logger.Level.WARNING, "storage in {0} was repaired on open: {1}", directory,
                    opened.report());
        }
        return new DurableLogStore(opened.log(), opened.hardState());
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
        log.close();
    }
}
