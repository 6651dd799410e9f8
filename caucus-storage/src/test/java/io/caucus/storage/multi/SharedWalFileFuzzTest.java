package io.caucus.storage.multi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.DiskFile;
import io.caucus.storage.FuzzedDirectory;
import io.caucus.storage.SimulatedDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A damaged shared-WAL directory (multi-Raft), as a process hosting many groups finds it when it starts:
 * {@link SharedWal#open} either recovers every group with a log that reads back whole, or refuses the directory with
 * {@link CorruptStorageException} naming it or a file in it; never another exception, and never an allocation sized
 * by a length a record claims.
 *
 * <p>The input ({@link FuzzedDirectory}) is up to four segment files and whether the checksums of the first frames of
 * each are repaired after the fuzzer's damage, so that it reaches the checks behind them (group records, segment
 * headers, snapshot configurations, copies). The seed inputs are directories the real writer wrote
 * ({@link #seedInputsAreWhatTheWriterWrites}), one with a torn tail and one with a flipped bit. The default suite runs
 * the saved inputs; to fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl caucus-storage -am test -Dtest=SharedWalFileFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (docs/security.md).
 */
class SharedWalFileFuzzTest {

    private static final Path DIRECTORY = Path.of("/data/node/multi-wal");
    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1", "n2", "n3");
    /** Small segments, so that the writes after recovery roll over as they would after days. */
    private static final SharedWalOptions OPTIONS = SharedWalOptions.DEFAULTS.withSegmentBytes(4096);
    /** What opening may allocate beyond a fixed multiple of the files: far below a length a record can claim. */
    private static final long ALLOCATION_ALLOWANCE_BYTES = 1 << 20;
    private static final Path SEEDS = Path.of(
            "src/test/resources/io/caucus/storage/multi/SharedWalFileFuzzTestInputs/damagedSharedWalDirectories");

    @FuzzTest(maxDuration = "30s")
    void damagedSharedWalDirectories(byte[] input) throws Exception {
        FuzzedDirectory directory = FuzzedDirectory.parse(input);
        if (directory.repair()) {
            for (FuzzedDirectory.File file : directory.files()) {
                FuzzedDirectory.repairFrames(file.bytes(), directory.repairFrames(), GroupRecordCodec.HEADER_BYTES,
                        29, 33);
            }
        }
        SimulatedDisk disk = write(directory);
        SharedWal[] opened = new SharedWal[1];
        long bound = ALLOCATION_ALLOWANCE_BYTES + 8 * directory.totalBytes();
        if (FuzzedDirectory.allocatedBy(() -> opened[0] = openOrRefuse(disk)) >= bound) {
            // A first run that loads classes (and Jazzer instruments them, on this thread) allocates for that too.
            // Opening repairs the directory, so the second run opens a fresh copy.
            if (opened[0] != null) {
                opened[0].close();
            }
            SimulatedDisk fresh = write(directory);
            assertThat(FuzzedDirectory.allocatedBy(() -> opened[0] = openOrRefuse(fresh))).as("bytes allocated")
                    .isLessThan(bound);
            checkRecovered(fresh, opened[0]);
        } else {
            checkRecovered(disk, opened[0]);
        }
    }

    /** A disk holding the segment files of the input, all durable. */
    private static SimulatedDisk write(FuzzedDirectory directory) throws IOException {
        SimulatedDisk disk = new SimulatedDisk();
        disk.createDirectories(DIRECTORY);
        for (FuzzedDirectory.File file : directory.files()) {
            try (DiskFile handle = disk.create(DIRECTORY.resolve(WalSegment.fileName(file.sequence())))) {
                handle.write(ByteBuffer.wrap(file.bytes()), 0);
                handle.force();
            }
        }
        disk.syncDirectory(DIRECTORY);
        return disk;
    }

    /** Opens as a starting process does; null if the directory was refused as damaged, naming it or a file in it. */
    private static SharedWal openOrRefuse(SimulatedDisk disk) {
        try {
            return SharedWal.open(disk, DIRECTORY, OPTIONS);
        } catch (CorruptStorageException refused) {
            assertThat(refused.file()).as(refused.getMessage()).startsWithRaw(DIRECTORY);
            return null;
        }
    }

    /**
     * What recovery promises of every group it opens: its entries run without a gap from its snapshot base, each
     * reads back as itself, their terms never decrease from the base's, and the commit index is within the log; and the WAL recovered is one the process can go on with: every group takes its next
     * entry, and the WAL opens again to the same groups.
     */
    private static void checkRecovered(SimulatedDisk disk, SharedWal wal) {
        if (wal == null) {
            return;
        }
        Map<Long, GroupState> expected = new TreeMap<>();
        for (long group : wal.groups()) {
            GroupLog log = wal.group(group, CONFIGURATION);
            List<LogEntry> entries = readAll(log);
            assertThat(log.term(log.firstIndex() - 1)).isEqualTo(log.snapshot().lastIncludedTerm());
            long previousTerm = log.snapshot().lastIncludedTerm();
            for (int i = 0; i < entries.size(); i++) {
                assertThat(entries.get(i).index()).isEqualTo(log.firstIndex() + i);
                assertThat(entries.get(i).term()).isEqualTo(log.term(entries.get(i).index()))
                        .as("terms never decrease").isGreaterThanOrEqualTo(previousTerm);
                previousTerm = entries.get(i).term();
            }
            assertThat(log.hardState().commitIndex()).as("commits within the log").isLessThanOrEqualTo(log.lastIndex());
            LogEntry next = LogEntry.command(Math.max(1, log.term(log.lastIndex())), log.lastIndex() + 1,
                    new byte[] {7});
            log.append(List.of(next));
            entries = new ArrayList<>(entries);
            entries.add(next);
            expected.put(group, new GroupState(log.snapshot(), log.hardState(), entries));
        }
        wal.sync();
        wal.close();

        SharedWal again = SharedWal.open(disk, DIRECTORY, OPTIONS);
        try {
            assertThat(again.recovery().droppedTailBytes()).isZero();
            assertThat(again.groups()).containsExactlyElementsOf(expected.keySet());
            for (var group : expected.entrySet()) {
                GroupLog log = again.group(group.getKey(), CONFIGURATION);
                assertThat(new GroupState(log.snapshot(), log.hardState(), readAll(log))).as("group " + group.getKey())
                        .isEqualTo(group.getValue());
            }
        } finally {
            again.close();
        }
    }

    private static List<LogEntry> readAll(GroupLog log) {
        List<LogEntry> entries = log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE);
        assertThat(entries).hasSize((int) (log.lastIndex() - log.firstIndex() + 1));
        return entries;
    }

    private record GroupState(SnapshotMetadata snapshot, HardState hardState, List<LogEntry> entries) {
    }

    // ---- the seed inputs ----

    /**
     * The seed inputs are what {@link SharedWal} writes: three groups in one segment (hard states, a conflict
     * truncation, a snapshot base, a snapshot that replaces a log, a removed group), a WAL rolled over and compacted
     * with an idle group's entry copied forward, one with preallocated zeros after the records, and two damaged
     * copies: a torn tail and a flipped bit in an older segment.
     */
    @Test
    void seedInputsAreWhatTheWriterWrites() throws IOException {
        SharedWalOptions seedOptions = OPTIONS.withPreallocateBytes(0);

        SimulatedDisk one = new SimulatedDisk();
        try (SharedWal wal = SharedWal.open(one, DIRECTORY, seedOptions)) {
            GroupLog first = wal.group(1, CONFIGURATION);
            GroupLog second = wal.group(2, CONFIGURATION);
            GroupLog third = wal.group(3, CONFIGURATION);
            first.append(SharedWalTest.entries(1, 1, 5));
            first.writeHardState(new HardState(2, NodeId.of("n1"), 3));
            first.append(SharedWalTest.entries(2, 4, 6));
            first.truncateSuffix(6);
            first.installSnapshot(new SnapshotMetadata(2, 1, CONFIGURATION));
            second.append(SharedWalTest.entries(1, 1, 3));
            second.installSnapshot(new SnapshotMetadata(7, 3, ClusterConfiguration.ofVoters("n1")));
            third.append(SharedWalTest.entries(1, 1, 2));
            wal.removeGroup(3);
            wal.sync();
        }
        List<FuzzedDirectory.File> oneSegment = files(one);
        assertThat(oneSegment).hasSize(1);
        FuzzedDirectory.checkSeed(SEEDS, "valid-three-groups", FuzzedDirectory.format(oneSegment, false, 0, 0));

        SimulatedDisk rolled = new SimulatedDisk();
        try (SharedWal wal = SharedWal.open(rolled, DIRECTORY, seedOptions)) {
            GroupLog idle = wal.group(2, CONFIGURATION);
            idle.append(SharedWalTest.entries(1, 1, 1));
            GroupLog busy = wal.group(1, CONFIGURATION);
            for (long index = 1; wal.segmentCount() < 3; index += 10) {
                busy.append(SharedWalTest.entries(1, index, index + 9));
                wal.sync();
            }
            busy.installSnapshot(new SnapshotMetadata(busy.lastIndex() - 1, 1, CONFIGURATION));
            wal.sync();
            wal.sync();
            assertThat(wal.rewrittenEntries()).isPositive();
            while (wal.segmentCount() < 2) {
                busy.append(SharedWalTest.entries(1, busy.lastIndex() + 1, busy.lastIndex() + 10));
                wal.sync();
            }
        }
        List<FuzzedDirectory.File> rolledSegments = files(rolled);
        assertThat(rolledSegments.get(0).sequence()).isGreaterThan(1);
        assertThat(rolledSegments.size()).isBetween(2, FuzzedDirectory.MAX_FILES);
        FuzzedDirectory.checkSeed(SEEDS, "valid-rolled-over-and-rewritten",
                FuzzedDirectory.format(rolledSegments, false, 0, 0));

        SimulatedDisk preallocated = new SimulatedDisk();
        try (SharedWal wal = SharedWal.open(preallocated, DIRECTORY, OPTIONS.withPreallocateBytes(1024))) {
            wal.group(5, CONFIGURATION).append(SharedWalTest.entries(1, 1, 3));
            wal.sync();
        }
        List<FuzzedDirectory.File> withZeros = files(preallocated);
        byte[] zeros = withZeros.get(0).bytes();
        assertThat(zeros[zeros.length - 1]).isZero();
        FuzzedDirectory.checkSeed(SEEDS, "valid-preallocated-zeros", FuzzedDirectory.format(withZeros, false, 0, 0));

        FuzzedDirectory.checkDamagedSeeds(SEEDS, oneSegment.get(0), rolledSegments);

        // What each seed reaches: the valid ones open clean, the torn tail is cut, the flipped bit is refused.
        for (String valid : List.of("valid-three-groups", "valid-rolled-over-and-rewritten",
                "valid-preallocated-zeros")) {
            try (SharedWal wal = openSeed(valid)) {
                assertThat(wal.recovery().droppedTailBytes()).as(valid).isZero();
                assertThat(wal.groups()).as(valid).isNotEmpty();
            }
        }
        try (SharedWal wal = openSeed("torn-tail")) {
            assertThat(wal.recovery().droppedTailBytes()).isPositive();
        }
        assertThatThrownBy(() -> openSeed("bit-flip-in-older-segment")).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(WalSegment.fileName(rolledSegments.get(0).sequence()));
    }

    private static SharedWal openSeed(String name) throws IOException {
        FuzzedDirectory directory = FuzzedDirectory.parse(Files.readAllBytes(SEEDS.resolve(name)));
        return SharedWal.open(write(directory), DIRECTORY, OPTIONS);
    }

    /** The WAL's segment files, oldest first. */
    private static List<FuzzedDirectory.File> files(SimulatedDisk disk) throws IOException {
        List<FuzzedDirectory.File> files = new ArrayList<>();
        for (String name : disk.list(DIRECTORY).stream().sorted().toList()) {
            long sequence = WalSegment.sequenceOf(name);
            if (sequence < 0) {
                continue;
            }
            try (DiskFile file = disk.open(DIRECTORY.resolve(name))) {
                ByteBuffer bytes = ByteBuffer.allocate((int) file.size());
                file.readFully(bytes, 0);
                files.add(new FuzzedDirectory.File(sequence, bytes.array()));
            }
        }
        return files;
    }
}
