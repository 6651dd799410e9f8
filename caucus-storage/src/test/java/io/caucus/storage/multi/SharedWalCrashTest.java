package io.caucus.storage.multi;

import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.StorageFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.caucus.storage.multi.SharedWalTest.CONFIGURATION;
import static io.caucus.storage.multi.SharedWalTest.DIRECTORY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many groups append, compact, are removed and sync on a simulated disk that starts failing at a random call (write,
 * fsync, file creation, deletion, directory sync); then the machine crashes, keeping a random part of what was
 * not durable. Whatever the failure point, every group reopens with every entry and hard state a completed sync
 * covered. Seeds differ in preallocation (none, or zeros written ahead to the segment's end while rounds between
 * syncs stay under 256 or 512 bytes), so the crash also keeps random prefixes of zeros and of the records written
 * over them; and in rewriting (off, or when an old
 * segment's held entries are under half its bytes), so a crash may come in the middle of a rewrite.
 */
class SharedWalCrashTest {

    private static final int GROUPS = 8;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void syncedStateSurvivesAFailureAtAnyPointAndACrash(long seed) {
        Random random = new Random(seed);
        SimulatedDisk disk = new SimulatedDisk();
        SharedWalOptions options = new SharedWalOptions(512, (int) (seed % 3) * 4096, seed % 2 * 0.5,
                (seed % 5) * 256); // no cache, or budgets small enough to evict
        SharedWal wal = SharedWal.open(disk, DIRECTORY, options);
        long[] syncedLast = new long[GROUPS];
        long[] written = new long[GROUPS];
        HardState[] syncedHard = new HardState[GROUPS];
        HardState[] hard = new HardState[GROUPS];
        java.util.Arrays.fill(syncedHard, HardState.INITIAL);
        java.util.Arrays.fill(hard, HardState.INITIAL);
        boolean failed = false;
        disk.failAfter(disk.operationCount() + 20 + random.nextInt(400));
        try {
            for (int round = 0; round < 200; round++) {
                int group = random.nextInt(GROUPS);
                GroupLog log = wal.group(group, CONFIGURATION);
                log.append(SharedWalTest.entries(1, written[group] + 1, written[group] + 1 + random.nextInt(2)));
                written[group] = log.lastIndex();
                hard[group] = new HardState(1, null, written[group]);
                log.writeHardState(hard[group]);
                if (written[group] > 1 && random.nextInt(5) == 0) {
                    log.installSnapshot(new SnapshotMetadata(written[group] - 1, 1, CONFIGURATION));
                }
                if (random.nextInt(25) == 0) {
                    // Its id comes back empty: the same entries are written again from index 1.
                    wal.removeGroup(group);
                    written[group] = 0;
                    hard[group] = HardState.INITIAL;
                }
                if (random.nextInt(3) == 0) {
                    wal.sync();
                    syncedLast = written.clone();
                    syncedHard = hard.clone();
                }
            }
        } catch (StorageFailedException expected) {
            failed = true;
        }
        assertThat(failed).as("the disk failed before the workload ended").isTrue();
        disk.crash(random);

        SharedWal reopened = SharedWal.open(disk, DIRECTORY, options);
        for (int group = 0; group < GROUPS; group++) {
            GroupLog log = reopened.group(group, CONFIGURATION);
            assertThat(log.lastIndex()).as("group %d", group).isGreaterThanOrEqualTo(syncedLast[group]);
            assertThat(log.hardState().commitIndex()).isGreaterThanOrEqualTo(syncedHard[group].commitIndex());
            List<LogEntry> expected = new ArrayList<>(SharedWalTest.entries(1, log.firstIndex(), log.lastIndex()));
            assertThat(log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE)).isEqualTo(expected);
        }
    }
}
