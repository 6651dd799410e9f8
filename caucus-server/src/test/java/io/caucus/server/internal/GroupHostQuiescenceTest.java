package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.server.RecordingStateMachine;
import io.caucus.storage.SimulatedDisk;
import io.caucus.storage.multi.SharedWalOptions;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Quiescence on real threads: hosts whose idle groups quiesce, and whose liveness check wakes a quiesced group once
 * the process of its leader has gone silent (docs/multiraft.md, "Quiescence"). The liveness here is the test's:
 * every process counts as heard from now until the test marks it silent.
 */
class GroupHostQuiescenceTest {

    private static final List<NodeId> HOSTS = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    private static final Path DATA = Path.of("/data/host");
    private static final int GROUPS = 4;
    private static final Duration TICK = Duration.ofMillis(10);
    private static final RaftOptions OPTIONS = RaftOptions.DEFAULTS.withQuiesceAfterTicks(3);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Map<NodeId, GroupHost> hosts = new TreeMap<>();
    /** Processes the test made silent, with the time they were last heard from. */
    private final Map<NodeId, Long> silentSince = new ConcurrentHashMap<>();
    private final GroupHostTest.GroupNetwork network = new GroupHostTest.GroupNetwork();

    @AfterEach
    void closeHosts() {
        hosts.values().forEach(GroupHost::close);
    }

    private void start(NodeId id) {
        PooledExecutors executors = new PooledExecutors(1, "caucus-host-node");
        PooledWorkers workers = new PooledWorkers(2, "caucus-host-worker");
        ProcessLiveness liveness = process -> silentSince.getOrDefault(process, System.nanoTime());
        GroupHost.Environment environment = new GroupHost.Environment(RuntimeClock.SYSTEM, executors,
                group -> workers, Worker::thread, network, (group, store) -> store, new SplittableRandom(id.hashCode()),
                true, liveness);
        GroupHost host = GroupHost.open(new SimulatedDisk(), DATA,
                new GroupHost.Options(1, 2, SharedWalOptions.DEFAULTS.withSegmentBytes(64 * 1024), 2), environment,
                group -> new GroupHost.GroupSpec(settings(id), ClusterConfiguration.ofVoters(Set.copyOf(HOSTS))),
                workers::shutdown);
        hosts.put(id, host);
        for (long group = 1; group <= GROUPS; group++) {
            host.startGroup(group);
        }
    }

    private static NodeSettings settings(NodeId id) {
        Map<NodeId, InetSocketAddress> peers = new TreeMap<>();
        for (int i = 0; i < HOSTS.size(); i++) {
            peers.put(HOSTS.get(i), InetSocketAddress.createUnresolved("127.0.0.1", 7000 + i));
        }
        return new NodeSettings(id, peers, Map.of(), null, new RecordingStateMachine(), TICK, OPTIONS,
                true, Duration.ofSeconds(10), 1000, 1 << 20, 1024, 4096,
                io.caucus.transport.TransportOptions.defaults());
    }

    private Optional<NodeRuntime> leaderOf(long group) {
        for (GroupHost host : hosts.values()) {
            Optional<NodeRuntime> runtime = host.group(group);
            if (runtime.isPresent() && runtime.get().status().role() == Role.LEADER) {
                return runtime;
            }
        }
        return Optional.empty();
    }

    private String write(long group, String command) {
        return await().atMost(WAIT).ignoreExceptions().until(() -> RecordingStateMachine.text(leaderOf(group)
                .orElseThrow().submit(command.getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS)),
                answer -> true);
    }

    private boolean everyGroupQuiesced() {
        return hosts.values().stream().allMatch(host -> host.quiescedGroups() == GROUPS);
    }

    @Test
    void idleGroupsQuiesceOnEveryHostAndAWriteWakesThem() {
        HOSTS.forEach(this::start);
        for (long group = 1; group <= GROUPS; group++) {
            write(group, "g" + group + "-a");
        }
        await().atMost(WAIT).until(this::everyGroupQuiesced);

        assertThat(write(1, "g1-b")).startsWith("applied:");
        // The write woke group 1; idle again, it quiesces again.
        await().atMost(WAIT).until(this::everyGroupQuiesced);
        assertThat(hosts.values()).allMatch(host -> host.quiescedWakes() == 0);
    }

    @Test
    void aQuiescedGroupIsWokenOnlyOnceItsLeadersProcessIsSilentAndThenElectsElsewhere() {
        HOSTS.forEach(this::start);
        for (long group = 1; group <= GROUPS; group++) {
            write(group, "g" + group + "-a");
        }
        await().atMost(WAIT).until(this::everyGroupQuiesced);
        NodeId dead = leaderOf(1).orElseThrow().id();
        long lastHeard = System.nanoTime();
        hosts.remove(dead).close(); // sends nothing: its followers hear of it only through process liveness

        // While the dead process still counts as heard from, its groups' followers stay quiesced for good: well
        // past an election timeout (10 ticks, randomized up to 20) nobody campaigns.
        await().during(Duration.ofMillis(40 * TICK.toMillis())).atMost(WAIT).until(
                () -> hosts.values().stream().allMatch(host -> host.quiescedGroups() == GROUPS
                        && host.quiescedWakes() == 0));
        assertThat(leaderOf(1)).isEmpty();

        silentSince.put(dead, lastHeard);
        NodeRuntime leader = await().atMost(WAIT).until(() -> leaderOf(1).orElse(null), runtime -> runtime != null);
        assertThat(leader.id()).isNotEqualTo(dead);
        assertThat(hosts.values()).anyMatch(host -> host.quiescedWakes() > 0);
        for (long group = 1; group <= GROUPS; group++) {
            assertThat(write(group, "g" + group + "-b")).startsWith("applied:");
        }
    }
}
