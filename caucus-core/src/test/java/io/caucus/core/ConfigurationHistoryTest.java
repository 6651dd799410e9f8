package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The configuration in force at each index (Raft paper §6: the latest in the log, committed or not) through
 * loading, truncation, compaction and installed snapshots (§7), and the byte form configuration entries carry.
 */
class ConfigurationHistoryTest {

    private static final ClusterConfiguration BOOT = ClusterConfiguration.ofVoters("n1", "n2", "n3");
    private static final ClusterConfiguration FOUR = ClusterConfiguration.ofVoters("n1", "n2", "n3", "n4");
    private static final ClusterConfiguration FIVE = ClusterConfiguration.ofVoters("n1", "n2", "n3", "n4", "n5");

    /** A log of command entries with configuration entries at the given indexes. */
    private static InMemoryLog log(int length, long firstConfigIndex, ClusterConfiguration first,
                                   long secondConfigIndex, ClusterConfiguration second) {
        InMemoryLog log = new InMemoryLog(BOOT);
        List<LogEntry> entries = new ArrayList<>();
        for (long index = 1; index <= length; index++) {
            entries.add(index == firstConfigIndex ? ConfigurationChanges.entry(1, index, first)
                    : index == secondConfigIndex ? ConfigurationChanges.entry(1, index, second)
                    : LogEntry.command(1, index, new byte[] {1}));
        }
        log.append(entries);
        return log;
    }

    @Test
    void loadingReadsEveryConfigurationEntryAfterTheSnapshot() {
        ClusterConfiguration bootstrap = ClusterConfiguration.ofVoters("n1");
        ConfigurationHistory history = ConfigurationHistory.load(bootstrap, log(5, 1, FOUR, 5, FIVE));
        assertThat(history.current()).isEqualTo(FIVE);
        assertThat(history.currentIndex()).isEqualTo(5);
        assertThat(history.at(0)).isEqualTo(bootstrap);
        assertThat(history.at(1)).isEqualTo(FOUR);
        assertThat(history.at(4)).isEqualTo(FOUR);

        InMemoryLog compacted = log(5, 1, FOUR, 5, FIVE);
        compacted.installSnapshot(new SnapshotMetadata(1, 1, FOUR));
        ConfigurationHistory fromSnapshot = ConfigurationHistory.load(bootstrap, compacted);
        assertThat(fromSnapshot.at(1)).isEqualTo(FOUR);
        assertThat(fromSnapshot.at(4)).isEqualTo(FOUR);
        assertThat(fromSnapshot.at(5)).isEqualTo(FIVE);
        assertThatThrownBy(() -> fromSnapshot.at(0)).isInstanceOf(IllegalArgumentException.class);

        InMemoryLog whole = log(3, 2, FOUR, 0, null);
        whole.installSnapshot(new SnapshotMetadata(3, 1, FOUR));
        ConfigurationHistory fromWholeSnapshot = ConfigurationHistory.load(bootstrap, whole);
        assertThat(fromWholeSnapshot.current()).isEqualTo(FOUR);
        assertThat(fromWholeSnapshot.currentIndex()).isEqualTo(3);
    }

    @Test
    void truncationRevertsButNeverReachesTheBase() {
        ConfigurationHistory history = ConfigurationHistory.load(BOOT, log(5, 2, FOUR, 4, FIVE));
        history.truncatedFrom(4);
        assertThat(history.current()).isEqualTo(FOUR);
        history.truncatedFrom(2);
        assertThat(history.current()).isEqualTo(BOOT);
        assertThat(history.currentIndex()).isZero();
        assertThatThrownBy(() -> history.truncatedFrom(0)).isInstanceOf(InvariantViolation.class);
        history.truncatedFrom(1);
    }

    @Test
    void compactionMakesTheConfigurationAtItsIndexTheBase() {
        ConfigurationHistory history = ConfigurationHistory.load(BOOT, log(5, 2, FOUR, 4, FIVE));
        history.compactedTo(3);
        assertThat(history.at(3)).isEqualTo(FOUR);
        assertThat(history.at(4)).isEqualTo(FIVE);
        assertThatThrownBy(() -> history.at(2)).isInstanceOf(IllegalArgumentException.class);
        history.compactedTo(3);
        history.compactedTo(2);
        history.truncatedFrom(4);
        assertThat(history.current()).isEqualTo(FOUR);
        assertThat(history.currentIndex()).as("the base holds the configuration of index 2 now").isEqualTo(3);
    }

    @Test
    void anInstalledSnapshotForgetsTheEntriesItCovers() {
        ConfigurationHistory history = ConfigurationHistory.load(BOOT, log(5, 2, FOUR, 4, FIVE));
        history.snapshotInstalled(new SnapshotMetadata(2, 1, FOUR));
        assertThat(history.at(2)).isEqualTo(FOUR);
        assertThat(history.current()).isEqualTo(FIVE);
        history.snapshotInstalled(new SnapshotMetadata(4, 1, BOOT));
        assertThat(history.current()).as("the snapshot's configuration, not the covered entry's").isEqualTo(BOOT);
        assertThat(history.currentIndex()).isEqualTo(4);
    }

    @Test
    void aConfigurationOfManyLongIdsSurvivesItsByteForm() {
        Set<NodeId> voters = new TreeSet<>();
        Set<NodeId> learners = new TreeSet<>();
        for (int i = 0; i < 300; i++) {
            learners.add(NodeId.of("learner-" + i));
        }
        voters.add(NodeId.of("v".repeat(NodeId.MAX_LENGTH)));
        voters.add(NodeId.of("n1"));
        ClusterConfiguration configuration = new ClusterConfiguration(voters, Set.of(NodeId.of("old")), learners);
        byte[] bytes = ConfigurationCodec.encode(configuration);
        assertThat(ConfigurationCodec.decode(bytes)).isEqualTo(configuration);
        for (int cut = 0; cut < bytes.length; cut += 7) {
            byte[] truncated = java.util.Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> ConfigurationCodec.decode(truncated)).as("cut at %d", cut)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> ConfigurationCodec.decode(longer)).hasMessageContaining("1 trailing bytes");
    }

    @Test
    void configurationsPrintTheirSets() {
        assertThat(BOOT.toString()).isEqualTo("voters=[n1, n2, n3]");
        ClusterConfiguration joint = new ClusterConfiguration(Set.of(NodeId.of("n1")), Set.of(NodeId.of("n2")),
                Set.of(NodeId.of("n3")));
        assertThat(joint.toString()).isEqualTo("voters=[n1] outgoing=[n2] learners=[n3]");
    }
}
