package io.caucus.storage.multi;

import io.caucus.core.LogEntry;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.SimulatedDisk;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.caucus.storage.multi.SharedWalTest.CONFIGURATION;
import static io.caucus.storage.multi.SharedWalTest.DIRECTORY;
import static io.caucus.storage.multi.SharedWalTest.entries;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rewriting policy: idle groups whose few entries are all that is left of an old segment get them copied into
 * the active segment, so that the old segment (and the ones after it) can go; a segment whose held entries are
 * a larger share of it stays; a crash in the middle of a rewrite loses no entry.
 */
class SharedWalRewriteTest {

    private static final int IDLE_GROUPS = 3;

    private final SimulatedDisk disk = new SimulatedDisk();

    @Test
    void idleGroupsEntriesAreCopiedForwardAndOldSegmentsGo() {
        SharedWal wal = SharedWal.open(disk, DIRECTORY, new SharedWalOptions(1024, 0, 0.4));
        writeIdleGroupsThenABusyOne(wal, 60, null);

        assertThat(wal.rewrittenEntries()).isPositive();
        assertThat(wal.segmentCount()).as("no idle group keeps the first segments").isLessThanOrEqualTo(3);
        assertIdleGroupsIntact(wal);

        disk.crash(null);
        SharedWal reopened = SharedWal.open(disk, DIRECTORY, new SharedWalOptions(1024, 0, 0.4));
        assertIdleGroupsIntact(reopened);
        assertThat(reopened.group(0, CONFIGURATION).lastIndex()).isEqualTo(60);
    }

    @Test
    void aSegmentWhoseHeldEntriesAreALargerShareIsNotRewritten() {
        SharedWal wal = SharedWal.open(disk, DIRECTORY, new SharedWalOptions(1024, 0, 0.1));
        writeIdleGroupsThenABusyOne(wal, 60, null);

        assertThat(wal.rewrittenEntries()).isZero();
        assertThat(wal.segmentCount()).as("the idle groups keep every segment").isGreaterThan(5);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void aCrashInTheMiddleOfARewriteLosesNoEntry(long seed) {
        Random random = new Random(seed);
        SharedWalOptions options = new SharedWalOptions(1024, (int) (seed % 2) * 128, 0.4, (seed % 3) * 300);
        SharedWal wal = SharedWal.open(disk, DIRECTORY, options);
        // Stops right after the first sync that rewrote, or one sync later (the old segment then deleted).
        int syncsAfterRewrite = random.nextInt(2);
        long written = writeIdleGroupsThenABusyOne(wal, 200, () -> wal.rewrittenEntries() > 0, syncsAfterRewrite);
        assertThat(wal.rewrittenEntries()).isPositive();

        disk.crash(random);
        SharedWal reopened = SharedWal.open(disk, DIRECTORY, options);
        assertIdleGroupsIntact(reopened);
        GroupLog busy = reopened.group(0, CONFIGURATION);
        assertThat(busy.lastIndex()).isEqualTo(written);
        assertThat(busy.entries(busy.firstIndex(), written + 1, Long.MAX_VALUE))
                .isEqualTo(entries(1, busy.firstIndex(), written));
    }

    private long writeIdleGroupsThenABusyOne(SharedWal wal, int busyEntries, java.util.function.BooleanSupplier stop) {
        return writeIdleGroupsThenABusyOne(wal, busyEntries, stop, 0);
    }

    /**
     * Groups 1..3 write two entries each and go idle; group 0 then appends, syncs and compacts entry by entry.
     * Returns group 0's last index when {@code stop} held after a sync (and {@code moreSyncs} more rounds ran).
     */
    private long writeIdleGroupsThenABusyOne(SharedWal wal, int busyEntries, java.util.function.BooleanSupplier stop,
                                             int moreSyncs) {
        for (long group = 1; group <= IDLE_GROUPS; group++) {
            wal.group(group, CONFIGURATION).append(entries(group, 1, 2));
        }
        GroupLog busy = wal.group(0, CONFIGURATION);
        int roundsLeft = -1;
        for (long index = 1; index <= busyEntries; index++) {
            busy.append(entries(1, index, index));
            if (index > 1) {
                busy.installSnapshot(new SnapshotMetadata(index - 1, 1, CONFIGURATION));
            }
            wal.sync();
            if (roundsLeft < 0 && stop != null && stop.getAsBoolean()) {
                roundsLeft = moreSyncs;
            }
            if (roundsLeft-- == 0) {
                return index;
            }
        }
        return busyEntries;
    }

    private static void assertIdleGroupsIntact(SharedWal wal) {
        for (long group = 1; group <= IDLE_GROUPS; group++) {
            GroupLog log = wal.group(group, CONFIGURATION);
            assertThat(log.entries(1, 3, Long.MAX_VALUE)).as("group %d", group).isEqualTo(entries(group, 1, 2));
            assertThat(log.lastIndex()).isEqualTo(2);
        }
    }
}
