package io.caucus.storage;

import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.caucus.storage.Fixtures.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Damages a closed store (bit flips, truncations, deleted segments, damaged snapshots) and reopens it: the store
 * must either recover exactly the intact prefix (damage confined to the newest segment's tail) or refuse with a
 * {@link CorruptStorageException} naming the file; it never returns an entry that was not written, and never
 * fails any other way.
 */
class CorruptionTest {

    private static final Path WAL = ROOT.resolve("wal");

    private record Written(SimulatedDisk disk, List<LogEntry> entries, HardState hardState) {
    }

    private Written writeStore(Random random) {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = Fixtures.open(disk, ROOT, Fixtures.SMALL).log();
        List<LogEntry> all = new ArrayList<>();
        HardState state = HardState.INITIAL;
        for (int batch = 0; batch < 25; batch++) {
            List<LogEntry> entries = Fixtures.batch(2, log.lastIndex() + 1, 1 + random.nextInt(6), 250, random);
            state = new HardState(2, null, Math.max(0, log.lastIndex() - 3));
            log.write(new Persist(batch, state, entries));
            all.addAll(entries);
        }
        log.sync();
        log.close();
        return new Written(disk, all, state);
    }

    @Test
    void flippedBitsAreRefusedOrCutFromTheTailNeverServed() throws IOException {
        for (int seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            Written written = writeStore(random);
            List<String> segments = segments(written.disk());
            String victim = segments.get(random.nextInt(segments.size()));
            Path file = WAL.resolve(victim);
            long offset = random.nextLong(written.disk().durableSize(file));
            written.disk().flipBit(file, offset, random.nextInt(8));
            checkOutcome(written, victim, segments, "seed " + seed + ": bit flipped in " + victim + " at " + offset);
        }
    }

    @Test
    void truncatedSegmentsAreRefusedUnlessItIsTheNewestTail() throws IOException {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            Written written = writeStore(random);
            List<String> segments = segments(written.disk());
            String victim = segments.get(random.nextInt(segments.size()));
            Path file = WAL.resolve(victim);
            long size = random.nextLong(written.disk().durableSize(file));
            try (DiskFile handle = written.disk().open(file)) {
                handle.truncate(size);
                handle.force();
            }
            checkOutcome(written, victim, segments, "seed " + seed + ": " + victim + " cut to " + size);
        }
    }

    @Test
    void aDeletedSegmentIsReportedAsMissing() throws IOException {
        for (int seed = 0; seed < 50; seed++) {
            Random random = new Random(seed);
            Written written = writeStore(random);
            List<String> segments = segments(written.disk());
            String victim = segments.get(random.nextInt(segments.size() - 1));
            written.disk().delete(WAL.resolve(victim));
            written.disk().syncDirectory(WAL);
            assertThatThrownBy(() -> Fixtures.open(written.disk(), ROOT, Fixtures.SMALL))
                    .as("seed %d, deleted %s", seed, victim)
                    .isInstanceOf(CorruptStorageException.class).hasMessageContaining("missing");
        }
    }

    @Test
    void anOlderSegmentCutAtARecordBoundaryIsCaughtByTheNextSegmentsHeader() throws IOException {
        Written written = writeStore(new Random(5));
        Path first = WAL.resolve(Segment.fileName(1));
        List<Long> boundaries = Fixtures.recordBoundaries(written.disk(), first);
        long cut = boundaries.get(boundaries.size() - 2); // where the last record starts
        try (DiskFile handle = written.disk().open(first)) {
            handle.truncate(cut);
            handle.force();
        }
        assertThatThrownBy(() -> Fixtures.open(written.disk(), ROOT, Fixtures.SMALL))
                .isInstanceOf(CorruptStorageException.class).hasMessageContaining(Segment.fileName(1))
                .hasMessageContaining("cut off");
    }

    @Test
    void aDamagedSnapshotStopsTheNodeWithTheFileNamed(@TempDir Path directory) throws IOException {
        Random random = new Random(3);
        DurableLog log = Fixtures.open(RealDisk.INSTANCE, directory, Fixtures.SMALL).log();
        log.append(Fixtures.batch(1, 1, 10, 100, random));
        Fixtures.commitSnapshot(log, 8, 1, 10_000, random);
        log.close();
        Path snapshot;
        try (Stream<Path> files = Files.list(directory.resolve("snapshots"))) {
            snapshot = files.findFirst().orElseThrow();
        }
        for (long offset : new long[] {2, 40, 5000, Files.size(snapshot) - 3}) {
            flip(snapshot, offset);
            assertThatThrownBy(() -> Fixtures.open(RealDisk.INSTANCE, directory, Fixtures.SMALL))
                    .isInstanceOf(CorruptStorageException.class)
                    .hasMessageContaining(snapshot.getFileName().toString())
                    .hasMessageContaining("data directory aside");
            flip(snapshot, offset);
        }
        DurableLog.Opened reopened = Fixtures.open(RealDisk.INSTANCE, directory, Fixtures.SMALL);
        assertThat(reopened.snapshot().lastIncludedIndex()).isEqualTo(8);
        reopened.log().close();
    }

    @Test
    void anUnfinishedSnapshotIsDeletedNotUsed(@TempDir Path directory) throws IOException {
        Random random = new Random(4);
        DurableLog log = Fixtures.open(RealDisk.INSTANCE, directory, Fixtures.SMALL).log();
        log.append(Fixtures.batch(1, 1, 10, 100, random));
        SnapshotWriter writer = log.snapshots().begin(new io.caucus.core.SnapshotMetadata(9, 1, Fixtures.CONFIGURATION));
        writer.write(new byte[5000], 0, 5000);
        log.close();
        DurableLog.Opened reopened = Fixtures.open(RealDisk.INSTANCE, directory, Fixtures.SMALL);
        assertThat(reopened.snapshot().lastIncludedIndex()).isZero();
        assertThat(reopened.report().removedFiles()).hasSize(1);
        assertThat(reopened.report().removedFiles().get(0).toString()).endsWith(".tmp");
        reopened.log().close();
    }

    @Test
    void aFileChangedUnderTheRunningServerIsRefusedOnRead() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = Fixtures.open(disk, ROOT, Fixtures.SMALL.withCacheBytes(0)).log();
        log.append(Fixtures.batch(1, 1, 5, 100, new Random(1)));
        disk.flipBit(WAL.resolve(Segment.fileName(1)), 200, 3);
        assertThatThrownBy(() -> log.entries(1, 6, Long.MAX_VALUE)).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(Segment.fileName(1));
    }

    /**
     * A log whose segments before the snapshot were compacted away starts wherever its oldest segment does; its first
     * entry still follows the snapshot's last one, so its term may not be lower (Raft paper §5.3, §7).
     */
    @Test
    void anEntryAfterTheSnapshotWithALowerTermIsRefused() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        SnapshotStore store = SnapshotStore.open(disk, ROOT.resolve("snapshots"), 2, new ArrayList<>());
        try (SnapshotWriter writer = store.begin(new SnapshotMetadata(5, 3, Fixtures.CONFIGURATION))) {
            writer.write(new byte[] {1}, 0, 1);
            writer.commit();
        }
        ByteBuffer segment = ByteBuffer.allocate(1024);
        RecordCodec.encode(new Record(RecordType.SEGMENT_HEADER, WalRecovery.FORMAT_VERSION, 2,
                ByteBuffer.allocate(Long.BYTES).putLong(-1).array()), segment);
        for (long index = 6; index <= 8; index++) {
            RecordCodec.encode(new Record(RecordType.COMMAND, 1, index, new byte[] {1}), segment);
        }
        disk.createDirectories(WAL);
        try (DiskFile file = disk.create(WAL.resolve(Segment.fileName(2)))) {
            file.write(segment.flip(), 0);
            file.force();
        }
        disk.syncDirectory(WAL);

        assertThatThrownBy(() -> Fixtures.open(disk, ROOT, Fixtures.SMALL)).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(Segment.fileName(2)).hasMessageContaining("term 1");
    }

    private static void checkOutcome(Written written, String victim, List<String> segments, String what) {
        DurableLog.Opened opened;
        try {
            opened = Fixtures.open(written.disk(), ROOT, Fixtures.SMALL);
        } catch (CorruptStorageException refused) {
            assertThat(refused.getMessage()).as(what).contains("data directory aside");
            assertThat(refused.getMessage().contains(victim) || refused.getMessage().contains("missing"))
                    .as(what + ": the refusal names the damaged file or what is missing: " + refused.getMessage())
                    .isTrue();
            return;
        } catch (RuntimeException unexpected) {
            throw new AssertionError(what + ": unexpected " + unexpected, unexpected);
        }
        DurableLog log = opened.log();
        List<LogEntry> recovered = log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE);
        assertThat(recovered).as(what).isEqualTo(written.entries().subList(0, recovered.size()));
        if (recovered.size() < written.entries().size() || !opened.hardState().equals(written.hardState())) {
            assertThat(victim).as(what + ": only the newest segment's tail may be cut")
                    .isIn(segments.subList(segments.size() - 2, segments.size()));
            assertThat(opened.report().isClean()).as(what).isFalse();
        }
    }

    private static List<String> segments(SimulatedDisk disk) throws IOException {
        List<String> names = new ArrayList<>(disk.list(WAL));
        names.sort(Comparator.naturalOrder());
        return names;
    }

    private static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int value = raf.read();
            raf.seek(offset);
            raf.write(value ^ 0x10);
        }
    }
}
