package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.EntryType;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.Disk;
import io.caucus.storage.DiskFile;
import io.caucus.storage.RealDisk;
import io.caucus.storage.SnapshotWriter;
import io.caucus.storage.StorageOptions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableLogStoreTest {

    private static final NodeId SELF = NodeId.of("n1");
    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters(Set.of(SELF));

    @Test
    void compactedSegmentsAreDeletedOffTheNodeThreadAndBeforeCloseReturns(@TempDir Path directory)
            throws Exception {
        CountDownLatch releaseDeletes = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> deletingThreads = new ConcurrentLinkedQueue<>();
        Disk disk = new DeletesWaitingFor(releaseDeletes, deletingThreads);
        DurableLogStore store = DurableLogStore.open(disk, directory,
                StorageOptions.DEFAULTS.withSegmentBytes(64 << 10), CONFIGURATION);
        HardState hardState = new HardState(1, SELF, 0);
        long index = 0;
        for (int batch = 0; batch < 40; batch++) {
            List<LogEntry> entries = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                entries.add(new LogEntry(1, ++index, EntryType.COMMAND, new byte[500]));
            }
            store.write(new Persist(batch, hardState, entries));
            store.sync();
        }
        long segmentsBefore = walFiles(directory);
        assertThat(segmentsBefore).isGreaterThan(3);

        SnapshotMetadata snapshot = new SnapshotMetadata(index - 5, 1, CONFIGURATION);
        try (SnapshotWriter writer = store.snapshotStore().begin(snapshot)) {
            writer.write(new byte[100], 0, 100);
            writer.commit();
        }
        // The deletions are held back, yet compacting returns: they do not run on the caller's (node) thread.
        store.write(new Persist(99, hardState, List.of(), snapshot));
        store.sync();
        assertThat(walFiles(directory)).isEqualTo(segmentsBefore);

        releaseDeletes.countDown();
        store.close();
        assertThat(walFiles(directory)).isLessThan(segmentsBefore);
        assertThat(deletingThreads).isNotEmpty().allMatch(name -> name.startsWith("caucus-log-cleanup-"));
    }

    private static long walFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory.resolve("wal"))) {
            return files.count();
        }
    }

    /** The real disk, except that deleting waits for a latch and records which thread deleted. */
    private record DeletesWaitingFor(CountDownLatch release, ConcurrentLinkedQueue<String> threads) implements Disk {

        @Override
        public void delete(Path file) throws IOException {
            threads.add(Thread.currentThread().getName());
            try {
                // Bounded, so that a deletion on the caller's thread fails the test instead of hanging it.
                if (!release.await(10, TimeUnit.SECONDS)) {
                    throw new IOException("deletion held back and never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            RealDisk.INSTANCE.delete(file);
        }

        @Override
        public DiskFile create(Path file) throws IOException {
            return RealDisk.INSTANCE.create(file);
        }

        @Override
        public DiskFile open(Path file) throws IOException {
            return RealDisk.INSTANCE.open(file);
        }

        @Override
        public boolean exists(Path path) throws IOException {
            return RealDisk.INSTANCE.exists(path);
        }

        @Override
        public void createDirectories(Path directory) throws IOException {
            RealDisk.INSTANCE.createDirectories(directory);
        }

        @Override
        public List<String> list(Path directory) throws IOException {
            return RealDisk.INSTANCE.list(directory);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            RealDisk.INSTANCE.rename(from, to);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            RealDisk.INSTANCE.syncDirectory(directory);
        }

        @Override
        public Closeable lock(Path file) throws IOException {
            return RealDisk.INSTANCE.lock(file);
        }
    }
}
