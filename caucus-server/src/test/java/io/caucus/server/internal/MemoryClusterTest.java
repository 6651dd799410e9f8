package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.server.LocalCluster;
import io.caucus.server.StateMachine;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The runtime's threads over an in-memory store: elections, replication and restart without the file system. */
class MemoryClusterTest {

    private final Map<NodeId, MemoryLogStore.Disk> disks = new ConcurrentHashMap<>();

    private LocalCluster cluster(int size) {
        return new LocalCluster(size, (id, peers, machine) -> NodeRuntime.start(settings(id, peers, machine),
                store(id, peers)));
    }

    /** The same runtime with no sockets and no Netty: its network and executors are {@link InProcessNetwork}'s. */
    private LocalCluster inProcessCluster(int size, InProcessNetwork network) {
        return new LocalCluster(size, (id, peers, machine) -> NodeRuntime.start(settings(id, peers, machine),
                store(id, peers), ClusterConfiguration.ofVoters(peers.keySet()), PeerDirectory.NO_RESOLVER,
                new NodeEnvironment(RuntimeClock.SYSTEM, network, Worker::thread,
                        new SplittableRandom(id.hashCode()))));
    }

    private static NodeSettings settings(NodeId id, Map<NodeId, InetSocketAddress> peers, StateMachine machine) {
        return new NodeSettings(id, peers, Map.of(), null, machine, Duration.ofMillis(20), RaftOptions.DEFAULTS,
                true, Duration.ofSeconds(10), 1000, 1 << 20, 1024, 4096, TransportOptions.defaults());
    }

    private MemoryLogStore store(NodeId id, Map<NodeId, InetSocketAddress> peers) {
        return new MemoryLogStore(disks.computeIfAbsent(id,
                ignored -> new MemoryLogStore.Disk(ClusterConfiguration.ofVoters(peers.keySet()))));
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

    @Test
    void theRuntimeRunsOnANetworkWithoutSocketsAndCatchesUpARestartedNode() throws Exception {
        InProcessNetwork network = new InProcessNetwork();
        try (LocalCluster cluster = inProcessCluster(3, network).startAll()) {
            assertThat(cluster.submitAtLeader("a")).startsWith("applied:");
            NodeId follower = cluster.ids().stream()
                    .filter(id -> !id.equals(cluster.awaitLeader().id())).findFirst().orElseThrow();
            cluster.stop(follower);
            cluster.submitAtLeader("b");
            cluster.start(follower);
            for (NodeId id : cluster.ids()) {
                cluster.awaitApplied(id, List.of("a", "b"));
                assertThat(network.sentBy(id)).isPositive();
                assertThat(cluster.node(id).metrics().transport().messagesSent()).isPositive();
            }
            // The embedder's executor is the network's: here a thread of InProcessNetwork, no Netty loop.
            assertThat(CompletableFuture.supplyAsync(() -> Thread.currentThread().getName(),
                    cluster.node(follower).executor()).get(10, TimeUnit.SECONDS)).isEqualTo("in-process-" + follower);
        }
    }
}
