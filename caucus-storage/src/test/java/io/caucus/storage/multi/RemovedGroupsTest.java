package io.caucus.storage.multi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.DiskFile;
import io.caucus.storage.SimulatedDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A removed group's id is never opened again on its host, across restarts, crashes and the deletion of the WAL
 * segments that held its records: a replica recreated empty would have forgotten the votes it gave.
 */
class RemovedGroupsTest {

    private static final Path DATA = Path.of("/data/host");
    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1", "n2", "n3");

    private final SimulatedDisk disk = new SimulatedDisk();

    @org.junit.jupiter.api.BeforeEach
    void createDirectory() {
        disk.createDirectories(DATA);
    }

    private HostStorage openHost() {
        return HostStorage.open(disk, DATA, SharedWalOptions.DEFAULTS.withSegmentBytes(64 * 1024), 2);
    }

    @Test
    void removedIdsSurviveAReopen() {
        RemovedGroups removed = RemovedGroups.open(disk, DATA);
        removed.add(7);
        removed.add(3);
        removed.add(7);
        removed.close();

        RemovedGroups again = RemovedGroups.open(disk, DATA);
        assertThat(again.ids()).containsExactly(3L, 7L);
        assertThat(again.contains(7)).isTrue();
        assertThat(again.contains(8)).isFalse();
    }

    @Test
    void eachAddIsDurableWhenItReturns() {
        RemovedGroups removed = RemovedGroups.open(disk, DATA);
        removed.add(5);
        disk.crash(null); // keeps only what was forced

        assertThat(RemovedGroups.open(disk, DATA).ids()).containsExactly(5L);
    }

    @Test
    void aTornLastRecordIsCutOffAndTheNextAddGoesWhereItWas() throws IOException {
        RemovedGroups removed = RemovedGroups.open(disk, DATA);
        removed.add(1);
        removed.close();
        try (DiskFile file = disk.open(DATA.resolve(RemovedGroups.FILE_NAME))) {
            file.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 0}), 12); // five bytes of a second record
            file.force();
        }

        RemovedGroups again = RemovedGroups.open(disk, DATA);
        assertThat(again.ids()).containsExactly(1L);
        again.add(2);
        again.close();
        assertThat(RemovedGroups.open(disk, DATA).ids()).containsExactly(1L, 2L);
    }

    @Test
    void aDamagedLastRecordIsCutOffButADamagedEarlierOneIsCorruption() throws IOException {
        RemovedGroups removed = RemovedGroups.open(disk, DATA);
        removed.add(1);
        removed.add(2);
        removed.close();
        disk.flipBit(DATA.resolve(RemovedGroups.FILE_NAME), 12 + 3, 0);
        assertThat(RemovedGroups.open(disk, DATA).ids()).as("the last record, torn").containsExactly(1L);

        RemovedGroups two = RemovedGroups.open(disk, DATA);
        two.add(2);
        two.add(3);
        two.close();
        disk.flipBit(DATA.resolve(RemovedGroups.FILE_NAME), 12 + 3, 0);
        assertThatThrownBy(() -> RemovedGroups.open(disk, DATA)).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(RemovedGroups.FILE_NAME).hasMessageContaining("records follow it");
    }

    @Test
    void aRemovedGroupIsNeverOpenedAgainEvenOnceItsSegmentsAreGone() throws IOException {
        HostStorage host = openHost();
        write(host, 4, 1, 5);
        host.wal().sync();
        long ticket = host.removeGroup(4);
        assertThat(host.wal().sync()).isGreaterThanOrEqualTo(ticket);
        host.deleteSnapshots(4);
        List<String> segmentsAtRemoval = disk.list(DATA.resolve("wal"));
        GroupLog other = host.group(5, CONFIGURATION).log();
        for (int round = 0; round < 20; round++) { // another group's writes and compactions retire old segments
            long last = 500 + round * 500L;
            write(other, 1 + round * 500L, last);
            other.installSnapshot(new SnapshotMetadata(last, 1, CONFIGURATION));
            host.wal().sync();
        }
        assertThat(disk.list(DATA.resolve("wal"))).doesNotContainAnyElementsOf(segmentsAtRemoval);
        host.close();

        HostStorage again = openHost();
        assertThat(again.groups()).containsExactly(5L);
        assertThat(again.wasRemoved(4)).isTrue();
        assertThatThrownBy(() -> again.group(4, CONFIGURATION)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group 4 was removed from this host");
        again.close();
    }

    @Test
    void aRemovalCutShortByACrashIsFinishedOnTheNextOpen() {
        HostStorage host = openHost();
        write(host, 4, 1, 5);
        write(host, 6, 1, 3);
        host.wal().sync();
        host.removeGroup(4); // the removal is recorded; GROUP_REMOVED is written but never synced
        disk.crash(null);

        HostStorage again = openHost();
        assertThat(again.groups()).as("the WAL's records of group 4 no longer count").containsExactly(6L);
        assertThatThrownBy(() -> again.group(4, CONFIGURATION)).isInstanceOf(IllegalArgumentException.class);
        again.close();
        disk.crash(null);
        assertThat(openHost().groups()).as("and that is durable").containsExactly(6L);
    }

    private static void write(HostStorage host, long group, long from, long to) {
        write(host.group(group, CONFIGURATION).log(), from, to);
    }

    private static void write(GroupLog log, long from, long to) {
        long term = 1;
        List<io.caucus.core.LogEntry> entries = SharedWalTest.entries(term, from, to);
        log.write(new Persist(to, new HardState(term, NodeId.of("n1"), 0), entries));
    }
}
