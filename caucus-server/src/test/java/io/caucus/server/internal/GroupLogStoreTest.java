package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.SnapshotWriter;
import io.caucus.storage.StorageFailedException;
import io.caucus.storage.multi.SharedWalOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Groups' stores on one host's shared WAL: group commit across groups, per-group snapshots, removal. */
class GroupLogStoreTest {

    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1", "n2", "n3");
    private static final Path DATA = Path.of("/data/host");

    private final SimulatedDisk disk = new SimulatedDisk();
    private final ManualWorker syncWorker = new ManualWorker();

    private HostLog open() {
        return HostLog.open(disk, DATA, SharedWalOptions.DEFAULTS.withSegmentBytes(1 << 20), 2, name -> syncWorker);
    }

    private static List<LogEntry> entries(long term, long from, long to) {
        List<LogEntry> entries = new ArrayList<>();
        for (long index = from; index <= to; index++) {
            entries.add(LogEntry.command(term, index, ("e" + index).getBytes(StandardCharsets.UTF_8)));
        }
        return entries;
    }

    private static Persist persist(long sequence, long term, long from, long to) {
        return new Persist(sequence, new HardState(term, NodeId.of("n1"), 0), entries(term, from, to));
    }

    @Test
    void aSyncAnotherGroupsSyncCoveredMakesNoFsync() {
        HostLog host = open();
        GroupLogStore one = host.openGroup(1, CONFIGURATION, false);
        GroupLogStore two = host.openGroup(2, CONFIGURATION, false);
        one.write(persist(1, 1, 1, 3));
        two.write(persist(1, 2, 1, 2));
        long before = host.fsyncs();

        one.sync();
        long afterOne = host.fsyncs();
        two.sync();

        assertThat(afterOne).isEqualTo(before + 1);
        assertThat(host.fsyncs()).as("group 2's writes were covered by group 1's fsync").isEqualTo(afterOne);
        assertThat(host.coalescedSyncs()).isEqualTo(1);
        disk.crash(null);
        HostLog reopened = open();
        assertThat(reopened.groups()).containsExactly(1L, 2L);
        assertThat(reopened.openGroup(2, CONFIGURATION, false).log().entries(1, 3, Long.MAX_VALUE))
                .isEqualTo(entries(2, 1, 2));
        assertThat(reopened.openGroup(1, CONFIGURATION, false).recoveredHardState())
                .isEqualTo(new HardState(1, NodeId.of("n1"), 0));
    }

    @Test
    void aWriteAfterTheSyncNeedsAnotherFsync() {
        HostLog host = open();
        GroupLogStore one = host.openGroup(1, CONFIGURATION, false);
        GroupLogStore two = host.openGroup(2, CONFIGURATION, false);
        one.write(persist(1, 1, 1, 1));
        one.sync();
        two.write(persist(1, 1, 1, 1));
        long before = host.fsyncs();
        two.sync();
        assertThat(host.fsyncs()).isEqualTo(before + 1);
    }

    @Test
    void backgroundSyncsOfManyGroupsShareOneFsync() {
        HostLog host = open();
        List<Long> durable = new ArrayList<>();
        long before = host.fsyncs();
        for (long group = 1; group <= 16; group++) {
            GroupLogStore store = host.openGroup(group, CONFIGURATION, true);
            assertThat(store.syncsInBackground()).isTrue();
            long ticket = store.write(persist(1, 1, 1, 2));
            long id = group;
            store.syncInBackground(ticket, () -> durable.add(id), failure -> {
                throw new AssertionError(failure);
            });
        }
        assertThat(durable).as("nothing is reported before the sync worker runs").isEmpty();
        assertThat(syncWorker.queued()).as("one round queued for all of them").isEqualTo(1);

        syncWorker.runAll();

        assertThat(durable).hasSize(16);
        assertThat(host.fsyncs()).isEqualTo(before + 1);
        assertThat(host.syncRounds()).isEqualTo(1);
        // Already durable: reported at once, no round.
        GroupLogStore first = host.openGroup(1, CONFIGURATION, true);
        first.syncInBackground(1, () -> durable.add(0L), failure -> {
        });
        assertThat(durable).hasSize(17);
        assertThat(syncWorker.queued()).isZero();
    }

    @Test
    void otherGroupsWriteWhileTheSharedWalIsBeingForced() throws Exception {
        CountDownLatch forcing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HostLog host = HostLog.open(new BlockingForceDisk(disk, forcing, release), DATA,
                SharedWalOptions.DEFAULTS.withSegmentBytes(1 << 20), 2, Worker::thread);
        GroupLogStore one = host.openGroup(1, CONFIGURATION, false);
        GroupLogStore two = host.openGroup(2, CONFIGURATION, false);
        long first = one.write(persist(1, 1, 1, 1));
        BlockingForceDisk.armed.set(true);
        // Threads of their own: the common pool may have a single thread on a small machine.
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        CompletableFuture<Long> sync = CompletableFuture.supplyAsync(one::sync, threads);
        assertThat(forcing.await(30, TimeUnit.SECONDS)).as("the force started").isTrue();

        // Group 2 writes and reads its log while group 1's force is under way: the force holds no lock.
        long second = CompletableFuture.supplyAsync(() -> two.write(persist(1, 1, 1, 2)), threads)
                .get(30, TimeUnit.SECONDS);
        assertThat(two.log().lastIndex()).isEqualTo(2);
        assertThat(sync).isNotDone();

        release.countDown();
        assertThat(sync.get(30, TimeUnit.SECONDS)).as("covers what was written before it began")
                .isGreaterThanOrEqualTo(first).isLessThan(second);
        two.sync();
        host.close();
        threads.shutdown();
    }

    /** A disk whose first force once armed waits for the test. */
    private static final class BlockingForceDisk implements io.caucus.storage.Disk {
        static final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        private final io.caucus.storage.Disk disk;
        private final CountDownLatch forcing;
        private final CountDownLatch release;

        BlockingForceDisk(io.caucus.storage.Disk disk, CountDownLatch forcing, CountDownLatch release) {
            this.disk = disk;
            this.forcing = forcing;
            this.release = release;
        }

        private io.caucus.storage.DiskFile wrap(io.caucus.storage.DiskFile file) {
            return new io.caucus.storage.DiskFile() {
                @Override
                public long size() throws java.io.IOException {
                    return file.size();
                }

                @Override
                public void write(java.nio.ByteBuffer source, long position) throws java.io.IOException {
                    file.write(source, position);
                }

                @Override
                public int read(java.nio.ByteBuffer target, long position) throws java.io.IOException {
                    return file.read(target, position);
                }

                @Override
                public void force() throws java.io.IOException {
                    if (armed.compareAndSet(true, false)) {
                        forcing.countDown();
                        try {
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    file.force();
                }

                @Override
                public void truncate(long size) throws java.io.IOException {
                    file.truncate(size);
                }

                @Override
                public void close() throws java.io.IOException {
                    file.close();
                }
            };
        }

        @Override
        public io.caucus.storage.DiskFile create(Path file) throws java.io.IOException {
            return wrap(disk.create(file));
        }

        @Override
        public io.caucus.storage.DiskFile open(Path file) throws java.io.IOException {
            return wrap(disk.open(file));
        }

        @Override
        public boolean exists(Path path) throws java.io.IOException {
            return disk.exists(path);
        }

        @Override
        public void createDirectories(Path directory) throws java.io.IOException {
            disk.createDirectories(directory);
        }

        @Override
        public List<String> list(Path directory) throws java.io.IOException {
            return disk.list(directory);
        }

        @Override
        public void rename(Path from, Path to) throws java.io.IOException {
            disk.rename(from, to);
        }

        @Override
        public void delete(Path file) throws java.io.IOException {
            disk.delete(file);
        }

        @Override
        public void syncDirectory(Path directory) throws java.io.IOException {
            disk.syncDirectory(directory);
        }

        @Override
        public java.io.Closeable lock(Path file) throws java.io.IOException {
            return disk.lock(file);
        }
    }

    /**
     * The sync worker gathers requests before a round only while recent rounds served more than one group: one
     * group writing is never held up, and gathering stops {@link HostLog#GATHER_ROUNDS} rounds after the last
     * round that served a group other than the one before.
     */
    @Test
    void theSyncWorkerGathersOnlyWhileSeveralGroupsAreWriting() {
        HostLog host = HostLog.open(disk, DATA, SharedWalOptions.DEFAULTS.withSegmentBytes(1 << 20), 2,
                name -> syncWorker, 1);
        GroupLogStore one = host.openGroup(1, CONFIGURATION, true);
        GroupLogStore two = host.openGroup(2, CONFIGURATION, true);
        List<Long> durable = new ArrayList<>();
        long index = 0;
        for (int round = 0; round < 5; round++) {
            index++;
            one.syncInBackground(one.write(persist(index, 1, index, index)), () -> durable.add(1L), failure -> {
            });
            syncWorker.runAll();
        }
        assertThat(host.gatheredRounds()).as("one group alone").isZero();

        index++;
        one.syncInBackground(one.write(persist(index, 1, index, index)), () -> durable.add(1L), failure -> {
        });
        two.syncInBackground(two.write(persist(1, 1, 1, 1)), () -> durable.add(2L), failure -> {
        });
        syncWorker.runAll();
        assertThat(host.gatheredRounds()).as("the round that found two groups did not wait for it").isZero();

        for (int round = 0; round < HostLog.GATHER_ROUNDS + 3; round++) {
            index++;
            one.syncInBackground(one.write(persist(index, 1, index, index)), () -> durable.add(1L), failure -> {
            });
            syncWorker.runAll();
        }
        // The first round after it serves group 1 after group 2, a change of group too: GATHER_ROUNDS more gather.
        assertThat(host.gatheredRounds()).as("the rounds after it, then no more")
                .isEqualTo(HostLog.GATHER_ROUNDS + 1);
        assertThat(durable).hasSize(5 + 2 + HostLog.GATHER_ROUNDS + 3);
    }

    @Test
    void aFailedFsyncIsReportedToEveryWaitingGroupAndRefusesLaterWrites() {
        HostLog host = open();
        AtomicReference<RuntimeException> failed = new AtomicReference<>();
        GroupLogStore one = host.openGroup(1, CONFIGURATION, true);
        GroupLogStore two = host.openGroup(2, CONFIGURATION, true);
        one.syncInBackground(one.write(persist(1, 1, 1, 1)), () -> {
        }, failed::set);
        List<RuntimeException> second = new ArrayList<>();
        two.syncInBackground(two.write(persist(1, 1, 1, 1)), () -> {
        }, second::add);
        disk.failNext(SimulatedDisk.Operation.FORCE);

        syncWorker.runAll();

        assertThat(failed.get()).isInstanceOf(StorageFailedException.class);
        assertThat(second).hasSize(1);
        assertThatThrownBy(() -> one.write(persist(2, 1, 2, 2))).isInstanceOf(StorageFailedException.class);
        List<RuntimeException> later = new ArrayList<>();
        two.syncInBackground(5, () -> {
        }, later::add);
        assertThat(later).as("a request after the failure fails at once").hasSize(1);
    }

    @Test
    void eachGroupKeepsItsSnapshotsUnderItsOwnDirectoryAndRecoversFromThem() throws Exception {
        HostLog host = open();
        GroupLogStore store = host.openGroup(7, CONFIGURATION, false);
        store.write(persist(1, 1, 1, 10));
        SnapshotMetadata snapshot = new SnapshotMetadata(6, 1, CONFIGURATION);
        try (SnapshotWriter writer = store.snapshotStore().begin(snapshot)) {
            writer.write(new byte[] {1, 2, 3});
            writer.commit();
        }
        store.write(new Persist(2, null, List.of(), snapshot));
        store.sync();
        assertThat(disk.list(DATA.resolve("snapshots").resolve("7"))).anyMatch(name -> name.endsWith(".snap"));

        disk.crash(null);
        HostLog reopened = open();
        GroupLogStore recovered = reopened.openGroup(7, CONFIGURATION, false);
        assertThat(recovered.log().snapshot()).isEqualTo(snapshot);
        assertThat(recovered.log().firstIndex()).isEqualTo(7);
        assertThat(recovered.log().lastIndex()).isEqualTo(10);
        assertThat(recovered.snapshotStore().latest()).contains(snapshot);
        assertThat(reopened.openGroup(8, CONFIGURATION, false).snapshotStore().latest()).isEmpty();
    }

    private static SnapshotMetadata commitSnapshot(GroupLogStore store, long index) throws Exception {
        SnapshotMetadata snapshot = new SnapshotMetadata(index, 1, CONFIGURATION);
        try (SnapshotWriter writer = store.snapshotStore().begin(snapshot)) {
            writer.write(new byte[] {(byte) index});
            writer.commit();
        }
        return snapshot;
    }

    /**
     * Simulator seed 1181 (multi-group, quiescence branch): a follower's durable base is 106; a snapshot received from
     * the leader (125) lands in the store but the core refuses it; the follower's own snapshot (129) is committed and
     * its base written, and the process crashes before that base is durable. The store keeps two, so without the
     * pin 129 retired 106 and the group could not be recovered.
     */
    @Test
    void theSnapshotOfTheDurableBaseOutlivesNewerOnesUntilTheirBaseIsDurable() throws Exception {
        HostLog host = open();
        GroupLogStore store = host.openGroup(3, CONFIGURATION, false);
        store.write(persist(1, 1, 1, 140));
        SnapshotMetadata durableBase = commitSnapshot(store, 106);
        store.write(new Persist(2, null, List.of(), durableBase));
        store.sync();
        commitSnapshot(store, 125); // received, then refused by the core: never a base
        SnapshotMetadata own = commitSnapshot(store, 129);
        store.write(new Persist(3, null, List.of(), own)); // not synced
        assertThat(store.snapshotStore().list()).as("106 kept beyond the newest two")
                .extracting(SnapshotMetadata::lastIncludedIndex).containsExactly(106L, 125L, 129L);

        disk.crash(null);
        HostLog reopened = open();
        GroupLogStore recovered = reopened.openGroup(3, CONFIGURATION, false);
        assertThat(recovered.log().snapshot()).isEqualTo(durableBase);
        assertThat(recovered.log().lastIndex()).isEqualTo(140);

        recovered.write(new Persist(4, null, List.of(), own));
        recovered.sync(); // 129 is now the durable base: the next snapshot retires the older ones
        commitSnapshot(recovered, 135);
        assertThat(recovered.snapshotStore().list()).extracting(SnapshotMetadata::lastIncludedIndex)
                .containsExactly(129L, 135L);
    }

    /** Simulator seed 1159: a base written and not yet durable must keep its snapshot, or it will lack it once durable. */
    @Test
    void aBaseWrittenAndNotYetDurableKeepsItsSnapshot() throws Exception {
        HostLog host = open();
        GroupLogStore store = host.openGroup(6, CONFIGURATION, false);
        store.write(persist(1, 1, 1, 80));
        SnapshotMetadata durableBase = commitSnapshot(store, 40);
        store.write(new Persist(2, null, List.of(), durableBase));
        store.sync();
        SnapshotMetadata written = commitSnapshot(store, 48);
        store.write(new Persist(3, null, List.of(), written)); // not synced yet
        commitSnapshot(store, 55); // received from the leader and refused, say

        assertThat(store.snapshotStore().list()).extracting(SnapshotMetadata::lastIncludedIndex)
                .containsExactly(40L, 48L, 55L);
        store.sync();
        commitSnapshot(store, 60);
        commitSnapshot(store, 65);
        assertThat(store.snapshotStore().list()).as("48 is the durable base now, beside the newest two")
                .extracting(SnapshotMetadata::lastIncludedIndex).containsExactly(48L, 60L, 65L);
    }

    @Test
    void aLogCompactedToASnapshotItsStoreLacksIsRefused() throws Exception {
        HostLog host = open();
        GroupLogStore store = host.openGroup(3, CONFIGURATION, false);
        store.write(persist(1, 1, 1, 5));
        SnapshotMetadata snapshot = new SnapshotMetadata(4, 1, CONFIGURATION);
        try (SnapshotWriter writer = store.snapshotStore().begin(snapshot)) {
            writer.write(new byte[] {1});
            writer.commit();
        }
        store.write(new Persist(2, null, List.of(), snapshot));
        store.sync();
        for (String name : disk.list(DATA.resolve("snapshots").resolve("3"))) {
            disk.delete(DATA.resolve("snapshots").resolve("3").resolve(name));
        }
        disk.syncDirectory(DATA.resolve("snapshots").resolve("3"));

        disk.crash(null);
        HostLog reopened = open();
        assertThatThrownBy(() -> reopened.openGroup(3, CONFIGURATION, false))
                .isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining("group 3's log was compacted through index 4");
    }

    @Test
    void aRemovedGroupIsGoneAfterACrashWithItsSnapshots() throws Exception {
        HostLog host = open();
        GroupLogStore store = host.openGroup(5, CONFIGURATION, false);
        host.openGroup(6, CONFIGURATION, false).write(persist(1, 1, 1, 1));
        store.write(persist(1, 1, 1, 3));
        SnapshotMetadata snapshot = new SnapshotMetadata(2, 1, CONFIGURATION);
        try (SnapshotWriter writer = store.snapshotStore().begin(snapshot)) {
            writer.write(new byte[] {1});
            writer.commit();
        }
        store.write(new Persist(2, null, List.of(), snapshot));
        store.sync();
        store.close();

        host.removeGroup(5);

        assertThat(host.groups()).containsExactly(6L);
        assertThat(disk.list(DATA.resolve("snapshots").resolve("5"))).isEmpty();
        assertThatThrownBy(() -> store.write(persist(3, 1, 4, 4))).isInstanceOf(IllegalStateException.class);
        disk.crash(null);
        assertThat(open().groups()).containsExactly(6L);
    }

    @Test
    void aSecondHostOnTheSameDirectoryIsRefused() {
        open();
        assertThatThrownBy(this::open).isInstanceOf(StorageFailedException.class);
    }

    /** A worker whose tasks run only when the test says. */
    static final class ManualWorker implements Worker {
        private final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        int queued() {
            return tasks.size();
        }

        void runAll() {
            while (!tasks.isEmpty()) {
                tasks.poll().run();
            }
        }

        @Override
        public boolean inWorker() {
            return false;
        }

        @Override
        public void shutdown() {
        }

        @Override
        public boolean awaitTermination(Duration timeout) {
            return true;
        }
    }
}
