package io.caucus.storage;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.EntryType;
import io.caucus.core.InMemoryLog;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.SnapshotMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared helpers for storage tests. */
final class Fixtures {

    static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1", "n2", "n3");
    static final Path ROOT = Path.of("/data/node");
    static final StorageOptions SMALL = StorageOptions.DEFAULTS.withSegmentBytes(4096).withCacheBytes(2048)
            .withMaxEntryBytes(64 << 10);

    private Fixtures() {
    }

    static SimulatedDisk disk() {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(ROOT);
        return disk;
    }

    static DurableLog.Opened open(Disk disk, Path root, StorageOptions options) {
        return DurableLog.open(disk, root, options, CONFIGURATION);
    }

    static LogEntry entry(long term, long index, int payloadBytes, Random random) {
        byte[] payload = new byte[payloadBytes];
        random.nextBytes(payload);
        EntryType type = EntryType.values()[random.nextInt(EntryType.values().length)];
        return new LogEntry(term, index, type, payload);
    }

    static List<LogEntry> batch(long term, long fromIndex, int count, int maxPayloadBytes, Random random) {
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(entry(term, fromIndex + i, random.nextInt(maxPayloadBytes + 1), random));
        }
        return entries;
    }

    /** Asserts the two logs hold the same entries, terms and snapshot base. */
    static void assertSameLog(LogView actual, LogView expected) {
        assertThat(actual.firstIndex()).as("firstIndex").isEqualTo(expected.firstIndex());
        assertThat(actual.lastIndex()).as("lastIndex").isEqualTo(expected.lastIndex());
        assertThat(actual.term(actual.firstIndex() - 1)).as("term before first")
                .isEqualTo(expected.term(expected.firstIndex() - 1));
        assertThat(actual.snapshot().lastIncludedIndex()).isEqualTo(expected.snapshot().lastIncludedIndex());
        assertThat(actual.entries(actual.firstIndex(), actual.lastIndex() + 1, Long.MAX_VALUE))
                .isEqualTo(expected.entries(expected.firstIndex(), expected.lastIndex() + 1, Long.MAX_VALUE));
    }

    static boolean sameLog(LogView actual, LogView expected) {
        try {
            assertSameLog(actual, expected);
            return true;
        } catch (AssertionError mismatch) {
            return false;
        }
    }

    /** Writes and commits a snapshot of {@code dataBytes} random bytes. */
    static SnapshotMetadata commitSnapshot(DurableLog log, long index, long term, int dataBytes, Random random) {
        SnapshotMetadata metadata = new SnapshotMetadata(index, term, CONFIGURATION);
        byte[] data = new byte[dataBytes];
        random.nextBytes(data);
        try (SnapshotWriter writer = log.snapshots().begin(metadata)) {
            writer.write(data, 0, data.length);
            return writer.commit();
        }
    }

    static InMemoryLog model() {
        return new InMemoryLog(CONFIGURATION);
    }

    /**
     * The offset where each whole record of a segment file starts, then the offset where its records end (the
     * preallocated zeros, if any, begin there): found by walking the frames.
     */
    static List<Long> recordBoundaries(Disk disk, Path file) throws java.io.IOException {
        try (DiskFile handle = disk.open(file)) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate((int) handle.size());
            handle.readFully(bytes, 0);
            bytes.flip();
            List<Long> boundaries = new ArrayList<>();
            boundaries.add(0L);
            while (bytes.hasRemaining() && RecordCodec.decode(bytes, 1 << 20) instanceof RecordCodec.Valid valid) {
                bytes.position(bytes.position() + valid.frameBytes());
                boundaries.add((long) bytes.position());
            }
            return boundaries;
        }
    }
}
