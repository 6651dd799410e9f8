package io.caucus.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.caucus.core.NodeId;
import io.caucus.core.Role;
import io.caucus.transport.TransportOptions;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three processes, each a {@link CaucusHost} on real sockets and a real data directory, running many groups: one
 * connection per process pair carries every group's traffic (wire protocol version 4), groups fail over when a
 * process stops, and a restarted process recovers every group from its one shared log.
 */
class CaucusHostTest {

    private static final Duration WAIT = Duration.ofSeconds(60); // generous: the build machine is shared
    private static final int GROUPS = 8;

    @TempDir
    Path data;

    private final Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
    private final Map<NodeId, CaucusHost> hosts = new TreeMap<>();
    /** Each replica's state machine, by process and group; replaced when a process restarts. */
    private final Map<NodeId, Map<Long, RecordingStateMachine>> machines = new ConcurrentHashMap<>();

    CaucusHostTest() {
        for (int i = 1; i <= 3; i++) {
            peers.put(NodeId.of("n" + i), LocalCluster.freeLoopbackAddress());
        }
    }

    @AfterEach
    void closeHosts() {
        hosts.values().forEach(CaucusHost::close);
    }

    private CaucusHost start(NodeId id) {
        return start(id, builder -> builder);
    }

    private CaucusHost start(NodeId id, java.util.function.UnaryOperator<CaucusHost.Builder> settings) {
        machines.put(id, new ConcurrentHashMap<>());
        CaucusHost host = settings.apply(CaucusHost.builder())
                .id(id.value())
                .peers(peers)
                .dataDirectory(data.resolve(id.value()))
                .tickInterval(Duration.ofMillis(20))
                .transportOptions(TransportOptions.defaults().withReconnectBackoff(10, 200))
                .threads(2, 2)
                .groups(group -> new CaucusHost.GroupDefinition(peers.keySet(),
                        machines.get(id).computeIfAbsent(group, ignored -> new RecordingStateMachine())))
                .start();
        hosts.put(id, host);
        return host;
    }

    private void startEverywhere(long group) {
        hosts.values().forEach(host -> host.group(group));
    }

    private CaucusNode awaitLeader(long group) {
        CaucusNode[] leader = new CaucusNode[1];
        await().atMost(WAIT).until(() -> {
            for (CaucusHost host : hosts.values()) {
                var replica = host.runningGroup(group);
                if (replica.isPresent() && replica.get().status().role() == Role.LEADER) {
                    leader[0] = replica.get();
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    /** Submits at the group's leader, retrying while leadership moves. */
    private String submit(long group, String command) {
        return await().atMost(WAIT).ignoreExceptions().until(() -> new String(awaitLeader(group)
                .submit(command.getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8),
                answer -> true);
    }

    private void awaitApplied(long group, List<String> commands) {
        for (NodeId id : hosts.keySet()) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(machines.get(id).get(group).applied())
                    .as("group " + group + " on " + id).isEqualTo(commands));
        }
    }

    private void submitToEveryGroup(String suffix) {
        List<CompletableFuture<String>> writes = new ArrayList<>();
        for (long group = 1; group <= GROUPS; group++) {
            long id = group;
            writes.add(CompletableFuture.supplyAsync(() -> submit(id, "g" + id + suffix)));
        }
        writes.forEach(write -> assertThat(write.join()).startsWith("applied:"));
    }

    @Test
    void everyGroupTravelsOnOneConnectionPerProcessPair() {
        peers.keySet().forEach(this::start);
        for (long group = 1; group <= GROUPS; group++) {
            startEverywhere(group);
        }

        submitToEveryGroup("-a");

        for (long group = 1; group <= GROUPS; group++) {
            awaitApplied(group, List.of("g" + group + "-a"));
        }
        for (CaucusHost host : hosts.values()) {
            assertThat(host.groups()).hasSize(GROUPS);
            assertThat(host.transportMetrics().connectionsEstablished())
                    .as("one outbound connection to each other process, whatever the number of groups")
                    .isEqualTo(2);
            assertThat(host.transportMetrics().droppedUnknownGroup()).isZero();
            HostMetrics metrics = host.metrics();
            assertThat(metrics.groups()).isEqualTo(GROUPS);
            assertThat(metrics.walSyncRounds()).as("one log for every group, synced").isPositive();
            assertThat(metrics.walFsyncs()).isGreaterThanOrEqualTo(metrics.walSyncRounds());
        }
    }

    @Test
    void idleGroupsQuiesceAndThoseLedByAStoppedProcessAreWokenAndElectElsewhere() {
        peers.keySet().forEach(this::start);
        for (long group = 1; group <= GROUPS; group++) {
            startEverywhere(group);
        }
        submitToEveryGroup("-a");

        await().atMost(WAIT).until(() -> hosts.values().stream().allMatch(host -> host.metrics().quiesced() == GROUPS));
        CaucusHost watched = hosts.get(NodeId.of("n2"));
        long sent = watched.transportMetrics().messagesSent();
        long pings = watched.transportMetrics().pingsSent();
        await().atMost(WAIT).until(() -> watched.transportMetrics().pingsSent() >= pings + 20);
        assertThat(watched.transportMetrics().messagesSent()).as("no Raft message while every group is quiet")
                .isEqualTo(sent);

        NodeId busiest = busiestLeader();
        hosts.remove(busiest).close();
        submitToEveryGroup("-b"); // the groups it led are woken by the silence of its process and elect elsewhere
        assertThat(hosts.values().stream().mapToLong(host -> host.metrics().wakes()).sum()).isPositive();
    }

    /** The process that leads the most groups now. */
    private NodeId busiestLeader() {
        return hosts.entrySet().stream().max(java.util.Comparator.comparingLong(entry -> entry.getValue().groups()
                .stream().filter(group -> entry.getValue().runningGroup(group).orElseThrow().status().role()
                        == Role.LEADER).count())).orElseThrow().getKey();
    }

    @Test
    void groupsFailOverWhenAProcessStopsAndItRecoversEveryGroupOnRestart() {
        peers.keySet().forEach(this::start);
        for (long group = 1; group <= GROUPS; group++) {
            startEverywhere(group);
        }
        submitToEveryGroup("-a");
        NodeId stopped = NodeId.of("n1");
        hosts.remove(stopped).close();

        submitToEveryGroup("-b"); // n2 and n3 are a majority of every group

        CaucusHost again = start(stopped);
        assertThat(again.groups()).as("every group recovered from the shared log at start").hasSize(GROUPS);
        for (long group = 1; group <= GROUPS; group++) {
            awaitApplied(group, List.of("g" + group + "-a", "g" + group + "-b"));
        }
    }

    @Test
    void aMessageForAGroupAProcessDoesNotRunIsDroppedUntilItStartsTheGroup() {
        peers.keySet().forEach(this::start);
        CaucusHost first = hosts.get(NodeId.of("n1"));
        first.group(9);

        await().atMost(WAIT).until(() -> hosts.get(NodeId.of("n2")).transportMetrics().droppedUnknownGroup() > 0);
        assertThat(first.runningGroup(9).orElseThrow().status().role()).isNotEqualTo(Role.LEADER);

        hosts.get(NodeId.of("n2")).group(9);
        assertThat(submit(9, "g9-a")).startsWith("applied:");
    }

    @Test
    void aGroupReplicatedOnSomeProcessesOnly() {
        peers.keySet().forEach(this::start);
        Set<NodeId> two = Set.of(NodeId.of("n1"), NodeId.of("n2"));
        hosts.get(NodeId.of("n3")).close();
        hosts.remove(NodeId.of("n3"));
        for (NodeId id : two) {
            CaucusHost host = hosts.get(id);
            host.close();
            machines.put(id, new ConcurrentHashMap<>());
            hosts.put(id, CaucusHost.builder().id(id.value()).peers(peers).dataDirectory(data.resolve("two-" + id))
                    .tickInterval(Duration.ofMillis(20)).threads(1, 1)
                    .transportOptions(TransportOptions.defaults().withReconnectBackoff(10, 200))
                    .groups(group -> new CaucusHost.GroupDefinition(two,
                            machines.get(id).computeIfAbsent(group, ignored -> new RecordingStateMachine())))
                    .start());
        }
        startEverywhere(3);

        assertThat(submit(3, "g3-a")).startsWith("applied:");
        awaitApplied(3, List.of("g3-a"));
        assertThat(hosts.get(NodeId.of("n1")).group(3).members().configuration().voters()).containsExactlyInAnyOrderElementsOf(two);
    }

    @Test
    void groupIdsStartAtOneAndSettingsAreChecked() {
        CaucusHost host = start(NodeId.of("n1"));
        assertThatThrownBy(() -> host.group(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group ids start at 1");
        assertThatThrownBy(() -> CaucusHost.builder().id("n9").peers(peers).dataDirectory(data.resolve("n9"))
                .groups(group -> new CaucusHost.GroupDefinition(peers.keySet(), new RecordingStateMachine()))
                .start()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must name this process");
        assertThatThrownBy(() -> new CaucusHost.GroupDefinition(Set.of(), new RecordingStateMachine()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Every process holds a replica of both groups, so each one's log syncs alternate between them and its sync
     * thread gathers; with {@code syncGather(ZERO)} it never does, and the writes commit all the same.
     */
    @Test
    void theSyncThreadGathersWhileSeveralGroupsWriteUnlessTurnedOff() {
        start(NodeId.of("n1"), builder -> builder.syncGather(Duration.ZERO));
        start(NodeId.of("n2"));
        start(NodeId.of("n3"));
        List<String> one = new ArrayList<>();
        List<String> two = new ArrayList<>();
        startEverywhere(1);
        startEverywhere(2);
        for (int i = 0; i < 10; i++) {
            submit(1, "one-" + i);
            one.add("one-" + i);
            submit(2, "two-" + i);
            two.add("two-" + i);
        }
        awaitApplied(1, one);
        awaitApplied(2, two);

        assertThat(hosts.get(NodeId.of("n1")).metrics().walGathered()).as("turned off").isZero();
        for (String id : List.of("n2", "n3")) {
            assertThat(hosts.get(NodeId.of(id)).metrics().walGathered()).as(id).isPositive();
        }
        assertThatThrownBy(() -> CaucusHost.builder().syncGather(Duration.ofMillis(101)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theProposalLingerIsEveryGroupsSetting() {
        CaucusHost host = CaucusHost.builder().id("n1").peers(peers).dataDirectory(data.resolve("n1"))
                .proposalLinger(Duration.ofMillis(101))
                .groups(group -> new CaucusHost.GroupDefinition(peers.keySet(), new RecordingStateMachine()))
                .start();
        hosts.put(NodeId.of("n1"), host);

        assertThatThrownBy(() -> host.group(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proposalLinger must be between 0 and 100 ms");
    }
}
