package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backup files: written whole or not at all, and refused when cut short, damaged or not a backup. */
class BackupFileTest {

    private static final byte[] DATA = "the state machine's snapshot bytes\n\u0000\u0001".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path directory;

    private Path written() throws Exception {
        Path file = directory.resolve("cluster.backup");
        BackupFile.Header header = BackupFile.write(file, "n1", 17, 3, new ByteArrayInputStream(DATA));
        assertThat(header.bytes()).isEqualTo(DATA.length);
        return file;
    }

    @Test
    void readsBackWhatWasWritten() throws Exception {
        Path file = written();

        BackupFile.Opened opened = BackupFile.openVerified(file);
        assertThat(opened.header().node()).isEqualTo("n1");
        assertThat(opened.header().index()).isEqualTo(17);
        assertThat(opened.header().term()).isEqualTo(3);
        try (InputStream data = BackupFile.openData(opened)) {
            assertThat(data.readAllBytes()).isEqualTo(DATA);
        }
        try (var left = Files.list(directory)) {
            assertThat(left).containsExactly(file); // no part files left behind
        }
    }

    @Test
    void refusesABackupWithAByteChanged() throws Exception {
        Path file = written();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 1;
        Files.write(file, bytes);

        assertThatThrownBy(() -> BackupFile.openVerified(file)).isInstanceOf(BackupFile.DamagedBackupException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("SHA-256");
    }

    @Test
    void refusesABackupCutShort() throws Exception {
        Path file = written();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 5));

        assertThatThrownBy(() -> BackupFile.openVerified(file)).isInstanceOf(BackupFile.DamagedBackupException.class)
                .hasMessageContaining("cut short");
    }

    @Test
    void refusesAFileThatIsNotABackup() throws Exception {
        Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, "nodes:\n  - id: n1\n");

        assertThatThrownBy(() -> BackupFile.openVerified(file)).isInstanceOf(BackupFile.DamagedBackupException.class)
                .hasMessageContaining("does not start with 'CAUCUS-BACKUP 1'");
    }
}
