package io.caucus.storage;

import io.caucus.core.HardState;
import io.caucus.core.InMemoryLog;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.caucus.storage.Fixtures.ROOT;
import static io.caucus.storage.Fixtures.SMALL;
import static io.caucus.storage.Fixtures.assertSameLog;
import static io.caucus.storage.Fixtures.batch;
import static io.caucus.storage.Fixtures.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurableLogTest {

    private final Random random = new Random(42);

    @Test
    void emptyStoreOpensAsAnEmptyLog() {
        DurableLog.Opened opened = open(Fixtures.disk(), ROOT, SMALL);
        DurableLog log = opened.log();
        assertThat(log.firstIndex()).isEqualTo(1);
        assertThat(log.lastIndex()).isZero();
        assertThat(log.term(0)).isZero();
        assertThat(opened.hardState()).isEqualTo(HardState.INITIAL);
        assertThat(opened.snapshot().lastIncludedIndex()).isZero();
        assertThat(opened.report().isClean()).isTrue();
        assertThat(log.entries(1, 1, 100)).isEmpty();
    }

    @Test
    void entriesAndHardStateSurviveReopenOnARealDisk(@TempDir Path directory) {
        DurableLog log = open(RealDisk.INSTANCE, directory, SMALL).log();
        InMemoryLog model = Fixtures.model();
        HardState state = new HardState(3, NodeId.of("n2"), 0);
        for (int round = 0; round < 20; round++) {
            List<LogEntry> entries = batch(3, log.lastIndex() + 1, 1 + random.nextInt(10), 600, random);
            state = new HardState(3, NodeId.of("n2"), log.lastIndex());
            long ticket = log.write(new Persist(round, state, entries));
            model.append(entries);
            assertThat(log.sync()).isGreaterThanOrEqualTo(ticket);
        }
        assertSameLog(log, model);
        log.close();
        DurableLog.Opened reopened = open(RealDisk.INSTANCE, directory, SMALL);
        assertSameLog(reopened.log(), model);
        assertThat(reopened.hardState()).isEqualTo(state);
        assertThat(reopened.report().isClean()).isTrue();
        reopened.log().close();
    }

    @Test
    void segmentsRollOverAndEveryEntryReadsBackFromDisk() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL.withCacheBytes(0)).log();
        InMemoryLog model = Fixtures.model();
        for (int round = 0; round < 50; round++) {
            List<LogEntry> entries = batch(1, log.lastIndex() + 1, 5, 300, random);
            log.append(entries);
            model.append(entries);
        }
        log.sync();
        assertThat(disk.list(ROOT.resolve("wal"))).hasSizeGreaterThan(5);
        assertSameLog(log, model);
        assertThat(log.entries(1, log.lastIndex() + 1, 1000))
                .isEqualTo(model.entries(1, model.lastIndex() + 1, 1000));
        log.close();
        assertSameLog(open(disk, ROOT, SMALL).log(), model);
    }

    @Test
    void aConflictingAppendReplacesTheSuffixAcrossReopen() {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        InMemoryLog model = Fixtures.model();
        List<LogEntry> first = batch(1, 1, 30, 200, random);
        log.append(first);
        model.append(first);
        List<LogEntry> replacement = batch(2, 11, 5, 200, random);
        log.write(new Persist(1, new HardState(2, null, 10), replacement));
        model.append(replacement);
        assertSameLog(log, model);
        log.truncateSuffix(14);
        model.truncateSuffix(14);
        assertSameLog(log, model);
        log.sync();
        log.close();
        DurableLog.Opened reopened = open(disk, ROOT, SMALL);
        assertSameLog(reopened.log(), model);
        assertThat(reopened.hardState().commitIndex()).isEqualTo(10);
    }

    @Test
    void committedEntriesCannotBeTruncated() {
        DurableLog log = open(Fixtures.disk(), ROOT, SMALL).log();
        log.write(new Persist(1, new HardState(1, null, 5), batch(1, 1, 10, 10, random)));
        assertThatThrownBy(() -> log.truncateSuffix(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("committed");
        assertThatThrownBy(() -> log.append(batch(2, 3, 1, 10, random)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.append(batch(2, 12, 1, 10, random)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gap");
        log.append(batch(3, 11, 1, 10, random));
        assertThatThrownBy(() -> log.append(batch(2, 12, 1, 10, random)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("never decrease");
        assertThat(log.lastIndex()).isEqualTo(11);
    }

    @Test
    void anEntryOverTheLimitIsRejectedAndNothingOfItsBatchIsWritten() {
        DurableLog log = open(Fixtures.disk(), ROOT, SMALL.withMaxEntryBytes(100)).log();
        List<LogEntry> entries = List.of(LogEntry.command(1, 1, new byte[10]), LogEntry.command(1, 2, new byte[101]));
        assertThatThrownBy(() -> log.append(entries)).isInstanceOf(RecordTooLargeException.class)
                .hasMessageContaining("101").hasMessageContaining("100");
        assertThat(log.lastIndex()).isZero();
        log.append(entries.subList(0, 1));
        assertThat(log.lastIndex()).isEqualTo(1);
    }

    @Test
    void entriesAreBoundedInBytesButReturnAtLeastOne() {
        DurableLog log = open(Fixtures.disk(), ROOT, SMALL.withCacheBytes(0)).log();
        log.append(List.of(LogEntry.command(1, 1, new byte[500]), LogEntry.command(1, 2, new byte[500]),
                LogEntry.command(1, 3, new byte[500])));
        assertThat(log.entries(1, 4, 10)).hasSize(1);
        assertThat(log.entries(1, 4, 2 * (500 + LogEntry.OVERHEAD_BYTES))).hasSize(2);
        assertThat(log.entries(2, 4, Long.MAX_VALUE)).extracting(LogEntry::index).containsExactly(2L, 3L);
        assertThatThrownBy(() -> log.entries(2, 5, 10)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void compactionDropsThePrefixDeletesCoveredSegmentsAndKeepsTheHardState() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        InMemoryLog model = Fixtures.model();
        HardState state = new HardState(4, NodeId.of("n3"), 0);
        for (int round = 0; round < 40; round++) {
            List<LogEntry> entries = batch(4, log.lastIndex() + 1, 5, 300, random);
            state = new HardState(4, NodeId.of("n3"), log.lastIndex());
            log.write(new Persist(round, state, entries));
            model.append(entries);
        }
        log.sync();
        int segmentsBefore = disk.list(ROOT.resolve("wal")).size();
        SnapshotMetadata snapshot = Fixtures.commitSnapshot(log, 150, 4, 5000, random);
        log.installSnapshot(snapshot);
        model.installSnapshot(snapshot);
        assertSameLog(log, model);
        assertThat(disk.list(ROOT.resolve("wal")).size()).isLessThan(segmentsBefore);
        log.sync();
        log.close();
        DurableLog.Opened reopened = open(disk, ROOT, SMALL);
        assertSameLog(reopened.log(), model);
        assertThat(reopened.hardState()).isEqualTo(state);
        assertThat(reopened.snapshot()).isEqualTo(snapshot);
    }

    @Test
    void aFollowerInstallingASnapshotBeyondItsLogStartsAfterIt() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        InMemoryLog model = Fixtures.model();
        List<LogEntry> entries = batch(1, 1, 20, 100, random);
        log.append(entries);
        model.append(entries);
        SnapshotMetadata snapshot = Fixtures.commitSnapshot(log, 500, 7, 100, random);
        log.installSnapshot(snapshot);
        model.installSnapshot(snapshot);
        assertSameLog(log, model);
        assertThat(log.term(500)).isEqualTo(7);
        List<LogEntry> next = batch(7, 501, 3, 100, random);
        log.append(next);
        model.append(next);
        log.sync();
        log.close();
        DurableLog reopened = open(disk, ROOT, SMALL).log();
        assertSameLog(reopened, model);
        try (InputStream data = reopened.snapshots().openData(snapshot)) {
            assertThat(data.readAllBytes()).hasSize(100);
        }
    }

    @Test
    void compactedSegmentsAreDeletedOnTheGivenExecutorAndACrashBeforeThatLosesNothing() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        java.util.ArrayDeque<Runnable> deletions = new java.util.ArrayDeque<>();
        log.deleteSegmentsOn(deletions::add);
        InMemoryLog model = Fixtures.model();
        appendAndSync(log, model, 4, 300);
        List<String> before = disk.list(ROOT.resolve("wal"));
        SnapshotMetadata snapshot = Fixtures.commitSnapshot(log, 150, 4, 5000, random);
        log.installSnapshot(snapshot);
        model.installSnapshot(snapshot);
        log.sync();
        assertSameLog(log, model);
        // Nothing deleted inside the owner's call: the files wait for the executor.
        assertThat(deletions).isNotEmpty();
        assertThat(disk.list(ROOT.resolve("wal"))).containsAll(before);

        disk.crash(new Random(3));
        DurableLog.Opened reopened = open(disk, ROOT, SMALL);
        assertSameLog(reopened.log(), model);
        assertThat(reopened.snapshot()).isEqualTo(snapshot);
        reopened.log().close();

        log = open(disk, ROOT, SMALL).log();
        log.deleteSegmentsOn(deletions::add);
        deletions.clear();
        SnapshotMetadata later = Fixtures.commitSnapshot(log, 180, 4, 5000, random);
        log.installSnapshot(later);
        model.installSnapshot(later);
        log.sync();
        int segmentsBefore = disk.list(ROOT.resolve("wal")).size();
        deletions.forEach(Runnable::run);
        assertThat(disk.list(ROOT.resolve("wal")).size()).isLessThan(segmentsBefore);
        assertSameLog(log, model);
        log.close();
        assertSameLog(open(disk, ROOT, SMALL).log(), model);
    }

    @Test
    void aSegmentDeletionCutShortByACrashIsFinishedByRecovery() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        StorageOptions options = SMALL.withSegmentBytes(3 << 20);
        DurableLog log = open(disk, ROOT, options).log();
        java.util.ArrayDeque<Runnable> deletions = new java.util.ArrayDeque<>();
        log.deleteSegmentsOn(deletions::add);
        InMemoryLog model = Fixtures.model();
        appendAndSync(log, model, 2, 60_000);
        SnapshotMetadata snapshot = Fixtures.commitSnapshot(log, 190, 2, 5000, random);
        log.installSnapshot(snapshot);
        model.installSnapshot(snapshot);
        log.sync();
        assertThat(deletions).isNotEmpty();
        Path oldest = ROOT.resolve("wal").resolve(Segment.fileName(1));
        long oldestBytes = disk.durableSize(oldest);
        assertThat(oldestBytes).isGreaterThan(2 << 20);
        // Renamed and cut (the files are over a megabyte), then the disk fails partway and the machine crashes.
        disk.failAfter(6);
        assertThatThrownBy(() -> deletions.forEach(Runnable::run)).isInstanceOf(StorageFailedException.class);
        disk.crash(new Random(5));
        assertThat(disk.exists(oldest)).isFalse();
        assertThat(disk.durableSize(oldest.resolveSibling(oldest.getFileName() + Segment.DELETING)))
                .isBetween(0L, oldestBytes - (1 << 20));

        DurableLog.Opened reopened = open(disk, ROOT, options);
        assertThat(reopened.report().removedFiles()).anyMatch(path -> path.toString().endsWith(".seg.deleting"));
        assertThat(disk.list(ROOT.resolve("wal"))).noneMatch(name -> name.endsWith(".deleting"));
        assertThat(reopened.snapshot()).isEqualTo(snapshot);
        assertSameLog(reopened.log(), model);
    }

    /** Appends 200 entries of up to {@code entryBytes} in {@code term}, 5 per write, to the log and the model; syncs. */
    private void appendAndSync(DurableLog log, InMemoryLog model, long term, int entryBytes) {
        for (int round = 0; round < 40; round++) {
            List<LogEntry> entries = batch(term, log.lastIndex() + 1, 5, entryBytes, random);
            log.append(entries);
            model.append(entries);
        }
        log.sync();
    }

    @Test
    void compactingTwiceToTheSameSnapshotKeepsTheLog() {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        InMemoryLog model = Fixtures.model();
        List<LogEntry> entries = batch(1, 1, 20, 100, random);
        log.append(entries);
        model.append(entries);
        SnapshotMetadata snapshot = Fixtures.commitSnapshot(log, 10, 1, 100, random);
        log.installSnapshot(snapshot);
        model.installSnapshot(snapshot);
        log.installSnapshot(snapshot);
        assertSameLog(log, model);
        log.sync();
        log.close();
        assertSameLog(open(disk, ROOT, SMALL).log(), model);
    }

    @Test
    void aSnapshotAppliedOnlyByRecoverySurvivesTheNextReopen() {
        // A crash between committing a follower's snapshot and compacting to it: the next open resets the
        // conflicting log to the snapshot; entries appended after that must survive another reopen.
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        log.append(batch(1, 1, 30, 50, random));
        Fixtures.commitSnapshot(log, 25, 2, 100, random);
        log.sync();
        log.close();
        DurableLog reopened = open(disk, ROOT, SMALL).log();
        assertThat(reopened.firstIndex()).isEqualTo(26);
        assertThat(reopened.lastIndex()).isEqualTo(25);
        List<LogEntry> next = batch(2, 26, 3, 50, random);
        reopened.write(new Persist(1, new HardState(2, null, 27), next));
        reopened.sync();
        reopened.close();
        DurableLog.Opened again = open(disk, ROOT, SMALL);
        assertThat(again.log().entries(26, 29, Long.MAX_VALUE)).isEqualTo(next);
        assertThat(again.hardState().commitIndex()).isEqualTo(27);
    }

    @Test
    void compactingToASnapshotNotInTheStoreIsRefused() {
        DurableLog log = open(Fixtures.disk(), ROOT, SMALL).log();
        log.append(batch(1, 1, 5, 10, random));
        assertThatThrownBy(() -> log.installSnapshot(new SnapshotMetadata(3, 1, Fixtures.CONFIGURATION)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snapshot store");
    }

    @Test
    void aFullDiskStopsWritesWithTheOriginalCauseAndDamagesNothingDurable() {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        InMemoryLog model = Fixtures.model();
        List<LogEntry> entries = batch(1, 1, 20, 100, random);
        log.append(entries);
        model.append(entries);
        log.sync();
        disk.setCapacityBytes(disk.durableSize(ROOT.resolve("wal").resolve(Segment.fileName(1))) + 3000);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                log.append(batch(1, log.lastIndex() + 1, 5, 100, random));
            }
        }).isInstanceOf(StorageFailedException.class).hasMessageContaining("No space left");
        assertThatThrownBy(() -> log.append(batch(1, log.lastIndex() + 1, 1, 1, random)))
                .isInstanceOf(StorageFailedException.class).hasMessageContaining("No space left");
        assertThatThrownBy(log::sync).isInstanceOf(StorageFailedException.class);
        disk.crash(new Random(1));
        disk.setCapacityBytes(Long.MAX_VALUE);
        DurableLog reopened = open(disk, ROOT, SMALL).log();
        assertThat(reopened.lastIndex()).isGreaterThanOrEqualTo(20);
        assertThat(reopened.entries(1, 21, Long.MAX_VALUE)).isEqualTo(model.entries(1, 21, Long.MAX_VALUE));
    }

    @Test
    void aFullDiskDuringASnapshotLeavesNoPartialSnapshotAndTheLogIntact() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        List<LogEntry> entries = batch(1, 1, 10, 100, random);
        log.append(entries);
        log.sync();
        disk.setCapacityBytes(disk.durableSize(ROOT.resolve("wal").resolve(Segment.fileName(1))) + 100_000);
        SnapshotMetadata metadata = new SnapshotMetadata(5, 1, Fixtures.CONFIGURATION);
        assertThatThrownBy(() -> {
            try (SnapshotWriter writer = log.snapshots().begin(metadata)) {
                writer.write(new byte[1 << 20], 0, 1 << 20);
                writer.commit();
            }
        }).isInstanceOf(StorageFailedException.class).hasMessageContaining("No space left");
        assertThat(disk.list(ROOT.resolve("snapshots"))).isEmpty();
        assertThat(log.snapshots().latest()).isEmpty();
        assertThat(log.entries(1, 11, Long.MAX_VALUE)).isEqualTo(entries);
        log.close();
        disk.setCapacityBytes(Long.MAX_VALUE);
        DurableLog.Opened reopened = open(disk, ROOT, SMALL);
        assertThat(reopened.snapshot().lastIncludedIndex()).isZero();
        assertThat(reopened.log().entries(1, 11, Long.MAX_VALUE)).isEqualTo(entries);
    }

    @Test
    void aFailedForceStopsTheLog() {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, SMALL).log();
        long ticket = log.append(batch(1, 1, 3, 10, random));
        disk.failNext(SimulatedDisk.Operation.FORCE);
        assertThatThrownBy(log::sync).isInstanceOf(StorageFailedException.class)
                .hasMessageContaining("simulated I/O error");
        assertThat(log.durableTicket()).isLessThan(ticket);
        assertThatThrownBy(log::sync).isInstanceOf(StorageFailedException.class);
        assertThatThrownBy(() -> log.writeHardState(new HardState(1, null, 0)))
                .isInstanceOf(StorageFailedException.class).hasMessageContaining("simulated I/O error");
    }

    @Test
    void hardStateTermNeverDecreases() {
        DurableLog log = open(Fixtures.disk(), ROOT, SMALL).log();
        log.writeHardState(new HardState(5, null, 0));
        assertThatThrownBy(() -> log.writeHardState(new HardState(4, null, 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void snapshotsBeyondTheRetainedCountAreDeleted() {
        DurableLog log = open(Fixtures.disk(), ROOT, SMALL.withSnapshotsRetained(2)).log();
        log.append(batch(1, 1, 10, 10, random));
        for (int index = 2; index <= 8; index += 2) {
            Fixtures.commitSnapshot(log, index, 1, 100, random);
        }
        assertThat(log.snapshots().list()).extracting(SnapshotMetadata::lastIncludedIndex).containsExactly(6L, 8L);
        assertThat(log.snapshots().latest()).map(SnapshotMetadata::lastIncludedIndex).contains(8L);
    }

    @Test
    void aDirectoryOpensOnceAtATime(@TempDir Path directory) {
        DurableLog log = open(RealDisk.INSTANCE, directory, SMALL).log();
        assertThatThrownBy(() -> open(RealDisk.INSTANCE, directory, SMALL))
                .isInstanceOf(StorageFailedException.class).hasMessageContaining("LOCK");
        log.close();
        open(RealDisk.INSTANCE, directory, SMALL).log().close();

        SimulatedDisk disk = Fixtures.disk();
        open(disk, ROOT, SMALL);
        assertThatThrownBy(() -> open(disk, ROOT, SMALL)).isInstanceOf(StorageFailedException.class)
                .hasMessageContaining("already open");
        disk.crash(null);
        open(disk, ROOT, SMALL).log().close();
    }

    @Test
    void realDiskFilesLandInTheDocumentedLayout(@TempDir Path directory) {
        DurableLog log = open(RealDisk.INSTANCE, directory, SMALL).log();
        log.append(batch(1, 1, 3, 10, random));
        Fixtures.commitSnapshot(log, 2, 1, 10, random);
        log.close();
        assertThat(Files.exists(directory.resolve("wal").resolve(Segment.fileName(1)))).isTrue();
        assertThat(directory.resolve("snapshots").toFile().list())
                .containsExactly("snapshot-00000000000000000002-00000000000000000001.snap");
    }
}
