package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.core.message.RaftMessage;
import io.caucus.server.RecordingStateMachine;
import io.caucus.server.StateMachine;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.StorageFailedException;
import io.caucus.storage.multi.SharedWalOptions;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportMetrics;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three hosts, each one process with one data directory and one shared WAL, running many groups on a fixed set
 * of node threads; the groups talk over an in-process network tagged by group.
 */
class GroupHostTest {

    private static final List<NodeId> HOSTS = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    private static final Path DATA = Path.of("/data/host");
    private static final int GROUPS = 8;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Map<NodeId, SimulatedDisk> disks = new TreeMap<>();
    private final Map<NodeId, GroupHost> hosts = new TreeMap<>();
    /** Each replica's state machine, by host and group; replaced when a host restarts. */
    private final Map<NodeId, Map<Long, RecordingStateMachine>> machines = new ConcurrentHashMap<>();
    private final GroupNetwork network = new GroupNetwork();

    @AfterEach
    void closeHosts() {
        hosts.values().forEach(GroupHost::close);
    }

    private GroupHost start(NodeId id) {
        disks.computeIfAbsent(id, ignored -> new SimulatedDisk());
        machines.put(id, new ConcurrentHashMap<>());
        GroupHost host = GroupHost.open(disks.get(id), DATA,
                new GroupHost.Options(2, 2, SharedWalOptions.DEFAULTS.withSegmentBytes(64 * 1024), 2), network,
                ProcessLiveness.everyoneHeardNow(RuntimeClock.SYSTEM), // groups here never quiesce
                group -> new GroupHost.GroupSpec(settings(id, machines.get(id).computeIfAbsent(group,
                        ignored -> new RecordingStateMachine())), ClusterConfiguration.ofVoters(Set.copyOf(HOSTS))));
        hosts.put(id, host);
        return host;
    }

    private static NodeSettings settings(NodeId id, StateMachine machine) {
        Map<NodeId, InetSocketAddress> peers = new TreeMap<>();
        for (int i = 0; i < HOSTS.size(); i++) {
            peers.put(HOSTS.get(i), InetSocketAddress.createUnresolved("127.0.0.1", 7000 + i));
        }
        return new NodeSettings(id, peers, Map.of(), null, machine, Duration.ofMillis(20), RaftOptions.DEFAULTS,
                true, Duration.ofSeconds(10), 1000, 1 << 20, 1024, 4096,
                io.caucus.transport.TransportOptions.defaults());
    }

    private NodeRuntime awaitLeader(long group) {
        NodeRuntime[] leader = new NodeRuntime[1];
        await().atMost(WAIT).until(() -> {
            for (GroupHost host : hosts.values()) {
                var runtime = host.group(group);
                if (runtime.isPresent() && runtime.get().status().role() == Role.LEADER) {
                    leader[0] = runtime.get();
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    /** Submits at the group's leader, retrying while leadership moves. */
    private String submit(long group, String command) {
        return await().atMost(WAIT).ignoreExceptions().until(() -> RecordingStateMachine.text(awaitLeader(group)
                .submit(command.getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS)), answer -> true);
    }

    private void awaitApplied(long group, List<String> commands) {
        for (NodeId id : hosts.keySet()) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(machines.get(id).get(group).applied())
                    .as("group " + group + " on " + id).isEqualTo(commands));
        }
    }

    @Test
    void manyGroupsRunOnAFixedSetOfThreadsAndOneSharedWalPerHost() {
        long perNodeThreadsBefore = perNodeThreads();
        HOSTS.forEach(this::start);
        for (long group = 1; group <= GROUPS; group++) {
            for (GroupHost host : hosts.values()) {
                host.startGroup(group);
            }
        }
        List<CompletableFuture<String>> writes = new ArrayList<>();
        for (long group = 1; group <= GROUPS; group++) {
            long id = group;
            writes.add(CompletableFuture.supplyAsync(() -> submit(id, "g" + id + "-a")));
        }
        writes.forEach(write -> assertThat(write.join()).startsWith("applied:"));
        for (long group = 1; group <= GROUPS; group++) {
            awaitApplied(group, List.of("g" + group + "-a"));
        }

        // Not a thread per group: the node threads and the worker pool are fixed, whatever the number of groups.
        assertThat(perNodeThreads()).as("threads of a single node's own (applier, completions, snapshots)")
                .isEqualTo(perNodeThreadsBefore);
        assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("caucus-host-node-")).count())
                .as("node threads of three hosts, two each").isLessThanOrEqualTo(6);
        for (GroupHost host : hosts.values()) {
            assertThat(host.groups()).hasSize(GROUPS);
            assertThat(host.log().syncRounds()).as("one WAL per host, synced for every group").isPositive();
        }
    }

    private static long perNodeThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(name ->
                name.startsWith("caucus-apply-") || name.startsWith("caucus-complete-")
                        || name.startsWith("caucus-snapshot-")).count();
    }

    @Test
    void aRestartedHostRecoversEveryGroupFromItsSharedWal() {
        HOSTS.forEach(this::start);
        for (long group = 1; group <= 4; group++) {
            for (GroupHost host : hosts.values()) {
                host.startGroup(group);
            }
            submit(group, "g" + group + "-a");
        }
        NodeId restarted = HOSTS.get(0);
        hosts.remove(restarted).close();
        for (long group = 1; group <= 4; group++) {
            submit(group, "g" + group + "-b");
        }

        GroupHost again = start(restarted);

        assertThat(again.groups()).as("every group recovered on open").containsExactly(1L, 2L, 3L, 4L);
        for (long group = 1; group <= 4; group++) {
            awaitApplied(group, List.of("g" + group + "-a", "g" + group + "-b"));
        }
    }

    @Test
    void aRemovedGroupStopsAndIsNotRecovered() {
        HOSTS.forEach(this::start);
        for (long group = 1; group <= 2; group++) {
            for (GroupHost host : hosts.values()) {
                host.startGroup(group);
            }
            submit(group, "g" + group + "-a");
        }
        NodeRuntime removed = hosts.get(HOSTS.get(1)).group(2).orElseThrow();

        hosts.get(HOSTS.get(1)).removeGroup(2);

        assertThat(hosts.get(HOSTS.get(1)).groups()).containsExactly(1L);
        assertThat(hosts.get(HOSTS.get(1)).wasRemoved(2)).isTrue();
        assertThat(hosts.get(HOSTS.get(1)).wasRemoved(1)).isFalse();
        assertThatThrownBy(() -> removed.submit(new byte[] {1}).get(5, TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(io.caucus.server.ShutdownException.class);
        assertThatThrownBy(() -> hosts.get(HOSTS.get(1)).startGroup(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never reused");
        hosts.remove(HOSTS.get(1)).close();
        GroupHost restarted = start(HOSTS.get(1));
        assertThat(restarted.groups()).containsExactly(1L);
        assertThat(restarted.wasRemoved(2)).as("durably").isTrue();
        assertThatThrownBy(() -> restarted.startGroup(2)).as("refused after a restart too")
                .isInstanceOf(IllegalArgumentException.class);
        submit(2, "g2-b"); // the two other replicas are a majority of group 2
    }

    @Test
    void aSecondHostOnTheSameDataDirectoryIsRefused() {
        start(HOSTS.get(0));
        assertThatThrownBy(() -> GroupHost.open(disks.get(HOSTS.get(0)), DATA,
                new GroupHost.Options(1, 1, SharedWalOptions.DEFAULTS, 2), network,
                ProcessLiveness.everyoneHeardNow(RuntimeClock.SYSTEM),
                group -> {
                    throw new AssertionError("no group starts");
                })).isInstanceOf(StorageFailedException.class);
    }

    /** In-process networks of each (group, node) replica: a message reaches the same group on its recipient. */
    static final class GroupNetwork implements GroupHost.GroupNetworks {
        private final Map<String, Endpoint> open = new ConcurrentHashMap<>();

        private static String key(long group, NodeId node) {
            return group + "/" + node.value();
        }

        @Override
        public PeerNetwork open(long group, NodeSettings settings, InboundHandler inbound, NodeExecutor executor) {
            return new Endpoint(group, settings.id(), settings.peers().keySet(), inbound, executor);
        }

        private final class Endpoint implements PeerNetwork {
            private final long group;
            private final NodeId self;
            private final Set<NodeId> peers = ConcurrentHashMap.newKeySet();
            private final InboundHandler inbound;
            private final NodeExecutor executor;

            Endpoint(long group, NodeId self, Set<NodeId> peers, InboundHandler inbound, NodeExecutor executor) {
                this.group = group;
                this.self = self;
                this.peers.addAll(peers);
                this.peers.remove(self);
                this.inbound = inbound;
                this.executor = executor;
            }

            @Override
            public void start() {
                open.put(key(group, self), this);
            }

            @Override
            public NodeExecutor executor() {
                return executor;
            }

            @Override
            public void send(RaftMessage message) {
                Endpoint target = peers.contains(message.to()) ? open.get(key(group, message.to())) : null;
                if (target != null) {
                    target.inbound.onMessage(message);
                }
            }

            @Override
            public boolean sendSnapshotFrame(SnapshotFrame frame) {
                Endpoint target = peers.contains(frame.to()) ? open.get(key(group, frame.to())) : null;
                if (target == null) {
                    return false;
                }
                target.inbound.onSnapshotFrame(frame);
                return true;
            }

            @Override
            public void addPeer(NodeId peer, InetSocketAddress address) {
                peers.add(peer);
            }

            @Override
            public void removePeer(NodeId peer) {
                peers.remove(peer);
            }

            @Override
            public Set<NodeId> peers() {
                return Set.copyOf(peers);
            }

            @Override
            public void disconnect() {
                open.remove(key(group, self), this);
            }

            @Override
            public TransportMetrics metrics() {
                return TransportMetrics.NONE;
            }

            @Override
            public void close() {
                disconnect();
            }
        }
    }
}
