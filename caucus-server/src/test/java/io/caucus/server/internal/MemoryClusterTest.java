package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.server.LocalCluster;
import io.caucus.transport.TransportOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The runtime's threads over an in-memory store: elections, replication and restart without the file system. */
class MemoryClusterTest {

    private final Map<NodeId, MemoryLogStore.Disk> disks = new ConcurrentHashMap<>();

    private LocalCluster cluster(int size) {
        return new LocalCluster(size, (id, peers, machine) -> NodeRuntime.start(
                new NodeSettings(id, peers, Map.of(), null, machine, Duration.ofMillis(20), RaftOptions.DEFAULTS,
                        true,
                        Duration.ofSeconds(10), 1000, 1 << 20, 1024, 4096, TransportOptions.defaults()),
                new MemoryLogStore(disks.computeIfAbsent(id,
                        ignored -> new MemoryLogStore.Disk(ClusterConfiguration.ofVoters(peers.keySet()))))));
    }

    @Test
    void threeNodesElectALeaderAndApplyOnEveryNode() {
        try (LocalCluster cluster = cluster(3).startAll()) {
            assertThat(cluster.submitAtLeader("a")).startsWith("applied:");
            cluster.submitAtLeader("b");
            for (NodeId id : cluster.ids()) {
                cluster.awaitApplied(id, List.of("a", "b"));
            }
        }
    }
}
