package io.caucus.storage.multi;

import io.caucus.core.LogEntry;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.StorageFailedException;
import java.util.List;
import org.junit.jupiter.api.Test;

import static io.caucus.storage.multi.SharedWalTest.CONFIGURATION;
import static io.caucus.storage.multi.SharedWalTest.DIRECTORY;
import static io.caucus.storage.multi.SharedWalTest.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The groups' recent entries are served from memory, within one budget for the whole WAL. */
class SharedWalCacheTest {

    private final SimulatedDisk disk = new SimulatedDisk();

    private SharedWal open(long cacheBytes) {
        return SharedWal.open(disk, DIRECTORY, SharedWalOptions.DEFAULTS.withCacheBytes(cacheBytes));
    }

    /** Reads the group's whole log and checks no disk call was made for it. */
    private List<LogEntry> readWithoutDisk(GroupLog log) {
        long calls = disk.operationCount();
        List<LogEntry> read = log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE);
        assertThat(disk.operationCount()).as("disk calls to read recent entries").isEqualTo(calls);
        return read;
    }

    @Test
    void entriesJustWrittenAreReadFromMemory() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.append(entries(1, 1, 20));

        assertThat(readWithoutDisk(log)).isEqualTo(entries(1, 1, 20));
    }

    @Test
    void aTruncatedOrOverwrittenSuffixIsNeverServedFromMemory() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.append(entries(1, 1, 10));
        log.append(entries(2, 6, 8)); // overwrites 6..10 (§5.3)
        assertThat(readWithoutDisk(log)).isEqualTo(concat(entries(1, 1, 5), entries(2, 6, 8)));

        log.truncateSuffix(7);
        assertThat(readWithoutDisk(log)).isEqualTo(concat(entries(1, 1, 5), entries(2, 6, 6)));
        log.append(entries(3, 7, 9));
        assertThat(readWithoutDisk(log)).isEqualTo(concat(entries(1, 1, 5), entries(2, 6, 6), entries(3, 7, 9)));
        wal.sync();

        SharedWal reopened = reopen(wal);
        GroupLog recovered = reopened.group(1, CONFIGURATION);
        assertThat(recovered.entries(1, 10, Long.MAX_VALUE))
                .isEqualTo(concat(entries(1, 1, 5), entries(2, 6, 6), entries(3, 7, 9)));
    }

    @Test
    void aSnapshotBaseDropsTheCoveredEntriesAndAResetDropsAll() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.append(entries(1, 1, 10));
        log.installSnapshot(new SnapshotMetadata(4, 1, CONFIGURATION));
        assertThat(readWithoutDisk(log)).isEqualTo(entries(1, 5, 10));

        log.installSnapshot(new SnapshotMetadata(20, 3, CONFIGURATION)); // beyond the log: nothing kept
        assertThat(log.lastIndex()).isEqualTo(20);
        log.append(entries(3, 21, 22));
        assertThat(readWithoutDisk(log)).isEqualTo(entries(3, 21, 22));
    }

    @Test
    void overTheBudgetTheGroupWrittenLongestAgoIsReadFromDisk() {
        long entryBytes = entries(1, 1, 1).getFirst().sizeBytes();
        SharedWal wal = open(25 * entryBytes);
        GroupLog older = wal.group(1, CONFIGURATION);
        GroupLog newer = wal.group(2, CONFIGURATION);
        older.append(entries(1, 1, 10));
        newer.append(entries(1, 1, 10));
        readWithoutDisk(older);
        readWithoutDisk(newer);

        newer.append(entries(1, 11, 20)); // 30 entries cached: over the budget
        assertThat(readWithoutDisk(newer)).isEqualTo(entries(1, 1, 20));
        disk.failNext(SimulatedDisk.Operation.READ);
        assertThatThrownBy(() -> older.entries(1, 11, Long.MAX_VALUE))
                .as("the older group's entries now come from the segment").isInstanceOf(StorageFailedException.class);
    }

    @Test
    void withNoBudgetEveryEntryIsReadBackFromItsSegment() {
        SharedWal wal = open(0);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.append(entries(1, 1, 3));
        long calls = disk.operationCount();

        assertThat(log.entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 3));
        assertThat(disk.operationCount()).isGreaterThan(calls);
    }

    private SharedWal reopen(SharedWal wal) {
        wal.close();
        return open(1 << 20);
    }

    @SafeVarargs
    private static List<LogEntry> concat(List<LogEntry>... parts) {
        return java.util.Arrays.stream(parts).flatMap(List::stream).toList();
    }
}
