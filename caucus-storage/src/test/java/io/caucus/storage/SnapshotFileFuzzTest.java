package io.caucus.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * A damaged snapshot file, as a node finds it when it starts: opening the store either accepts it (and its data reads
 * back whole) or refuses it with {@link CorruptStorageException} naming the file; never another exception, and never
 * an allocation sized by a length the file claims rather than by its size.
 *
 * <p>The fuzzer chooses whether the header's and the trailer's checksums are made to match the damaged bytes, so
 * that it reaches the checks behind them (configuration, metadata, file name, data length) rather than stopping at
 * a checksum it cannot forge. The default suite runs the saved inputs; to fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl
 * caucus-storage -am test -Dtest=SnapshotFileFuzzTest -Dsurefire.failIfNoSpecifiedTests=false} (docs/security.md).
 */
class SnapshotFileFuzzTest {

    private static final Path DIRECTORY = Path.of("/data/snapshots");
    private static final int HEADER_FIXED_BYTES = 28;
    /** What opening may allocate beyond a fixed multiple of the file: far below a length the file can claim. */
    private static final long ALLOCATION_ALLOWANCE_BYTES = 512 << 10;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @FuzzTest(maxDuration = "30s")
    void damagedSnapshotFiles(FuzzedDataProvider data) throws Exception {
        boolean fixHeaderChecksum = data.consumeBoolean();
        boolean fixTrailer = data.consumeBoolean();
        byte[] file = data.consumeRemainingAsBytes();
        if (fixHeaderChecksum) {
            fixHeaderChecksum(file);
        }
        if (fixTrailer) {
            fixTrailer(file);
        }
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(DIRECTORY);
        Path path = DIRECTORY.resolve(nameFor(file));
        try (DiskFile handle = disk.create(path)) {
            handle.write(ByteBuffer.wrap(file), 0);
            handle.force();
        }

        assertAllocatesLessThan(ALLOCATION_ALLOWANCE_BYTES + 8L * file.length, () -> openAndRead(disk, path, file));
    }

    /** Opens the store as a starting node does: the file is refused as damaged, or its data reads back whole. */
    private static void openAndRead(SimulatedDisk disk, Path path, byte[] file) throws IOException {
        SnapshotStore store;
        try {
            store = SnapshotStore.open(disk, DIRECTORY, 2, new ArrayList<>());
        } catch (CorruptStorageException refused) {
            assertThat(refused.file()).isEqualTo(path);
            return;
        }
        SnapshotMetadata metadata = store.latest().orElseThrow();
        try (InputStream stream = store.openData(metadata)) {
            assertThat(stream.readAllBytes()).hasSizeLessThanOrEqualTo(file.length);
        }
    }

    /** The file's own name, when its header holds an index and a term: the store also checks they agree. */
    private static String nameFor(byte[] file) {
        if (file.length < HEADER_FIXED_BYTES) {
            return "snapshot-00000000000000000001-00000000000000000001.snap";
        }
        ByteBuffer header = ByteBuffer.wrap(file);
        return String.format(Locale.ROOT, "snapshot-%020d-%020d.snap", header.getLong(8), header.getLong(16));
    }

    private static void fixHeaderChecksum(byte[] file) {
        if (file.length < HEADER_FIXED_BYTES) {
            return;
        }
        int configurationLength = ByteBuffer.wrap(file).getInt(24);
        long checksumAt = (long) HEADER_FIXED_BYTES + configurationLength;
        if (configurationLength < 0 || checksumAt + Integer.BYTES > file.length) {
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(file, 0, (int) checksumAt);
        ByteBuffer.wrap(file).putInt((int) checksumAt, (int) crc.getValue());
    }

    private static void fixTrailer(byte[] file) {
        if (file.length < HEADER_FIXED_BYTES + SnapshotStore.TRAILER_BYTES) {
            return;
        }
        int configurationLength = ByteBuffer.wrap(file).getInt(24);
        long dataStart = (long) HEADER_FIXED_BYTES + Integer.BYTES + configurationLength;
        int dataEnd = file.length - SnapshotStore.TRAILER_BYTES;
        if (configurationLength < 0 || dataStart > dataEnd) {
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(file, (int) dataStart, dataEnd - (int) dataStart);
        ByteBuffer.wrap(file, dataEnd, SnapshotStore.TRAILER_BYTES).putLong(dataEnd - dataStart)
                .putInt((int) crc.getValue()).putInt(SnapshotStore.TRAILER_MAGIC);
    }

    /**
     * A run that loads classes (and Jazzer instruments them, on this thread) allocates for that too, so a run over
     * the bound is measured again.
     */
    private static void assertAllocatesLessThan(long bound, ThrowingRunnable load) throws Exception {
        if (allocatedBy(load) >= bound) {
            assertThat(allocatedBy(load)).isLessThan(bound);
        }
    }

    private static long allocatedBy(ThrowingRunnable load) throws Exception {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        load.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
