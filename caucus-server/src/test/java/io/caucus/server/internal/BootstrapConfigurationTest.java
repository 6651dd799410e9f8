package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.MemberAddresses;
import io.caucus.core.NodeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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

    @Test
    void theFoundersAddressesAreRecordedAndReadBackAndARecordWithoutThemStillReads() throws Exception {
        ClusterConfiguration founders = ClusterConfiguration.ofVoters("n1", "n.2")
                .withAddresses(NodeId.of("n1"), new MemberAddresses(Map.of(MemberAddresses.RAFT, "[::1]:7001",
                        MemberAddresses.CLIENT, "h1:6379", MemberAddresses.ADMIN, "h1:8080")))
                .withAddresses(NodeId.of("n.2"), MemberAddresses.ofRaft("h2.example:7002"));
        assertThat(BootstrapConfiguration.loadOrRecord(data, founders)).isEqualTo(founders);
        assertThat(data.resolve("bootstrap-configuration")).content().contains("address.raft.n.2=h2.example:7002");
        ClusterConfiguration moved = founders.withAddresses(NodeId.of("n1"), MemberAddresses.ofRaft("h9:7001"));
        assertThat(BootstrapConfiguration.loadOrRecord(data, moved)).as("the record, not the list given now")
                .isEqualTo(founders);

        Files.writeString(data.resolve("bootstrap-configuration"), "voters=n1,n2\nlearners=\n");
        assertThat(BootstrapConfiguration.loadOrRecord(data, founders).addresses()).isEmpty();
        Files.writeString(data.resolve("bootstrap-configuration"), "voters=n1\nlearners=\naddress.raft=h:1\n");
        assertThatThrownBy(() -> BootstrapConfiguration.loadOrRecord(data, founders))
                .hasMessageContaining("damaged").hasMessageContaining("address.<kind>.<id>");
    }
}
