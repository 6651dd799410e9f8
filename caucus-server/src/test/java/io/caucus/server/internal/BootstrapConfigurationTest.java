package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapConfigurationTest {

    @TempDir
    Path data;

    @Test
    void theFirstConfigurationIsRecordedAndLaterStartsKeepIt() {
        ClusterConfiguration founders = ClusterConfiguration.ofVoters("n1", "n2", "n3");
        assertThat(BootstrapConfiguration.loadOrRecord(data, founders)).isEqualTo(founders);
        // The operator listed n4 before adding it; a restart must not make n4 a voter.
        ClusterConfiguration fromLongerList = ClusterConfiguration.ofVoters("n1", "n2", "n3", "n4");
        assertThat(BootstrapConfiguration.loadOrRecord(data, fromLongerList)).isEqualTo(founders);
        assertThat(data.resolve("bootstrap-configuration")).content().contains("voters=n1,n2,n3");
    }

    @Test
    void aDamagedRecordIsRefusedNamingTheFile() throws Exception {
        Path file = data.resolve("bootstrap-configuration");
        Files.writeString(file, "voters=\nlearners=\n");
        assertThatThrownBy(() -> BootstrapConfiguration.loadOrRecord(data, ClusterConfiguration.ofVoters("n1")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("damaged");
        Files.writeString(file, "voters=n1\nlearners=n1\n");
        assertThatThrownBy(() -> BootstrapConfiguration.loadOrRecord(data, ClusterConfiguration.ofVoters("n1")))
                .hasMessageContaining("both a voter and a learner");
        Files.writeString(file, "voters=n1\ngarbage\n");
        assertThatThrownBy(() -> BootstrapConfiguration.loadOrRecord(data, ClusterConfiguration.ofVoters("n1")))
                .hasMessageContaining("unexpected line 'garbage'");
    }
}
