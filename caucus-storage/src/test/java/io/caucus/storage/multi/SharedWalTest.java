package io.caucus.storage.multi;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.DiskFile;
import io.caucus.storage.RealDisk;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.StorageFailedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SharedWalTest {

    static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1", "n2", "n3");
    static final Path DIRECTORY = Path.of("/data/node/multi-wal");

    private final SimulatedDisk disk = new SimulatedDisk();

    static List<LogEntry> entries(long term, long from, long to) {
        List<LogEntry> entries = new ArrayList<>();
        for (long index = from; index <= to; index++) {
            entries.add(LogEntry.command(term, index, ("g-" + term + "-" + index).getBytes(StandardCharsets.UTF_8)));
        }
        return entries;
    }

    /** No rewriting: these tests look at which segments entries keep alive. */
    private SharedWal open(long segmentBytes) {
        return SharedWal.open(disk, DIRECTORY, SharedWalOptions.DEFAULTS.withSegmentBytes(segmentBytes)
                .withRewriteBelow(0));
    }

    @Test
    void oneSyncMakesEveryGroupsAppendsDurable() {
        SharedWal wal = open(1 << 20);
        long before = wal.fsyncs();
        for (long group = 1; group <= 5; group++) {
            wal.group(group, CONFIGURATION).append(entries(1, 1, 3));
            wal.group(group, CONFIGURATION).writeHardState(new HardState(1, NodeId.of("n1"), 2));
        }
        long durable = wal.sync();
        assertThat(durable).isEqualTo(wal.writtenTicket()).isEqualTo(10);
        assertThat(wal.fsyncs() - before).isEqualTo(1);

        disk.crash(null);
        SharedWal reopened = open(1 << 20);
        assertThat(reopened.groups()).containsExactly(1L, 2L, 3L, 4L, 5L);
        for (long group = 1; group <= 5; group++) {
            GroupLog log = reopened.group(group, CONFIGURATION);
            assertThat(log.entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 3));
            assertThat(log.hardState()).isEqualTo(new HardState(1, NodeId.of("n1"), 2));
        }
    }

    @Test
    void unsyncedWritesAreLostByACrashButSyncedOnesAreNot() {
        SharedWal wal = open(1 << 20);
        wal.group(1, CONFIGURATION).append(entries(1, 1, 2));
        wal.sync();
        wal.group(1, CONFIGURATION).append(entries(1, 3, 4));
        wal.group(2, CONFIGURATION).append(entries(1, 1, 1));

        disk.crash(null);
        SharedWal reopened = open(1 << 20);
        assertThat(reopened.group(1, CONFIGURATION).lastIndex()).isEqualTo(2);
        assertThat(reopened.group(2, CONFIGURATION).lastIndex()).isZero();
    }

    @Test
    void whatRecoveryFindsOfAKilledProcessIsMadeDurable() {
        SharedWal wal = open(1 << 20);
        wal.group(1, CONFIGURATION).append(entries(1, 1, 3));
        wal.close(); // the process dies: its writes stay in the page cache, not yet durable

        open(1 << 20).close();
        disk.crash(null);
        assertThat(open(1 << 20).group(1, CONFIGURATION).lastIndex()).isEqualTo(3);
    }

    @Test
    void truncationOfAConflictingSuffixTouchesOnlyItsGroup() {
        SharedWal wal = open(1 << 20);
        GroupLog one = wal.group(1, CONFIGURATION);
        GroupLog two = wal.group(2, CONFIGURATION);
        one.append(entries(1, 1, 5));
        two.append(entries(1, 1, 5));
        one.append(entries(2, 3, 4));
        two.truncateSuffix(4);
        wal.sync();

        disk.crash(null);
        SharedWal reopened = open(1 << 20);
        GroupLog oneAgain = reopened.group(1, CONFIGURATION);
        assertThat(oneAgain.lastIndex()).isEqualTo(4);
        assertThat(oneAgain.term(2)).isEqualTo(1);
        assertThat(oneAgain.term(3)).isEqualTo(2);
        assertThat(reopened.group(2, CONFIGURATION).entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 3));
    }

    @Test
    void aSegmentGoesOnlyWhenNoGroupNeedsIt() {
        SharedWal wal = open(256);
        GroupLog busy = wal.group(1, CONFIGURATION);
        GroupLog idle = wal.group(2, CONFIGURATION);
        idle.append(entries(1, 1, 1));
        appendAndCompactAcrossSegments(wal, busy);
        assertThat(wal.segmentCount()).as("the idle group's entry 1 holds the first segment")
                .isGreaterThan(5);

        idle.installSnapshot(new SnapshotMetadata(1, 1, CONFIGURATION));
        wal.sync();
        assertThat(wal.segmentCount()).isEqualTo(1);

        disk.crash(null);
        SharedWal reopened = open(256);
        assertThat(reopened.group(1, CONFIGURATION).snapshot()).isEqualTo(new SnapshotMetadata(40, 1, CONFIGURATION));
        assertThat(reopened.group(1, CONFIGURATION).lastIndex()).isEqualTo(40);
        assertThat(reopened.group(2, CONFIGURATION).firstIndex()).isEqualTo(2);
    }

    @Test
    void aRemovedGroupStopsHoldingSegmentsAndRecoveryForgetsIt() {
        SharedWal wal = open(256);
        GroupLog busy = wal.group(1, CONFIGURATION);
        GroupLog removed = wal.group(2, CONFIGURATION);
        removed.append(entries(1, 1, 2));
        removed.writeHardState(new HardState(1, NodeId.of("n2"), 1));
        appendAndCompactAcrossSegments(wal, busy);
        assertThat(wal.segmentCount()).as("group 2's entry 1 holds the first segment").isGreaterThan(5);

        wal.removeGroup(2);
        wal.sync();
        assertThat(wal.segmentCount()).isEqualTo(1);
        assertThat(wal.groups()).containsExactly(1L);
        assertThatThrownBy(() -> removed.append(entries(1, 3, 3))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("group 2 was removed");

        disk.crash(null);
        SharedWal reopened = open(256);
        assertThat(reopened.groups()).containsExactly(1L);
        assertThat(reopened.group(1, CONFIGURATION).lastIndex()).isEqualTo(40);
    }

    /** Appends entries 1..40 to {@code busy} with a sync each (many segments), then compacts them all. */
    private static void appendAndCompactAcrossSegments(SharedWal wal, GroupLog busy) {
        for (long index = 1; index <= 40; index++) {
            busy.append(entries(1, index, index));
            wal.sync();
        }
        assertThat(wal.segmentCount()).isGreaterThan(5);
        busy.installSnapshot(new SnapshotMetadata(40, 1, CONFIGURATION));
        wal.sync();
    }

    @Test
    void aRemovalThatIsNotDurableIsUndoneByACrash() {
        SharedWal wal = open(1 << 20);
        wal.group(3, CONFIGURATION).append(entries(1, 1, 4));
        wal.sync();
        wal.removeGroup(3);

        disk.crash(null);
        SharedWal reopened = open(1 << 20);
        assertThat(reopened.groups()).containsExactly(3L);
        assertThat(reopened.group(3, CONFIGURATION).entries(1, 5, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 4));
    }

    @Test
    void anIdWrittenAfterItsRemovalRecoversOnlyTheNewRecords() {
        SharedWal wal = open(1 << 20);
        wal.group(4, CONFIGURATION).append(entries(1, 1, 6));
        wal.group(4, CONFIGURATION).installSnapshot(new SnapshotMetadata(3, 1, CONFIGURATION));
        wal.removeGroup(4);
        assertThat(wal.removeGroup(4)).as("removing an unknown group writes nothing").isEqualTo(wal.writtenTicket());
        wal.group(4, CONFIGURATION).append(entries(2, 1, 2));
        wal.sync();

        disk.crash(null);
        GroupLog again = open(1 << 20).group(4, CONFIGURATION);
        assertThat(again.firstIndex()).isEqualTo(1);
        assertThat(again.entries(1, 3, Long.MAX_VALUE)).isEqualTo(entries(2, 1, 2));
        assertThat(again.lastIndex()).isEqualTo(2);
    }

    @Test
    void aSnapshotThatDoesNotMatchTheLogReplacesIt() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(7, CONFIGURATION);
        log.append(entries(1, 1, 10));
        log.write(new Persist(1, null, entries(3, 6, 6), new SnapshotMetadata(5, 2, CONFIGURATION)));
        wal.sync();

        disk.crash(null);
        GroupLog recovered = open(1 << 20).group(7, CONFIGURATION);
        assertThat(recovered.firstIndex()).isEqualTo(6);
        assertThat(recovered.lastIndex()).isEqualTo(6);
        assertThat(recovered.term(5)).isEqualTo(2);
        assertThat(recovered.term(6)).isEqualTo(3);
    }

    @Test
    void aMatchingSnapshotKeepsTheEntriesAfterIt() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(3, CONFIGURATION);
        log.append(entries(1, 1, 10));
        log.installSnapshot(new SnapshotMetadata(4, 1, CONFIGURATION));
        assertThat(log.firstIndex()).isEqualTo(5);
        assertThat(log.entries(5, 11, Long.MAX_VALUE)).isEqualTo(entries(1, 5, 10));
    }

    @Test
    void aGapOrARewrittenSnapshotIsRefusedAndLosesNothing() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.append(entries(1, 1, 3));
        long ticket = wal.writtenTicket();
        assertThatThrownBy(() -> log.append(entries(1, 5, 6))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gap");
        log.installSnapshot(new SnapshotMetadata(2, 1, CONFIGURATION));
        assertThatThrownBy(() -> log.append(entries(1, 2, 2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.truncateSuffix(1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(wal.writtenTicket()).isEqualTo(ticket + 1);
        assertThat(log.entries(3, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 3, 3));
    }

    @Test
    void entriesWithATermLowerThanTheEntryBeforeThemAreRefusedAndLoseNothing() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.append(entries(2, 1, 3));
        long ticket = wal.writtenTicket();
        assertThatThrownBy(() -> log.append(entries(1, 4, 4))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("entry 4 has term 1, lower than the term 2");
        List<LogEntry> descending = List.of(LogEntry.command(3, 4, new byte[] {1}), LogEntry.command(2, 5,
                new byte[] {2}));
        assertThatThrownBy(() -> log.append(descending)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("entry 5 has term 2");
        // A conflicting suffix replaced by a lower term than the entry it follows is refused too (§5.3).
        assertThatThrownBy(() -> log.append(entries(1, 3, 3))).isInstanceOf(IllegalArgumentException.class);
        assertThat(wal.writtenTicket()).isEqualTo(ticket);
        assertThat(log.entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(2, 1, 3));
    }

    @Test
    void entriesWithATermLowerThanTheSnapshotBaseAreRefused() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.append(entries(1, 1, 3));
        long ticket = wal.writtenTicket();
        SnapshotMetadata leaders = new SnapshotMetadata(5, 3, CONFIGURATION);
        assertThatThrownBy(() -> log.write(new Persist(3, null, entries(2, 6, 6), leaders)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lower than the term 3");
        log.installSnapshot(leaders);
        assertThatThrownBy(() -> log.append(entries(2, 6, 6))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lower than the term 3");
        assertThat(wal.writtenTicket()).isEqualTo(ticket + 1);
        assertThat(log.lastIndex()).isEqualTo(5);
        log.append(entries(3, 6, 6));
        assertThat(log.term(6)).isEqualTo(3);
    }

    @Test
    void aHardStateWithALowerTermOrACommitBeyondTheLogIsRefused() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.write(new Persist(2, new HardState(4, NodeId.of("n1"), 0), entries(2, 1, 3)));
        long ticket = wal.writtenTicket();
        assertThatThrownBy(() -> log.writeHardState(new HardState(3, null, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("term never decreases");
        assertThatThrownBy(() -> log.writeHardState(new HardState(4, NodeId.of("n1"), 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond the last entry 3");
        assertThatThrownBy(() -> log.write(new Persist(4, new HardState(4, NodeId.of("n1"), 6), entries(4, 4, 5))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond the last entry 5");
        assertThat(wal.writtenTicket()).isEqualTo(ticket);
        assertThat(log.hardState()).isEqualTo(new HardState(4, NodeId.of("n1"), 0));
        log.write(new Persist(4, new HardState(4, NodeId.of("n1"), 5), entries(4, 4, 5)));
        assertThat(log.hardState().commitIndex()).isEqualTo(5);
    }

    @Test
    void aCommittedEntryIsNeverTruncated() {
        SharedWal wal = open(1 << 20);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.write(new Persist(2, new HardState(2, null, 2), entries(2, 1, 3)));
        long ticket = wal.writtenTicket();
        assertThatThrownBy(() -> log.truncateSuffix(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("committed");
        assertThatThrownBy(() -> log.append(entries(3, 2, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("committed");
        assertThat(wal.writtenTicket()).isEqualTo(ticket);
        log.append(entries(3, 3, 3));
        assertThat(log.term(3)).isEqualTo(3);
    }

    /** Records written past GroupLog's checks, as damage that checksums do not catch would leave them. */
    @Test
    void recoveryRefusesAnEntryWithALowerTermThanTheOneBeforeIt() {
        SharedWal wal = open(1 << 20);
        wal.group(1, CONFIGURATION).append(entries(1, 1, 2));
        wal.group(2, CONFIGURATION).append(entries(2, 1, 2));
        wal.write(List.of(GroupRecord.of(2, LogEntry.command(1, 3, new byte[] {3}))));
        wal.sync();

        assertThatThrownBy(this::reopenAfterCrash).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(DIRECTORY.resolve(WalSegment.fileName(1)).toString())
                .hasMessageContaining("group 2 entry 3 has term 1, lower than the term 2");
    }

    @Test
    void recoveryRefusesEntriesWithALowerTermThanTheSnapshotBaseBeforeThem() {
        SharedWal wal = open(1 << 20);
        wal.write(List.of(GroupRecord.of(4, LogEntry.command(2, 6, new byte[] {6})),
                GroupRecord.of(4, LogEntry.command(2, 7, new byte[] {7})),
                GroupRecord.snapshot(GroupRecordType.SNAPSHOT_BASE, 4, new SnapshotMetadata(5, 3, CONFIGURATION))));
        wal.sync();

        assertThatThrownBy(this::reopenAfterCrash).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(DIRECTORY.resolve(WalSegment.fileName(1)).toString())
                .hasMessageContaining("group 4 entry 6 has term 2, lower than the term 3 of entry 5")
                .hasMessageContaining("snapshot base");
    }

    @Test
    void recoveryRefusesALowerTermThatACopyBringsInFrontOfLaterEntries() {
        SharedWal wal = open(1 << 20);
        wal.write(List.of(GroupRecord.snapshot(GroupRecordType.SNAPSHOT_BASE, 4, new SnapshotMetadata(5, 1,
                CONFIGURATION)), GroupRecord.of(4, LogEntry.command(2, 7, new byte[] {7})),
                GroupRecord.copy(4, LogEntry.command(3, 6, new byte[] {6}))));
        wal.sync();

        assertThatThrownBy(this::reopenAfterCrash).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining("group 4 entry 7 has term 2, lower than the term 3 of entry 6");
    }

    @Test
    void recoveryRefusesACommitIndexBeyondTheLog() {
        SharedWal wal = open(1 << 20);
        wal.group(1, CONFIGURATION).append(entries(1, 1, 3));
        wal.write(List.of(GroupRecord.of(1, new HardState(1, null, 5))));
        wal.sync();

        assertThatThrownBy(this::reopenAfterCrash).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining("group 1 hard state's commit index 5 is beyond its last entry 3");
    }

    @Test
    void writesMadeWhileASplitSyncForcesAreLeftForTheNextSync() {
        SharedWal wal = open(1 << 20);
        GroupLog one = wal.group(1, CONFIGURATION);
        GroupLog two = wal.group(2, CONFIGURATION);
        long covered = one.append(entries(1, 1, 2));
        SharedWal.SyncPoint point = wal.beginSync();
        point.force();
        long later = two.append(entries(1, 1, 1)); // written once the force is done, before the sync finishes

        assertThat(wal.finishSync(point)).isEqualTo(covered);
        assertThat(wal.durableTicket()).as("the later write is left for the next sync").isLessThan(later);
        disk.crash(null);
        SharedWal reopened = open(1 << 20);
        assertThat(reopened.group(1, CONFIGURATION).lastIndex()).isEqualTo(2);
        assertThat(reopened.group(2, CONFIGURATION).lastIndex()).as("not covered: lost by the crash").isZero();
    }

    @Test
    void aSegmentStartedWhileASplitSyncForcesKeepsTheOlderOnesUntilItsCheckpointIsDurable() {
        SharedWal wal = open(256);
        GroupLog log = wal.group(1, CONFIGURATION);
        log.append(entries(1, 1, 3));
        log.installSnapshot(new SnapshotMetadata(3, 1, CONFIGURATION)); // segment 1 now holds no live entry
        assertThat(wal.segmentCount()).isEqualTo(1);
        SharedWal.SyncPoint point = wal.beginSync();
        while (wal.segmentCount() < 2) {
            log.writeHardState(new HardState(1, null, 3)); // rolls over during the force
        }
        point.force();
        wal.finishSync(point);

        assertThat(disk.exists(DIRECTORY.resolve(WalSegment.fileName(1))))
                .as("segment 2's checkpoint is not durable yet").isTrue();
        disk.crash(null);
        SharedWal reopened = open(256);
        assertThat(reopened.group(1, CONFIGURATION).snapshot().lastIncludedIndex()).isEqualTo(3);
        reopened.sync();
        assertThat(disk.exists(DIRECTORY.resolve(WalSegment.fileName(1)))).as("deleted by a later sync").isFalse();
    }

    @Test
    void aFailedSplitForceFailsTheWal() {
        SharedWal wal = open(1 << 20);
        wal.group(1, CONFIGURATION).append(entries(1, 1, 1));
        SharedWal.SyncPoint point = wal.beginSync();
        disk.failNext(SimulatedDisk.Operation.FORCE);
        point.force();
        assertThatThrownBy(() -> wal.finishSync(point)).isInstanceOf(StorageFailedException.class);
        assertThatThrownBy(() -> wal.group(1, CONFIGURATION).append(entries(1, 2, 2)))
                .isInstanceOf(StorageFailedException.class);
    }

    @Test
    void aTornLastRecordIsDropped() throws Exception {
        SharedWal wal = open(1 << 20);
        wal.group(1, CONFIGURATION).append(entries(1, 1, 2));
        wal.sync();
        long lastRecord = wal.activeRecordsEnd();
        wal.group(1, CONFIGURATION).append(entries(1, 3, 3));
        Path segment = DIRECTORY.resolve(WalSegment.fileName(1));
        wal.sync();
        disk.flipBit(segment, lastRecord + 40, 3);

        SharedWal reopened = reopenAfterCrash();
        assertThat(reopened.group(1, CONFIGURATION).lastIndex()).isEqualTo(2);
        assertThat(reopened.recovery().droppedTailBytes()).isPositive();
    }

    @Test
    void damageBeforeTheLastRecordIsAClearError() throws Exception {
        SharedWal wal = open(1 << 20);
        long firstEntry = wal.activeRecordsEnd();
        wal.group(1, CONFIGURATION).append(entries(1, 1, 1));
        Path segment = DIRECTORY.resolve(WalSegment.fileName(1));
        wal.group(1, CONFIGURATION).append(entries(1, 2, 3));
        wal.sync();
        disk.flipBit(segment, firstEntry + GroupRecordCodec.HEADER_BYTES + 2, 0);

        assertThatThrownBy(this::reopenAfterCrash).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(segment.toString()).hasMessageContaining("checksum mismatch")
                .hasMessageContaining("not a torn write");
    }

    @Test
    void damageInAnOlderSegmentIsAClearError() throws Exception {
        SharedWal wal = open(128);
        GroupLog log = wal.group(1, CONFIGURATION);
        for (long index = 1; index <= 10; index++) {
            log.append(entries(1, index, index));
        }
        wal.sync();
        assertThat(wal.segmentCount()).isGreaterThan(2);
        disk.flipBit(DIRECTORY.resolve(WalSegment.fileName(1)), 3, 1);

        assertThatThrownBy(this::reopenAfterCrash).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining("forced in full");
    }

    @Test
    void afterAnIoErrorNothingMoreIsAccepted() {
        SharedWal wal = open(1 << 20);
        wal.group(1, CONFIGURATION).append(entries(1, 1, 1));
        disk.failNext(SimulatedDisk.Operation.FORCE);
        assertThatThrownBy(wal::sync).isInstanceOf(StorageFailedException.class);
        assertThatThrownBy(() -> wal.group(2, CONFIGURATION).append(entries(1, 1, 1)))
                .isInstanceOf(StorageFailedException.class);
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() {
        open(1 << 20);
        assertThatThrownBy(() -> open(1 << 20)).isInstanceOf(StorageFailedException.class);
    }

    @Test
    void segmentsHoldZerosAheadOfTheirRecordsAndReopenOverThemCleanly() throws IOException {
        SharedWalOptions options = new SharedWalOptions(2048, 512, 0);
        List<LogEntry> written = new ArrayList<>();
        for (int run = 0; run < 4; run++) {
            SharedWal wal = SharedWal.open(disk, DIRECTORY, options);
            assertThat(wal.recovery()).as("run %d", run).isEqualTo(new SharedWal.Recovery(0, List.of()));
            GroupLog log = wal.group(1, CONFIGURATION);
            assertThat(log.entries(1, log.lastIndex() + 1, Long.MAX_VALUE)).isEqualTo(written);
            for (int round = 0; round < 20; round++) {
                List<LogEntry> batch = entries(1, log.lastIndex() + 1, log.lastIndex() + 2);
                log.append(batch);
                written.addAll(batch);
            }
            wal.sync();
            Path active = DIRECTORY.resolve(WalSegment.fileName(wal.segmentCount()));
            assertThat(disk.durableSize(active)).as("the active segment's file reaches past its records")
                    .isGreaterThan(wal.activeRecordsEnd());
            disk.crash(null);
        }
        assertThat(disk.list(DIRECTORY)).as("one segment per run; the older ones, ending in zeros, replayed").hasSize(4);
    }

    @Test
    void roundsOfManyBytesAreNotPreallocated() {
        SharedWal wal = SharedWal.open(disk, DIRECTORY, new SharedWalOptions(1 << 20, 4096, 0));
        GroupLog log = wal.group(1, CONFIGURATION);
        for (int round = 0; round < 20; round++) {
            log.append(entries(1, log.lastIndex() + 1, log.lastIndex() + 10)); // about 450 bytes, over 4096 / 16
            wal.sync();
        }
        assertThat(disk.durableSize(DIRECTORY.resolve(WalSegment.fileName(1)))).isEqualTo(wal.activeRecordsEnd());
    }

    @Test
    void withoutPreallocationAFileEndsWithItsRecords() {
        SharedWal wal = SharedWal.open(disk, DIRECTORY, new SharedWalOptions(1 << 20, 0, 0));
        wal.group(1, CONFIGURATION).append(entries(1, 1, 5));
        wal.sync();
        assertThat(disk.durableSize(DIRECTORY.resolve(WalSegment.fileName(1)))).isEqualTo(wal.activeRecordsEnd());
    }

    @Test
    void aByteAfterTheZerosOfTheNewestSegmentIsATornTail() throws Exception {
        SharedWal wal = SharedWal.open(disk, DIRECTORY, new SharedWalOptions(1 << 20, 4096, 0));
        wal.group(1, CONFIGURATION).append(entries(1, 1, 3));
        wal.sync();
        long recordsEnd = wal.activeRecordsEnd();
        Path segment = DIRECTORY.resolve(WalSegment.fileName(1));
        long fileBytes = disk.durableSize(segment);
        writeByte(segment, recordsEnd + 100, 0x5a);

        SharedWal reopened = reopenAfterCrash();
        assertThat(reopened.group(1, CONFIGURATION).entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 3));
        assertThat(reopened.recovery().droppedTailBytes()).isEqualTo(fileBytes - recordsEnd);
    }

    @Test
    void aByteAfterTheZerosOfAnOlderSegmentIsCorruption() throws Exception {
        SharedWal wal = SharedWal.open(disk, DIRECTORY, new SharedWalOptions(1024, 4096, 0));
        GroupLog log = wal.group(1, CONFIGURATION);
        while (wal.segmentCount() < 2) {
            log.append(entries(1, log.lastIndex() + 1, log.lastIndex() + 1));
        }
        wal.sync();
        Path first = DIRECTORY.resolve(WalSegment.fileName(1));
        writeByte(first, disk.durableSize(first) - 1, 1);

        assertThatThrownBy(this::reopenAfterCrash).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(first.toString()).hasMessageContaining("forced in full");
    }

    @Test
    void onARealDiskTheFileIsPreallocatedAndReopensCleanly(@TempDir Path directory) throws Exception {
        Path walDirectory = directory.resolve("wal");
        try (SharedWal wal = SharedWal.open(RealDisk.INSTANCE, walDirectory, SharedWalOptions.DEFAULTS)) {
            wal.group(1, CONFIGURATION).append(entries(1, 1, 10));
            wal.sync();
            int chunk = SharedWalOptions.DEFAULTS.preallocateBytes();
            assertThat(Files.size(walDirectory.resolve(WalSegment.fileName(1))))
                    .isBetween(wal.activeRecordsEnd() + chunk / 2, wal.activeRecordsEnd() + chunk);
        }
        try (SharedWal reopened = SharedWal.open(RealDisk.INSTANCE, walDirectory, SharedWalOptions.DEFAULTS)) {
            assertThat(reopened.recovery()).isEqualTo(new SharedWal.Recovery(0, List.of()));
            assertThat(reopened.group(1, CONFIGURATION).entries(1, 11, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 10));
        }
    }

    private void writeByte(Path file, long offset, int value) throws IOException {
        try (DiskFile handle = disk.open(file)) {
            handle.write(ByteBuffer.wrap(new byte[] {(byte) value}), offset);
            handle.force();
        }
    }

    private SharedWal reopenAfterCrash() {
        disk.crash(null);
        return open(1 << 20);
    }
}
