package io.caucus.storage;

import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static io.caucus.storage.Fixtures.ROOT;
import static io.caucus.storage.Fixtures.SMALL;
import static io.caucus.storage.Fixtures.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How snapshot files are written and retired, as seen on the simulated disk. */
class SnapshotStoreTest {

    private static final Path SNAPSHOTS = ROOT.resolve("snapshots");
    private static final StorageOptions KEEP_ONE = SMALL.withSnapshotsRetained(1);

    private final Random random = new Random(17);

    @Test
    void aSnapshotIsForcedAsItIsWrittenNotOnlyAtItsCommit() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        byte[] data = new byte[600 << 10];
        random.nextBytes(data);
        try (SnapshotWriter writer = log.snapshots().begin(new SnapshotMetadata(5, 1, Fixtures.CONFIGURATION))) {
            writer.write(data, 0, data.length);
            Path temporary = SNAPSHOTS.resolve(disk.list(SNAPSHOTS).get(0));
            disk.syncDirectory(SNAPSHOTS); // the name's durability is not the point here, the bytes' is
            assertThat(temporary.toString()).endsWith(".snap.tmp");
            assertThat(disk.durableSize(temporary)).as("bytes forced before the commit")
                    .isGreaterThanOrEqualTo(512 << 10);
        }
    }

    @Test
    void aRetiredSnapshotIsCutBeforeItIsUnlinkedAndRecoveryFinishesADeletionACrashInterrupted() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, KEEP_ONE).log();
        SnapshotMetadata first = Fixtures.commitSnapshot(log, 4, 1, 3 << 20, random);
        Path firstFile = log.snapshots().path(first);
        Path renamed = firstFile.resolveSibling(firstFile.getFileName() + ".deleting");

        // Every cut happens; the final unlink fails, and the machine crashes.
        disk.failNext(SimulatedDisk.Operation.DELETE);
        assertThatThrownBy(() -> Fixtures.commitSnapshot(log, 8, 1, 100, random))
                .isInstanceOf(StorageFailedException.class).hasMessageContaining("cannot delete old snapshot");
        disk.crash(new Random(11));
        assertThat(disk.exists(firstFile)).isFalse();
        assertThat(disk.durableSize(renamed)).as("cut and forced before the unlink").isBetween(0L, 1L << 20);

        DurableLog.Opened reopened = open(disk, ROOT, KEEP_ONE);
        assertThat(reopened.snapshot().lastIncludedIndex()).isEqualTo(8);
        assertThat(reopened.report().removedFiles()).contains(renamed);
        assertThat(disk.list(SNAPSHOTS)).containsExactly(reopened.log().snapshots().path(reopened.snapshot())
                .getFileName().toString());
    }

    @Test
    void aSnapshotBeingReadStaysWholeWhenANewerOneRetiresIt() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, KEEP_ONE).log();
        SnapshotMetadata first = Fixtures.commitSnapshot(log, 4, 1, 3 << 20, random);
        SnapshotMetadata second;
        try (InputStream data = log.snapshots().openData(first)) {
            byte[] start = data.readNBytes(1024);
            second = Fixtures.commitSnapshot(log, 8, 1, 100, random);
            assertThat(disk.exists(log.snapshots().path(first))).isFalse();
            // Reading to the end checks the data's checksum: a cut would throw here.
            assertThat(start.length + data.readAllBytes().length).isEqualTo(3 << 20);
        }
        assertThat(disk.list(SNAPSHOTS)).containsExactly(log.snapshots().path(second).getFileName().toString());
        assertThatThrownBy(() -> log.snapshots().openData(first)).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }
}
