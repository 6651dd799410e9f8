package io.caucus.storage.multi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.DiskFile;
import io.caucus.storage.SimulatedDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A group starts from the configuration recorded at its first start on the host, whatever the caller proposes
 * later: until its first membership change that configuration is the one in force (Raft §6), so a replica must not
 * change it by itself.
 */
class GroupBootstrapTest {

    private static final Path DATA = Path.of("/data/host");
    private static final ClusterConfiguration FIRST = ClusterConfiguration.ofVoters("n1", "n2", "n3");
    private static final ClusterConfiguration OTHER = ClusterConfiguration.ofVoters("n1", "n2");

    private final SimulatedDisk disk = new SimulatedDisk();

    private HostStorage open() {
        return HostStorage.open(disk, DATA, SharedWalOptions.DEFAULTS, 2);
    }

    @Test
    void theFirstConfigurationIsKeptAcrossRestartsAndCrashes() {
        HostStorage host = open();
        assertThat(host.group(3, FIRST).bootstrap()).isEqualTo(FIRST);
        disk.crash(null); // nothing of group 3 was synced in the WAL; its bootstrap record is durable

        HostStorage again = open();
        HostStorage.Group group = again.group(3, OTHER);
        assertThat(group.bootstrap()).isEqualTo(FIRST);
        assertThat(group.log().snapshot().configuration()).isEqualTo(FIRST);
        again.close();
    }

    @Test
    void aDamagedRecordIsCorruptionNamingTheFile() throws IOException {
        HostStorage host = open();
        host.group(3, FIRST);
        host.close();
        Path file = host.snapshotDirectory(3).resolve(GroupBootstrap.FILE_NAME);
        disk.flipBit(file, 9, 2);

        assertThatThrownBy(() -> open().group(3, FIRST)).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("checksum");
    }

    @Test
    void aCutShortRecordIsCorruption() throws IOException {
        HostStorage host = open();
        host.group(3, FIRST);
        host.close();
        Path file = host.snapshotDirectory(3).resolve(GroupBootstrap.FILE_NAME);
        try (DiskFile out = disk.open(file)) {
            out.truncate(out.size() - 1);
            out.force();
        }

        assertThatThrownBy(() -> open().group(3, FIRST)).isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining("bytes follow");
    }

    @Test
    void aTemporaryFileLeftByACrashIsNotARecord() throws IOException {
        disk.createDirectories(DATA.resolve("snapshots").resolve("3"));
        try (DiskFile out = disk.create(DATA.resolve("snapshots").resolve("3").resolve("bootstrap-configuration.tmp"))) {
            out.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
            out.force();
        }

        assertThat(open().group(3, OTHER).bootstrap()).isEqualTo(OTHER);
    }
}
