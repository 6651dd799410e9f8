package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.HeartbeatResponse;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.core.message.InstallSnapshotResponse;
import io.caucus.core.message.RaftMessage;
import io.caucus.core.message.ReadIndexRequest;
import io.caucus.core.message.ReadIndexResponse;
import io.caucus.core.message.RequestVote;
import io.caucus.core.message.RequestVoteResponse;
import io.caucus.core.message.TimeoutNow;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Protocol stories as text: each file under src/test/resources/interaction holds blocks of
 * {@code command}, a {@code ----} line, and the transcript it must produce (messages delivered, persistence,
 * role changes, results). Run with {@code -Dcaucus.interaction.rewrite=true} to regenerate the transcripts
 * after a deliberate change, then review the diff: the transcripts are the specification.
 */
class InteractionTest {

    private static final Path STORIES = storiesDirectory();
    private static final boolean REWRITE = Boolean.getBoolean("caucus.interaction.rewrite");

    /**
     * The stories in the core's sources, which a rewrite updates; from another module's working directory (PIT runs
     * these tests from caucus-sim) the build's copies on the class path.
     */
    private static Path storiesDirectory() {
        Path sources = Path.of("src/test/resources/interaction");
        if (Files.isDirectory(sources)) {
            return sources;
        }
        try {
            return Path.of(Objects.requireNonNull(InteractionTest.class.getResource("/interaction"),
                    "no interaction stories on the class path").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> stories() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(STORIES)) {
            files = list.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> run(file)));
    }

    private void run(Path file) throws IOException {
        List<Block> blocks = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        Story story = new Story();
        StringBuilder rewritten = new StringBuilder();
        List<String> mismatches = new ArrayList<>();
        for (Block block : blocks) {
            String actual = story.execute(block.commands());
            rewritten.append(block.preamble()).append(String.join("\n", block.commands())).append("\n----\n")
                    .append(actual).append(actual.isEmpty() ? "" : "\n").append("\n");
            if (!actual.equals(block.expected())) {
                mismatches.add(String.join(" / ", block.commands()) + "\n--- expected\n" + block.expected()
                        + "\n--- actual\n" + actual);
            }
        }
        if (REWRITE) {
            Files.writeString(file, rewritten.toString().stripTrailing() + "\n", StandardCharsets.UTF_8);
            return;
        }
        assertThat(mismatches).as("transcript mismatches in " + file).isEmpty();
    }

    private record Block(String preamble, List<String> commands, String expected) {
    }

    private static List<Block> parse(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            StringBuilder preamble = new StringBuilder();
            while (i < lines.size() && (lines.get(i).isBlank() || lines.get(i).startsWith("#"))) {
                if (lines.get(i).startsWith("#")) {
                    preamble.append(lines.get(i)).append("\n");
                }
                i++;
            }
            if (i >= lines.size()) {
                break;
            }
            List<String> commands = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).equals("----")) {
                commands.add(lines.get(i++));
            }
            i++; // ----
            List<String> expected = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).isBlank()) {
                expected.add(lines.get(i++));
            }
            blocks.add(new Block(preamble.toString(), commands, String.join("\n", expected)));
        }
        return blocks;
    }

    /** The cluster a story drives, with manual persistence so the transcript shows what waits for it. */
    private static final class Story {
        private TestCluster cluster;
        private final Map<NodeId, String> lastRoles = new TreeMap<>();

        String execute(List<String> commands) {
            List<String> out = new ArrayList<>();
            for (String command : commands) {
                execute(command.trim().split("\\s+"), out);
                reportRoleChanges(out);
            }
            reportRoleChanges(out);
            return String.join("\n", out);
        }

        private void execute(String[] words, List<String> out) {
            switch (words[0]) {
                case "cluster" -> {
                    cluster = new TestCluster(Integer.parseInt(words[1]), RaftOptions.DEFAULTS,
                            words.length > 2 ? Long.parseLong(words[2]) : 1);
                    cluster.autoPersist = false;
                    for (NodeId id : cluster.members.keySet()) {
                        lastRoles.put(id, describeRole(cluster.members.get(id).node));
                    }
                }
                case "campaign" -> cluster.node(words[1]).campaign();
                case "tick" -> {
                    int ticks = words.length > 2 ? Integer.parseInt(words[2]) : 1;
                    for (int i = 0; i < ticks; i++) {
                        if (words[1].equals("all")) {
                            cluster.members.values().forEach(m -> m.node.tick());
                        } else {
                            cluster.node(words[1]).tick();
                        }
                    }
                }
                case "propose" -> out.add(words[1] + ": propose " + words[2] + " -> "
                        + cluster.node(words[1]).propose(words[2].getBytes(StandardCharsets.UTF_8)));
                case "read" -> cluster.node(words[1]).readIndex(Long.parseLong(words[2]));
                case "transfer" -> out.add(words[1] + ": transfer to " + words[2] + " -> "
                        + cluster.node(words[1]).transferLeadership(NodeId.of(words[2])));
                case "deliver" -> deliver(out);
                case "persist" -> persist(words[1], out);
                case "isolate" -> cluster.isolate(words[1]);
                case "heal" -> cluster.heal();
                case "compact" -> out.add(words[1] + ": compacted to " + format(cluster.compact(words[1])));
                case "crash" -> cluster.crash(words[1]);
                case "restart" -> cluster.restart(words[1]);
                case "status" -> status(out);
                case "log" -> {
                    LogView log = cluster.node(words[1]).log();
                    out.add(words[1] + ": log " + (log.firstIndex() > 1 ? format(log.snapshot()) + " + " : "")
                            + log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE));
                }
                default -> throw new IllegalArgumentException("unknown story command: " + words[0]);
            }
        }

        /** Delivers messages one at a time, FIFO, until none is in flight, printing each. */
        private void deliver(List<String> out) {
            int seen = cluster.delivered.size();
            for (int guard = 0; guard < 10_000; guard++) {
                cluster.drainReadies();
                RaftMessage next = cluster.network.pollFirst();
                if (next == null) {
                    break;
                }
                boolean cut = cluster.cut.contains(next.from() + "->" + next.to());
                out.add((cut ? "dropped " : "") + format(next));
                if (!cut) {
                    cluster.members.get(next.to()).node.step(next);
                    cluster.delivered.add(next);
                }
                reportRoleChanges(out);
            }
            cluster.drainReadies();
            reportReads(out);
            assertThat(cluster.delivered.size()).isGreaterThanOrEqualTo(seen);
        }

        private void persist(String who, List<String> out) {
            cluster.drainReadies();
            for (TestCluster.Member member : cluster.members.values()) {
                if (!who.equals("all") && !member.id.value().equals(who)) {
                    continue;
                }
                List<Persist> pending = new ArrayList<>(member.pendingPersists);
                member.pendingPersists.clear();
                for (Persist persist : pending) {
                    out.add(member.id + ": persisted #" + persist.sequence()
                            + (persist.snapshot() == null ? "" : " " + format(persist.snapshot()))
                            + (persist.hardState() == null ? "" : " " + format(persist.hardState()))
                            + (persist.entries().isEmpty() ? "" : " entries " + persist.entries()));
                    member.persist(persist);
                }
            }
            cluster.drainReadies();
            reportReads(out);
        }

        private void reportReads(List<String> out) {
            for (TestCluster.Member member : cluster.members.values()) {
                for (ReadResult read : member.reads) {
                    out.add(member.id + ": read " + read);
                }
                member.reads.clear();
            }
        }

        private void status(List<String> out) {
            for (TestCluster.Member member : cluster.members.values()) {
                NodeStatus status = member.node.status();
                out.add(member.id + ": " + status.role() + " term=" + status.term() + " leader=" + status.leader()
                        + " commit=" + status.commitIndex() + " applied=" + status.appliedIndex()
                        + " last=" + status.lastIndex());
            }
        }

        private void reportRoleChanges(List<String> out) {
            for (TestCluster.Member member : cluster.members.values()) {
                String role = describeRole(member.node);
                if (!role.equals(lastRoles.get(member.id))) {
                    out.add(member.id + ": becomes " + role);
                    lastRoles.put(member.id, role);
                }
            }
        }

        private static String describeRole(RaftNode node) {
            return node.role() + " term=" + node.term();
        }

        private static String format(HardState state) {
            return "hard(term=" + state.term() + " vote=" + state.votedFor() + " commit=" + state.commitIndex() + ")";
        }

        private static String format(SnapshotMetadata snapshot) {
            return "snapshot(" + snapshot.lastIncludedIndex() + "/t" + snapshot.lastIncludedTerm() + ")";
        }

        private static String format(RaftMessage message) {
            String route = message.from() + "->" + message.to() + " ";
            return route + switch (message) {
                case RequestVote m -> (m.preVote() ? "PreVote" : "Vote") + " t" + m.term()
                        + " last=" + m.lastLogIndex() + "/t" + m.lastLogTerm();
                case RequestVoteResponse m -> (m.preVote() ? "PreVoteResponse" : "VoteResponse") + " t" + m.term()
                        + (m.granted() ? " granted" : " refused");
                case AppendEntries m -> "Append t" + m.term() + " prev=" + m.prevLogIndex() + "/t" + m.prevLogTerm()
                        + " entries=" + m.entries() + " commit=" + m.leaderCommit();
                case AppendEntriesResponse m -> "AppendResponse t" + m.term() + (m.success()
                        ? " match=" + m.matchIndex()
                        : " reject prev=" + m.rejectedIndex() + " hint=" + m.conflictIndex() + "/t" + m.conflictTerm());
                case Heartbeat m -> "Heartbeat t" + m.term() + " commit=" + m.commitIndex() + " round=" + m.readRound();
                case HeartbeatResponse m -> "HeartbeatResponse t" + m.term() + " round=" + m.readRound();
                case TimeoutNow m -> "TimeoutNow t" + m.term();
                case ReadIndexRequest m -> "ReadIndex t" + m.term() + " id=" + m.requestId();
                case ReadIndexResponse m -> "ReadIndexResponse t" + m.term() + " id=" + m.requestId()
                        + (m.confirmed() ? " index=" + m.readIndex() : " refused");
                case InstallSnapshot m -> "InstallSnapshot t" + m.term() + " " + format(m.snapshot());
                case InstallSnapshotResponse m -> "InstallSnapshotResponse t" + m.term() + " match=" + m.matchIndex()
                        + (m.accepted() ? " installed" : " not installed");
            };
        }
    }
}
