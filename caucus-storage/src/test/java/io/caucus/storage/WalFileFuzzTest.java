package io.caucus.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caucus.core.ClusterConfiguration;
import io.caucus.core.EntryType;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A damaged WAL directory, as a node finds it when it starts: {@link DurableLog#open} either recovers a log that
 * keeps the promises of recovery ({@link WalRecovery}) or refuses the directory with {@link CorruptStorageException}
 * naming a file in it; never another exception, and never an allocation sized by a length a record claims.
 *
 * <p>The input ({@link FuzzedDirectory}) is up to four segment files, optionally a snapshot the log may have been
 * compacted to, and whether the checksums of the first frames of each file are repaired after the fuzzer's damage,
 * so that it reaches the checks behind them. The seed inputs are directories the real writer wrote
 * ({@link #seedInputsAreWhatTheWriterWrites}), one with a torn tail and one with a flipped bit; the other saved inputs
 * are damage recovery once let through ({@code lower-term-after-snapshot}: a log compacted to a snapshot whose first
 * entry has a lower term than the snapshot's last, see {@code CorruptionTest}). The default suite runs the saved
 * inputs; to fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl caucus-storage -am test -Dtest=WalFileFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (docs/security.md).
 */
class WalFileFuzzTest {

    private static final Path ROOT = Path.of("/data/node");
    private static final Path WAL = ROOT.resolve("wal");
    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1", "n2", "n3");
    /**
     * A payload limit far above any input, so that a record length believed before its bytes are there would show
     * in the allocation; small segments, so that the writes after recovery roll over as they would after days.
     */
    private static final StorageOptions OPTIONS = StorageOptions.DEFAULTS.withSegmentBytes(4096)
            .withMaxEntryBytes(64 << 20);
    /** What opening may allocate beyond its buffers and a fixed multiple of the files: far below 64 MiB. */
    private static final long ALLOCATION_ALLOWANCE_BYTES = 2 << 20;
    /**
     * The read window recovery allocates for each segment file ({@link SegmentReader}) beyond the file's size: a
     * header's worth for a file shorter than one.
     */
    private static final long WINDOW_BYTES_PER_FILE = RecordCodec.HEADER_BYTES;
    private static final Path SEEDS =
            Path.of("src/test/resources/io/caucus/storage/WalFileFuzzTestInputs/damagedWalDirectories");

    @FuzzTest(maxDuration = "30s")
    void damagedWalDirectories(byte[] input) throws Exception {
        FuzzedDirectory directory = FuzzedDirectory.parse(input);
        if (directory.repair()) {
            for (FuzzedDirectory.File file : directory.files()) {
                FuzzedDirectory.repairFrames(file.bytes(), directory.repairFrames(), RecordCodec.HEADER_BYTES, 21, 25);
            }
        }
        SimulatedDisk disk = write(directory);
        DurableLog.Opened[] opened = new DurableLog.Opened[1];
        long bound = ALLOCATION_ALLOWANCE_BYTES + WINDOW_BYTES_PER_FILE * directory.files().size()
                + 8 * directory.totalBytes();
        if (FuzzedDirectory.allocatedBy(() -> opened[0] = openOrRefuse(disk)) >= bound) {
            // A first run that loads classes (and Jazzer instruments them, on this thread) allocates for that too.
            // Opening repairs the directory, so the second run opens a fresh copy.
            if (opened[0] != null) {
                opened[0].log().close();
            }
            SimulatedDisk fresh = write(directory);
            assertThat(FuzzedDirectory.allocatedBy(() -> opened[0] = openOrRefuse(fresh))).as("bytes allocated")
                    .isLessThan(bound);
            checkRecovered(fresh, opened[0], directory);
        } else {
            checkRecovered(disk, opened[0], directory);
        }
    }

    /** A disk holding the snapshot and the segment files of the input, all durable. */
    private static SimulatedDisk write(FuzzedDirectory directory) throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(WAL);
        writeSnapshot(disk, directory);
        for (FuzzedDirectory.File file : directory.files()) {
            try (DiskFile handle = disk.create(WAL.resolve(Segment.fileName(file.sequence())))) {
                handle.write(ByteBuffer.wrap(file.bytes()), 0);
                handle.force();
            }
        }
        disk.syncDirectory(WAL);
        return disk;
    }

    /** Opens as a starting node does; null if the directory was refused as damaged, naming a file of the WAL. */
    private static DurableLog.Opened openOrRefuse(SimulatedDisk disk) {
        try {
            return DurableLog.open(disk, ROOT, OPTIONS, CONFIGURATION);
        } catch (CorruptStorageException refused) {
            assertThat(refused.file()).as(refused.getMessage()).startsWithRaw(WAL);
            return null;
        }
    }

    /**
     * What recovery promises of a log it opens: it starts right after the snapshot, every entry reads back as
     * itself, terms never decrease (Raft paper §5.3), the commit index is within the log; and the log recovered is
     * one the node can go on with: it takes the next entry, and opens again to the same log.
     */
    private static void checkRecovered(SimulatedDisk disk, DurableLog.Opened opened, FuzzedDirectory directory) {
        if (opened == null) {
            return;
        }
        DurableLog log = opened.log();
        SnapshotMetadata snapshot = opened.snapshot();
        assertThat(snapshot.lastIncludedIndex()).isEqualTo(snapshotIndex(directory));
        assertThat(log.firstIndex()).isEqualTo(snapshot.lastIncludedIndex() + 1);
        assertThat(log.term(log.firstIndex() - 1)).isEqualTo(snapshot.lastIncludedTerm());
        assertThat(opened.hardState().commitIndex()).isLessThanOrEqualTo(log.lastIndex());
        List<LogEntry> entries = log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE);
        assertThat(entries).hasSize((int) (log.lastIndex() - log.firstIndex() + 1));
        long previousTerm = snapshot.lastIncludedTerm();
        for (int i = 0; i < entries.size(); i++) {
            LogEntry entry = entries.get(i);
            assertThat(entry.index()).isEqualTo(log.firstIndex() + i);
            assertThat(entry.term()).isEqualTo(log.term(entry.index())).isGreaterThanOrEqualTo(previousTerm);
            previousTerm = entry.term();
        }

        long lastTerm = log.term(log.lastIndex());
        LogEntry next = new LogEntry(Math.max(1, lastTerm), log.lastIndex() + 1, EntryType.COMMAND, new byte[] {7});
        long ticket = log.append(List.of(next));
        assertThat(log.sync()).isGreaterThanOrEqualTo(ticket);
        List<LogEntry> expected = new ArrayList<>(entries);
        expected.add(next);
        HardState hardState = log.hardState();
        log.close();

        DurableLog.Opened again = DurableLog.open(disk, ROOT, OPTIONS, CONFIGURATION);
        try {
            assertThat(again.report().truncatedTails()).isEmpty();
            assertThat(again.hardState()).isEqualTo(hardState);
            assertThat(again.snapshot()).isEqualTo(snapshot);
            assertThat(again.log().firstIndex()).isEqualTo(log.firstIndex());
            assertThat(again.log().entries(again.log().firstIndex(), again.log().lastIndex() + 1, Long.MAX_VALUE))
                    .isEqualTo(expected);
        } finally {
            again.log().close();
        }
    }

    /** The last index of the snapshot the input asks for: none (0) unless both its index and term are positive. */
    private static long snapshotIndex(FuzzedDirectory directory) {
        return directory.snapshot() && directory.snapshotTerm() > 0 ? directory.snapshotIndex() : 0;
    }

    /** The snapshot the input asks for, committed to the store as a node would have. */
    private static void writeSnapshot(SimulatedDisk disk, FuzzedDirectory directory) throws IOException {
        if (snapshotIndex(directory) == 0) {
            return;
        }
        SnapshotStore store = SnapshotStore.open(disk, ROOT.resolve("snapshots"), OPTIONS.snapshotsRetained(),
                new ArrayList<>());
        try (SnapshotWriter writer = store.begin(new SnapshotMetadata(directory.snapshotIndex(),
                directory.snapshotTerm(), CONFIGURATION))) {
            writer.write(new byte[] {1, 2, 3}, 0, 3);
            writer.commit();
        }
    }

    // ---- the seed inputs ----

    /**
     * The seed inputs are what {@link DurableLog} writes: a log in one segment (with a hard state and a conflict
     * truncation), in three (rolled over), compacted to a snapshot (older segments deleted), with preallocated zeros
     * after the records, and two damaged copies: a torn tail and a flipped bit in an older segment.
     */
    @Test
    void seedInputsAreWhatTheWriterWrites() throws IOException {
        Random random = new Random(21);
        StorageOptions seedOptions = StorageOptions.DEFAULTS.withSegmentBytes(4096).withPreallocateBytes(0);

        SimulatedDisk one = new SimulatedDisk();
        try (DurableLog log = DurableLog.open(one, ROOT, seedOptions, CONFIGURATION).log()) {
            log.append(Fixtures.batch(1, 1, 5, 20, random));
            log.writeHardState(new HardState(2, NodeId.of("n1"), 3));
            log.append(Fixtures.batch(2, 4, 3, 20, random));
            log.truncateSuffix(6);
            log.sync();
        }
        List<FuzzedDirectory.File> oneSegment = files(one);
        FuzzedDirectory.checkSeed(SEEDS, "valid-one-segment", FuzzedDirectory.format(oneSegment, false, 0, 0));

        SimulatedDisk three = new SimulatedDisk();
        try (DurableLog log = DurableLog.open(three, ROOT, seedOptions, CONFIGURATION).log()) {
            for (int index = 1; three.list(WAL).size() < 3; index += 4) {
                log.append(Fixtures.batch(1 + index / 10, index, 4, 300, random));
                log.writeHardState(new HardState(1 + index / 10, null, index));
            }
            log.sync();
        }
        List<FuzzedDirectory.File> threeSegments = files(three);
        assertThat(threeSegments).hasSize(3);
        FuzzedDirectory.checkSeed(SEEDS, "valid-three-segments", FuzzedDirectory.format(threeSegments, false, 0, 0));

        SimulatedDisk compacted = new SimulatedDisk();
        SnapshotMetadata covering;
        try (DurableLog log = DurableLog.open(compacted, ROOT, seedOptions, CONFIGURATION).log()) {
            for (int index = 1; compacted.list(WAL).size() < 3; index += 4) {
                log.append(Fixtures.batch(1 + index / 10, index, 4, 300, random));
            }
            log.writeHardState(new HardState(log.term(log.lastIndex()), NodeId.of("n2"), log.lastIndex() - 2));
            log.sync();
            // The newest segment holds the last batch whole: a snapshot before it covers every older segment.
            long index = log.lastIndex() - 4;
            covering = Fixtures.commitSnapshot(log, index, log.term(index), 10, random);
            log.installSnapshot(covering);
            log.sync();
        }
        List<FuzzedDirectory.File> compactedSegments = files(compacted);
        assertThat(compactedSegments.get(0).sequence()).isGreaterThan(1);
        FuzzedDirectory.checkSeed(SEEDS, "valid-compacted-to-snapshot", FuzzedDirectory.format(compactedSegments,
                true, (int) covering.lastIncludedIndex(), (int) covering.lastIncludedTerm()));

        SimulatedDisk preallocated = new SimulatedDisk();
        try (DurableLog log = DurableLog.open(preallocated, ROOT, seedOptions.withPreallocateBytes(1024), CONFIGURATION)
                .log()) {
            log.append(Fixtures.batch(1, 1, 3, 20, random));
            log.sync();
        }
        List<FuzzedDirectory.File> withZeros = files(preallocated);
        byte[] last = withZeros.get(0).bytes();
        assertThat(last[last.length - 1]).isZero();
        FuzzedDirectory.checkSeed(SEEDS, "valid-preallocated-zeros", FuzzedDirectory.format(withZeros, false, 0, 0));

        FuzzedDirectory.checkDamagedSeeds(SEEDS, oneSegment.get(0), threeSegments);

        // What each seed reaches: the valid ones open clean, the torn tail is cut, the flipped bit is refused.
        for (String valid : List.of("valid-one-segment", "valid-three-segments", "valid-compacted-to-snapshot",
                "valid-preallocated-zeros")) {
            try (DurableLog log = openSeed(valid)) {
                assertThat(log.lastIndex()).as(valid).isGreaterThan(log.firstIndex());
            }
        }
        SimulatedDisk tornDisk = write(FuzzedDirectory.parse(Files.readAllBytes(SEEDS.resolve("torn-tail"))));
        DurableLog.Opened tornOpened = DurableLog.open(tornDisk, ROOT, OPTIONS, CONFIGURATION);
        tornOpened.log().close();
        assertThat(tornOpened.report().truncatedTails()).hasSize(1);
        assertThatThrownBy(() -> openSeed("bit-flip-in-older-segment"))
                .isInstanceOf(CorruptStorageException.class).hasMessageContaining(Segment.fileName(1));
    }

    private static DurableLog openSeed(String name) throws IOException {
        FuzzedDirectory directory = FuzzedDirectory.parse(Files.readAllBytes(SEEDS.resolve(name)));
        DurableLog.Opened opened = DurableLog.open(write(directory), ROOT, OPTIONS, CONFIGURATION);
        assertThat(opened.report().isClean()).as(name + " opens clean").isTrue();
        return opened.log();
    }

    /** The WAL's segment files, oldest first. */
    private static List<FuzzedDirectory.File> files(SimulatedDisk disk) throws IOException {
        List<FuzzedDirectory.File> files = new ArrayList<>();
        for (String name : disk.list(WAL).stream().sorted().toList()) {
            long sequence = Segment.parseSequence(name);
            if (sequence < 0) {
                continue;
            }
            try (DiskFile file = disk.open(WAL.resolve(name))) {
                ByteBuffer bytes = ByteBuffer.allocate((int) file.size());
                file.readFully(bytes, 0);
                files.add(new FuzzedDirectory.File(sequence, bytes.array()));
            }
        }
        return files;
    }
}
