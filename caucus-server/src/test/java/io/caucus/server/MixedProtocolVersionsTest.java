package io.caucus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.transport.TransportOptions;
import io.caucus.transport.WireProtocol;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade caught half-way: n1 speaks only the oldest wire protocol version (as the build before the
 * newest one did), n2 every version this build speaks. The pair agrees on the older version, elects a leader
 * and replicates, whichever of them leads.
 */
class MixedProtocolVersionsTest {

    @TempDir
    Path dataRoot;

    private LocalCluster mixedPair() {
        return new LocalCluster(2, (id, peers, machine) -> CaucusNode.builder()
                .id(id.value())
                .peers(peers)
                .dataDirectory(dataRoot.resolve(id.value()))
                .stateMachine(machine)
                .tickInterval(Duration.ofMillis(20))
                .requestTimeout(Duration.ofSeconds(10))
                .transportOptions(id.value().equals("n1")
                        ? TransportOptions.defaults().withProtocolVersions(WireProtocol.MIN_PROTOCOL_VERSION,
                                WireProtocol.MIN_PROTOCOL_VERSION)
                        : TransportOptions.defaults())
                .start());
    }

    @Test
    void anOlderAndANewerNodeElectAndReplicateWhicheverLeads() throws Exception {
        assertThat(WireProtocol.PROTOCOL_VERSION).as("this build speaks more than one version")
                .isGreaterThan(WireProtocol.MIN_PROTOCOL_VERSION);
        try (LocalCluster cluster = mixedPair().startAll()) {
            List<String> written = new ArrayList<>();
            cluster.submitAtLeader("first");
            written.add("first");
            CaucusNode leader = cluster.awaitLeader();
            NodeId other = leader.id().equals(NodeId.of("n1")) ? NodeId.of("n2") : NodeId.of("n1");
            leader.transferLeadership(other).get(LocalCluster.WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            cluster.submitAtLeader("second");
            written.add("second");
            assertThat(cluster.awaitLeader().id()).isEqualTo(other);
            for (NodeId id : cluster.ids()) {
                cluster.awaitApplied(id, written);
            }
        }
    }

    @Test
    void aFollowerLeavesItsReadsToALeaderWhoseVersionDoesNotServeThem() throws Exception {
        try (LocalCluster cluster = mixedPair().startAll()) {
            cluster.submitAtLeader("first");
            CaucusNode leader = cluster.awaitLeader();
            CaucusNode follower = cluster.runningNodes().stream()
                    .filter(node -> !node.id().equals(leader.id())).findFirst().orElseThrow();
            cluster.awaitApplied(follower.id(), List.of("first"));
            // Refused at once naming the leader (a caller then reads there), not left to time out.
            assertThatThrownBy(() -> follower.read("count".getBytes(StandardCharsets.UTF_8))
                    .get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS))
                    .cause().isInstanceOfSatisfying(NotLeaderException.class,
                            e -> assertThat(e.leader()).isEqualTo(leader.id()));
            assertThat(new String(leader.read("count".getBytes(StandardCharsets.UTF_8))
                    .get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("1");
        }
    }
}
