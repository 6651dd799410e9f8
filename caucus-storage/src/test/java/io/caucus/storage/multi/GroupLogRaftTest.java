package io.caucus.storage.multi;

import io.caucus.core.EntryType;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.ProposeResult;
import io.caucus.core.RaftNode;
import io.caucus.core.RaftOptions;
import io.caucus.core.Ready;
import io.caucus.core.Role;
import io.caucus.core.message.RaftMessage;
import io.caucus.storage.SimulatedDisk;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static io.caucus.storage.multi.SharedWalTest.CONFIGURATION;
import static io.caucus.storage.multi.SharedWalTest.DIRECTORY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unmodified {@link RaftNode}s run on {@link GroupLog}s: three processes, each with one shared WAL on its own
 * simulated disk, host two Raft groups; each round every process makes one fsync for both groups' writes before
 * reporting them persisted. Commands commit in both groups, a process crashes (losing nothing it synced),
 * restarts from its recovered WAL, and catches up.
 */
class GroupLogRaftTest {

    private static final List<String> PROCESSES = List.of("n1", "n2", "n3");
    private static final List<Long> GROUPS = List.of(1L, 2L);

    private record Message(long group, RaftMessage message) {
    }

    /** One process: its disk, its shared WAL and its node of each group. */
    private final class Process {
        final NodeId id;
        final SimulatedDisk disk = new SimulatedDisk();
        final Map<Long, RaftNode> nodes = new HashMap<>();
        final Map<Long, List<String>> applied = new HashMap<>();
        SharedWal wal;

        Process(String id) {
            this.id = NodeId.of(id);
            start();
        }

        void start() {
            wal = SharedWal.open(disk, DIRECTORY, 4096);
            for (long group : GROUPS) {
                GroupLog log = wal.group(group, CONFIGURATION);
                nodes.put(group, RaftNode.start(id, CONFIGURATION, RaftOptions.DEFAULTS, log.hardState(), log, 0,
                        new Random(random.nextLong())));
                applied.put(group, new ArrayList<>());
            }
        }

        void crashAndRestart() {
            disk.crash(null);
            start();
        }

        /** One turn: hands out every group's work, writes it, one sync for all, then reports it persisted. */
        void turn() {
            Map<Long, List<Long>> written = new HashMap<>();
            for (long group : GROUPS) {
                RaftNode node = nodes.get(group);
                while (node.hasReady()) {
                    Ready ready = node.ready();
                    ready.messages().forEach(message -> network.add(new Message(group, message)));
                    if (ready.persist() != null) {
                        Persist persist = ready.persist();
                        wal.group(group, CONFIGURATION).write(persist);
                        written.computeIfAbsent(group, g -> new ArrayList<>()).add(persist.sequence());
                    }
                    apply(group, ready.committedEntries());
                }
            }
            if (!written.isEmpty()) {
                wal.sync();
                syncs++;
                written.forEach((group, sequences) -> sequences.forEach(nodes.get(group)::persisted));
            }
        }

        private void apply(long group, List<LogEntry> entries) {
            for (LogEntry entry : entries) {
                if (entry.type() == EntryType.COMMAND) {
                    applied.get(group).add(new String(entry.payload(), StandardCharsets.UTF_8));
                }
            }
            if (!entries.isEmpty()) {
                nodes.get(group).applied(entries.get(entries.size() - 1).index());
            }
        }
    }

    private final Random random = new Random(42);
    private final Queue<Message> network = new ArrayDeque<>();
    private final Map<NodeId, Process> processes = new HashMap<>();
    private long syncs;

    @Test
    void raftGroupsRunUnchangedOnASharedWalAndSurviveACrash() {
        PROCESSES.forEach(id -> processes.put(NodeId.of(id), new Process(id)));
        for (long group : GROUPS) {
            propose(group, "a", 10);
        }
        runUntilAllApplied(10);
        assertThat(syncs).as("one fsync per process turn covers both groups").isLessThan(totalWrites());

        processes.get(NodeId.of("n3")).crashAndRestart();
        for (long group : GROUPS) {
            propose(group, "b", 10);
        }
        runUntilAllApplied(20);
        for (long group : GROUPS) {
            List<String> expected = processes.get(NodeId.of("n1")).applied.get(group);
            assertThat(expected).hasSize(20);
            for (Process process : processes.values()) {
                assertThat(process.applied.get(group)).as("%s group %d", process.id, group).isEqualTo(expected);
            }
        }
    }

    private long totalWrites() {
        return processes.values().stream().mapToLong(process -> process.wal.writtenTicket()).sum();
    }

    private void propose(long group, String prefix, int count) {
        for (int round = 0; round < 2000; round++) {
            for (Process process : processes.values()) {
                RaftNode node = process.nodes.get(group);
                if (node.role() == Role.LEADER) {
                    for (int i = 0; i < count; i++) {
                        ProposeResult result = node.propose((prefix + group + "-" + i).getBytes(StandardCharsets.UTF_8));
                        assertThat(result).isInstanceOf(ProposeResult.Accepted.class);
                    }
                    return;
                }
            }
            step();
        }
        throw new AssertionError("group " + group + " elected no leader");
    }

    private void runUntilAllApplied(int commands) {
        for (int round = 0; round < 2000; round++) {
            boolean done = processes.values().stream().allMatch(process -> GROUPS.stream()
                    .allMatch(group -> process.applied.get(group).size() >= commands));
            if (done) {
                return;
            }
            step();
        }
        throw new AssertionError("the groups did not apply " + commands + " commands everywhere");
    }

    /** One round: every process takes a turn, the network delivers what was sent, and time advances a tick. */
    private void step() {
        processes.values().forEach(Process::turn);
        while (!network.isEmpty()) {
            Message message = network.poll();
            processes.get(message.message().to()).nodes.get(message.group()).step(message.message());
        }
        processes.values().forEach(process -> process.nodes.values().forEach(RaftNode::tick));
    }
}
