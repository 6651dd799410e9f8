package io.caucus.storage;

import static io.caucus.storage.Fixtures.ROOT;
import static io.caucus.storage.Fixtures.assertSameLog;
import static io.caucus.storage.Fixtures.batch;
import static io.caucus.storage.Fixtures.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.InMemoryLog;
import io.caucus.core.LogEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segments are preallocated with zeros ahead of their records (so fsyncs overwrite blocks the file has), and
 * recovery reads zeros up to the end of a file as unused space, not as damage.
 */
class PreallocationTest {

    private static final StorageOptions OPTIONS = StorageOptions.DEFAULTS.withSegmentBytes(16 << 10)
            .withPreallocateBytes(4 << 10);
    private static final Path WAL = ROOT.resolve("wal");

    private final Random random = new Random(7);

    @Test
    void theActiveSegmentHoldsZerosAheadOfItsRecords(@TempDir Path directory) throws IOException {
        DurableLog log = open(RealDisk.INSTANCE, directory, OPTIONS).log();
        log.append(batch(1, 1, 10, 100, random));
        log.sync();
        Path segment = directory.resolve("wal").resolve(Segment.fileName(1));
        long fileBytes = java.nio.file.Files.size(segment);
        long recordBytes = recordsEnd(RealDisk.INSTANCE, segment);
        assertThat(fileBytes - recordBytes).isGreaterThanOrEqualTo(2 << 10);
        assertThat(fileBytes).isLessThanOrEqualTo(OPTIONS.segmentBytes());
        log.close();
    }

    @Test
    void aStoreReopensCleanlyOverItsPreallocatedSpaceAndKeepsAppending() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        InMemoryLog model = Fixtures.model();
        for (int run = 0; run < 4; run++) {
            DurableLog.Opened opened = open(disk, ROOT, OPTIONS);
            assertThat(opened.report().isClean()).as("run %d: %s", run, opened.report()).isTrue();
            DurableLog log = opened.log();
            assertSameLog(log, model);
            for (int round = 0; round < 30; round++) {
                List<LogEntry> entries = batch(1, log.lastIndex() + 1, 5, 400, random);
                log.append(entries);
                model.append(entries);
            }
            log.sync();
            log.close();
        }
        assertThat(disk.list(WAL)).hasSizeGreaterThan(4); // rolled over: older segments end in zeros too
    }

    @Test
    void bytesAfterTheZerosOfTheNewestSegmentAreATornTailNotSpace() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, OPTIONS).log();
        log.append(batch(1, 1, 10, 100, random));
        log.sync();
        log.close();
        Path segment = WAL.resolve(Segment.fileName(1));
        long recordsEnd = recordsEnd(disk, segment);
        writeByte(disk, segment, recordsEnd + 100, 0x5a);

        DurableLog.Opened reopened = open(disk, ROOT, OPTIONS);

        assertThat(reopened.log().lastIndex()).isEqualTo(10);
        assertThat(reopened.report().truncatedTails()).singleElement()
                .satisfies(tail -> assertThat(tail.offset()).isEqualTo(recordsEnd));
    }

    @Test
    void bytesAfterTheZerosOfAnOlderSegmentAreCorruption() throws IOException {
        SimulatedDisk disk = Fixtures.disk();
        DurableLog log = open(disk, ROOT, OPTIONS).log();
        for (int round = 0; round < 60; round++) {
            log.append(batch(1, log.lastIndex() + 1, 5, 400, random));
        }
        log.sync();
        log.close();
        Path first = WAL.resolve(Segment.fileName(1));
        long fileBytes = disk.durableSize(first);
        assertThat(fileBytes).isGreaterThan(recordsEnd(disk, first)); // the older segment kept its zeros
        writeByte(disk, first, fileBytes - 1, 1);

        assertThatThrownBy(() -> open(disk, ROOT, OPTIONS)).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(Segment.fileName(1));
    }

    private static long recordsEnd(Disk disk, Path file) throws IOException {
        List<Long> boundaries = Fixtures.recordBoundaries(disk, file);
        return boundaries.get(boundaries.size() - 1);
    }

    private static void writeByte(Disk disk, Path file, long offset, int value) throws IOException {
        try (DiskFile handle = disk.open(file)) {
            handle.write(ByteBuffer.wrap(new byte[] {(byte) value}), offset);
            handle.force();
        }
    }
}
