package io.caucus.storage.multi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.storage.DurableLog;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.StorageOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A data directory is of one kind: a one-group node's log or a multi-group host's shared log. Each refuses the
 * other's before touching anything (both keep a {@code wal} directory, and neither would see the other's segments,
 * so the node would otherwise start empty beside the data it was meant to recover).
 */
class DataLayoutTest {

    private static final ClusterConfiguration VOTERS = ClusterConfiguration.ofVoters("n1", "n2", "n3");
    private final SimulatedDisk disk = new SimulatedDisk();

    @Test
    void aOneGroupNodeRefusesAHostsDirectoryAndLeavesItAsItWas() throws IOException {
        Path data = Path.of("/data/host");
        HostStorage host = HostStorage.open(disk, data, SharedWalOptions.DEFAULTS, 2);
        host.group(3, VOTERS);
        host.close();
        List<String> before = disk.list(data.resolve("wal"));
        assertThat(HostStorage.holdsHostData(disk, data)).isTrue();
        assertThat(DurableLog.holdsOneGroupData(disk, data)).isFalse();

        assertThatThrownBy(() -> DurableLog.open(disk, data, StorageOptions.DEFAULTS, VOTERS))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("hosting many Raft groups");
        assertThat(disk.list(data.resolve("wal"))).isEqualTo(before);
        HostStorage.open(disk, data, SharedWalOptions.DEFAULTS, 2).close(); // still the host's
    }

    @Test
    void aHostRefusesAOneGroupNodesDirectory() throws IOException {
        Path data = Path.of("/data/node");
        DurableLog.open(disk, data, StorageOptions.DEFAULTS, VOTERS).log().close();
        assertThat(DurableLog.holdsOneGroupData(disk, data)).isTrue();
        assertThat(HostStorage.holdsHostData(disk, data)).isFalse();

        assertThatThrownBy(() -> HostStorage.open(disk, data, SharedWalOptions.DEFAULTS, 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("one-group node");
        assertThat(disk.exists(data.resolve("removed-groups"))).isFalse();
        DurableLog.open(disk, data, StorageOptions.DEFAULTS, VOTERS).log().close();
    }

    @Test
    void anEmptyOrNewDirectoryIsEitherKind() throws IOException {
        assertThat(HostStorage.holdsHostData(disk, Path.of("/none"))).isFalse();
        assertThat(DurableLog.holdsOneGroupData(disk, Path.of("/none"))).isFalse();
    }
}
