package io.caucus.kv.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.FakeNode;
import io.caucus.kv.cli.Main;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.kv.shard.SlotMapStateMachine;
import io.caucus.kv.slots.MoveProgress;
import io.caucus.kv.slots.ReplicaRebalance;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import io.caucus.kv.slots.SlotRebalance;
import io.caucus.server.NotLeaderException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code POST /slots/rebalance} and {@code caucus rebalance} on real admin HTTP servers over one slot map kept in a
 * real {@link SlotMapStateMachine}: n1 leads the metadata group, n2 follows it (and answers 421 naming n1). Checks
 * each answer's status and code, that a dry run and a refusal change nothing, and the command's output.
 */
class SlotsRebalanceEndpointTest {

    private static final List<NodeId> NODES = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));

    private final SlotMapStateMachine metadata = new SlotMapStateMachine();
    private final AtomicLong index = new AtomicLong();
    private final List<AdminHttpServer> servers = new ArrayList<>();
    private final Map<NodeId, InetSocketAddress> addresses = new java.util.HashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile NodeId leader = NodeId.of("n1");
    /** Answers the next rebalance instead of the map, if set. */
    private volatile Supplier<CompletableFuture<SlotRebalance.Plan>> scriptedAnswer;
    /** If set, each read of the map first finishes its first move, as the mover would. */
    private volatile boolean moverRuns;
    /** How far the leader's mover has got, as SlotMover reports it. */
    private volatile Map<SlotRange, MoveProgress> progress = Map.of();

    SlotsRebalanceEndpointTest() throws IOException {
        install(unbalanced());
        List<Integer> ports = LoopbackPorts.reserve(2);
        for (String id : List.of("n1", "n2")) {
            addresses.put(NodeId.of(id), new InetSocketAddress("127.0.0.1", ports.get(servers.size())));
            servers.add(new AdminHttpServer(addresses.get(NodeId.of(id)), new FakeNode(id)::status, new KvMetrics(),
                    null, null, () -> null, null, AdminGuard.OPEN, null, Map.of(),
                    new SlotsEndpoint(new Slots(NodeId.of(id)), Duration.ofMillis(500))));
        }
    }

    /** Groups 2, 3, 4 of three nodes; group 2 owns every slot. */
    private static SlotMap unbalanced() {
        return SlotMap.EMPTY.withReplicas(2, NODES).withReplicas(3, NODES).withReplicas(4, NODES)
                .assign(SlotRange.all(), 2);
    }

    private void install(SlotMap next) {
        byte[] result = metadata.apply(index.incrementAndGet(), SlotMapStateMachine.install(
                metadata.current().epoch(), next));
        assertThat(SlotMapStateMachine.installed(result)).isTrue();
    }

    /** The sharded node as the endpoint sees it: the map above, recorded by compare-and-set as the server does. */
    private final class Slots implements SlotsEndpoint.Slots {
        private final NodeId self;

        Slots(NodeId self) {
            this.self = self;
        }

        @Override
        public SlotMap map() {
            SlotMap current = metadata.current();
            if (moverRuns && !current.migrations().isEmpty()) {
                install(current.finishMigration(current.migrations().getFirst().range()));
            }
            return metadata.current();
        }

        @Override
        public NodeId metadataLeader() {
            return leader;
        }

        @Override
        public NodeId self() {
            return self;
        }

        @Override
        public Optional<InetSocketAddress> adminAddress(NodeId node) {
            return Optional.ofNullable(addresses.get(node));
        }

        @Override
        public CompletableFuture<SlotMap> startMove(SlotRange range, long target) {
            throw new AssertionError("not asked here");
        }

        @Override
        public CompletableFuture<SlotMap> startReplicaMove(long group, NodeId from, NodeId to) {
            throw new AssertionError("not asked here");
        }

        @Override
        public CompletableFuture<SlotMap> cancelReplicaMove(long group) {
            throw new AssertionError("not asked here");
        }

        @Override
        public CompletableFuture<ReplicaRebalance.Plan> rebalanceReplicas(boolean dryRun) {
            throw new AssertionError("not asked here");
        }

        @Override
        public CompletableFuture<ReplicaRebalance.Plan> removeNode(NodeId node, boolean dryRun) {
            throw new AssertionError("not asked here");
        }

        @Override
        public Set<NodeId> metadataMembers() {
            throw new AssertionError("not asked here");
        }

        @Override
        public Map<SlotRange, MoveProgress> moveProgress() {
            return self.equals(leader) ? progress : Map.of();
        }

        @Override
        public CompletableFuture<SlotRebalance.Plan> rebalance(double thresholdPercent, boolean dryRun) {
            if (scriptedAnswer != null) {
                return scriptedAnswer.get();
            }
            SlotMap current = metadata.current();
            List<SlotMap.Migration> moves;
            try {
                moves = SlotRebalance.plan(current, thresholdPercent);
            } catch (IllegalArgumentException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (!dryRun && !moves.isEmpty()) {
                install(current.startMigrations(moves));
            }
            return CompletableFuture.completedFuture(new SlotRebalance.Plan(metadata.current(), moves));
        }
    }

    @AfterEach
    void stop() {
        servers.forEach(AdminHttpServer::close);
    }

    private HttpResponse<String> post(String node, String pathQuery) throws Exception {
        return send(node, "POST", pathQuery);
    }

    private HttpResponse<String> send(String node, String method, String pathQuery) throws Exception {
        InetSocketAddress address = addresses.get(NodeId.of(node));
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + pathQuery))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int caucus(StringWriter out, StringWriter err, String... args) {
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private String httpOf(String node) {
        return "127.0.0.1:" + addresses.get(NodeId.of(node)).getPort();
    }

    @Test
    void theLeaderRecordsEveryPlannedMoveInOneChangeAndAnswersThem() throws Exception {
        long before = metadata.current().epoch();

        HttpResponse<String> answer = post("n1", "/slots/rebalance?threshold=2");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        Map<String, Object> body = AdminJson.parseObject(answer.body());
        assertThat(body).containsEntry("epoch", (int) before + 1).containsEntry("recorded", true)
                .containsEntry("slotsMoved", 10922).containsEntry("threshold", 2.0);
        List<Map<String, Object>> expected = List.of(Map.of("slots", "5462-10922", "from", 2, "to", 3),
                Map.of("slots", "10923-16383", "from", 2, "to", 4));
        assertThat(body.get("planned")).isEqualTo(expected);
        assertThat(body.get("moves")).as("the recorded map lists them").isEqualTo(expected);
        assertThat(metadata.current().migrations()).hasSize(2);
        assertThat(metadata.current().epoch()).isEqualTo(before + 1);

        HttpResponse<String> again = post("n1", "/slots/rebalance");
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(AdminJson.parseObject(again.body())).containsEntry("error", "REFUSED");
        assertThat(again.body()).contains("slots are moving").contains("nothing was changed");
        assertThat(metadata.current().epoch()).isEqualTo(before + 1);
    }

    @Test
    void aDryRunPlansAgainstTheMapInForceAndChangesNothing() throws Exception {
        SlotMap before = metadata.current();

        HttpResponse<String> answer = post("n1", "/slots/rebalance?threshold=0&dry-run=true");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(AdminJson.parseObject(answer.body())).containsEntry("recorded", false)
                .containsEntry("epoch", (int) before.epoch()).containsEntry("moves", List.of())
                .containsEntry("slotsMoved", 10922);
        assertThat(metadata.current()).isEqualTo(before);
    }

    @Test
    void badRequestsAndANodeThatDoesNotLeadChangeNothing() throws Exception {
        SlotMap before = metadata.current();

        assertThat(post("n1", "/slots/rebalance?threshold=-1").body()).contains("BAD_REQUEST")
                .contains("'threshold' must be a percentage of 0 or more (e.g. 2 or 0.5), not '-1'");
        assertThat(post("n1", "/slots/rebalance?threshold=lots").statusCode()).isEqualTo(400);
        assertThat(post("n1", "/slots/rebalance?dry-run=maybe").body())
                .contains("'dry-run' must be true or false, not 'maybe'");
        assertThat(send("n1", "GET", "/slots/rebalance").statusCode()).isEqualTo(405);

        HttpResponse<String> follower = post("n2", "/slots/rebalance");
        assertThat(follower.statusCode()).isEqualTo(421);
        assertThat(AdminJson.parseObject(follower.body())).containsEntry("error", "NOTLEADER")
                .containsEntry("leader", "n1").containsEntry("leaderHttp", httpOf("n1"));

        leader = null;
        HttpResponse<String> leaderless = post("n1", "/slots/rebalance");
        assertThat(leaderless.statusCode()).isEqualTo(503);
        assertThat(leaderless.body()).contains("NOLEADER");
        assertThat(metadata.current()).isEqualTo(before);
    }

    @Test
    void aLeaderDeposedMeanwhileAnswers421AndNoAnswerInTime504() throws Exception {
        scriptedAnswer = () -> CompletableFuture.failedFuture(new NotLeaderException(NodeId.of("n2")));
        HttpResponse<String> deposed = post("n1", "/slots/rebalance");
        assertThat(deposed.statusCode()).isEqualTo(421);
        assertThat(deposed.body()).contains("no longer leads the metadata group; nothing was changed");

        scriptedAnswer = CompletableFuture::new; // never completes
        HttpResponse<String> unknown = post("n1", "/slots/rebalance");
        assertThat(unknown.statusCode()).isEqualTo(504);
        assertThat(AdminJson.parseObject(unknown.body())).containsEntry("error", "UNKNOWN");
        assertThat(unknown.body()).contains("the rebalance may have been recorded: see GET /slots");
    }

    @Test
    void theLeaderShowsHowFarEachMoveHasGotAndCaucusSlotsPrintsIt() throws Exception {
        SlotRange moving = SlotRange.of(5462, 10922);
        install(metadata.current().startMigration(moving, 3));
        progress = Map.of(moving, new MoveProgress(moving, 2, 12_345, 12_400_000, System.currentTimeMillis() - 35_000));

        HttpResponse<String> leaders = send("n1", "GET", "/slots");
        assertThat(leaders.body()).contains("\"slots\":\"5462-10922\",\"from\":2,\"to\":3,\"progress\":{")
                .contains("\"keysMoved\":12345").contains("\"bytesCopied\":12400000").contains("\"passes\":2");
        assertThat(send("n2", "GET", "/slots").body()).contains("\"slots\":\"5462-10922\"")
                .doesNotContain("progress"); // only the mover's node knows

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(caucus(out, err, "slots", "--http", httpOf("n1"))).as(err.toString()).isZero();
        assertThat(out.toString()).containsPattern("moving slots 5462-10922 from group 2 to group 3: 12,345 keys "
                + "\\(11\\.8 MiB\\) moved in pass 2, 3[5-9] s\n");
    }

    /** Asked of a follower, the command waits on the leader that recorded the moves: only its mover knows progress. */
    @Test
    void theCommandWaitsOnTheLeaderAndPrintsHowFarTheMovesHaveGot() {
        SlotRange second = SlotRange.of(10923, 16383);
        progress = Map.of(second, new MoveProgress(second, 1, 4_096, 4_194_304, System.currentTimeMillis()));
        moverRuns = true;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        assertThat(caucus(out, err, "rebalance", "--http", httpOf("n2"))).as(err.toString()).isZero();

        assertThat(out.toString()).contains("moved slots 5462-10922 to group 3 (1 of 2)\n")
                .containsPattern("  slots 10923-16383: 4,096 keys \\(4\\.0 MiB\\) moved in pass 1, \\d+ s\n")
                .contains("moved slots 10923-16383 to group 4 (2 of 2)\n");
    }

    @Test
    void theCommandFollowsTheLeaderPrintsThePlanAndWaitsUntilEveryMoveIsDone() {
        moverRuns = true;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = caucus(out, err, "rebalance", "--http", httpOf("n2"));

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("""
                moving 10922 slots in 2 moves (slot map epoch 5):
                  slots 5462-10922  from group 2 to group 3
                  slots 10923-16383 from group 2 to group 4
                moved slots 5462-10922 to group 3 (1 of 2)
                moved slots 10923-16383 to group 4 (2 of 2)
                slot map epoch 7
                """).containsPattern("0-5461 +2 ").containsPattern("5462-10922 +3 ")
                .containsPattern("10923-16383 +4 ");
        assertThat(metadata.current().migrations()).isEmpty();

        StringWriter balanced = new StringWriter();
        assertThat(caucus(balanced, err, "rebalance", "--http", httpOf("n1"), "--threshold", "0")).isZero();
        assertThat(balanced.toString()).isEqualTo("no move needed: no group is more than 0% of an even share away "
                + "from it (slot map epoch 7)\n");
    }

    @Test
    void theCommandsDryRunAndNoWaitReturnOnceAnswered() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        assertThat(caucus(out, err, "rebalance", "--dry-run", "--threshold", "0.5", "--http", httpOf("n1"))).isZero();
        assertThat(out.toString()).startsWith("would move 10922 slots in 2 moves (slot map epoch 4):\n");
        assertThat(metadata.current().migrations()).isEmpty();

        StringWriter recorded = new StringWriter();
        assertThat(caucus(recorded, err, "rebalance", "--no-wait", "--http", httpOf("n1"))).isZero();
        assertThat(recorded.toString()).startsWith("moving 10922 slots in 2 moves (slot map epoch 5):\n")
                .doesNotContain("moved slots");
        assertThat(metadata.current().migrations()).hasSize(2);

        // Asked again while those moves are under way: refused, with the reason, exit 1.
        assertThat(caucus(new StringWriter(), err, "rebalance", "--http", httpOf("n2"))).isEqualTo(1);
        assertThat(err.toString()).contains("caucus: REFUSED (HTTP 400 from " + httpOf("n1") + "): slots are moving");

        StringWriter usage = new StringWriter();
        assertThat(caucus(new StringWriter(), usage, "rebalance", "--threshold", "-3", "--http", httpOf("n1")))
                .isEqualTo(2);
        assertThat(usage.toString()).contains("--threshold must be a percentage of 0 or more, not -3.0");
    }
}
