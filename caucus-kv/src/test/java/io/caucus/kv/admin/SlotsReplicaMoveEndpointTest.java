package io.caucus.kv.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.FakeNode;
import io.caucus.kv.cli.Main;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.kv.shard.SlotMapStateMachine;
import io.caucus.kv.slots.ReplicaRebalance;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import io.caucus.kv.slots.SlotRebalance;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code POST /slots/replicas/move}, the replica moves and retired nodes {@code GET /slots} lists, and
 * {@code caucus slots move-replica}, on real admin HTTP servers over one slot map kept in a real
 * {@link SlotMapStateMachine}: n1 leads the metadata group, n2 follows it and answers as well (the server forwards
 * the map change itself). Checks each answer's status and code, that a refusal changes nothing, and the command's
 * output and exit codes.
 */
class SlotsReplicaMoveEndpointTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N4 = NodeId.of("n4");
    private static final List<NodeId> FIRST_THREE = List.of(N1, NodeId.of("n2"), NodeId.of("n3"));

    private final SlotMapStateMachine metadata = new SlotMapStateMachine();
    private final AtomicLong index = new AtomicLong();
    private final List<AdminHttpServer> servers = new ArrayList<>();
    private final Map<NodeId, InetSocketAddress> addresses = new HashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    /** Answers the next replica moves instead of the map, if set. */
    private volatile Supplier<CompletableFuture<SlotMap>> scriptedAnswer;
    /**
     * Reads of the map left before the group's leader finishes the move listed, as ReplicaMover would (learner,
     * promote, remove, then the map); negative: no leader moves anything.
     */
    private final AtomicInteger readsUntilMoved = new AtomicInteger(-1);
    /** Reads of the map after which the next moves recorded end, once the first ones have ended. */
    private volatile int movesEndAfterReads = -1;
    /** The cluster file's nodes, which a replica rebalance spreads the replicas over. */
    private volatile List<NodeId> clusterFile = List.of(N1, NodeId.of("n2"), NodeId.of("n3"), N4);
    /** Whether the group's leader finds a cancelled move too far gone to undo (the old node has left). */
    private volatile boolean tooLateToUndo;

    SlotsReplicaMoveEndpointTest() throws IOException {
        install(SlotMap.EMPTY.withReplicas(2, FIRST_THREE).withReplicas(3, FIRST_THREE)
                .assign(SlotRange.of(0, 8191), 2).assign(SlotRange.of(8192, 16383), 3));
        List<Integer> ports = LoopbackPorts.reserve(2);
        for (String id : List.of("n1", "n2")) {
            addresses.put(NodeId.of(id), new InetSocketAddress("127.0.0.1", ports.get(servers.size())));
            servers.add(new AdminHttpServer(addresses.get(NodeId.of(id)), new FakeNode(id)::status, new KvMetrics(),
                    null, null, () -> null, null, AdminGuard.OPEN, null, Map.of(),
                    new SlotsEndpoint(new Slots(NodeId.of(id)), Duration.ofMillis(500))));
        }
    }

    private void install(SlotMap next) {
        byte[] result = metadata.apply(index.incrementAndGet(), SlotMapStateMachine.install(
                metadata.current().epoch(), next));
        assertThat(SlotMapStateMachine.installed(result)).isTrue();
    }

    /** The sharded node as the endpoint sees it: the map above, changed by compare-and-set as the server does. */
    private final class Slots implements SlotsEndpoint.Slots {
        private final NodeId self;

        Slots(NodeId self) {
            this.self = self;
        }

        @Override
        public SlotMap map() {
            SlotMap current = metadata.current();
            if (!current.replicaMoves().isEmpty() && readsUntilMoved.get() >= 0
                    && readsUntilMoved.getAndDecrement() == 0) {
                SlotMap ended = current;
                for (SlotMap.ReplicaMove move : current.replicaMoves()) {
                    ended = move.cancelled() && !tooLateToUndo ? ended.abandonReplicaMove(move.group())
                            : ended.finishReplicaMove(move.group());
                }
                install(ended);
                readsUntilMoved.set(movesEndAfterReads);
            }
            return metadata.current();
        }

        @Override
        public NodeId metadataLeader() {
            return N1;
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
            if (scriptedAnswer != null) {
                return scriptedAnswer.get();
            }
            // As the server's: the map's refusal comes wrapped, thrown while composing on the map read.
            return CompletableFuture.completedFuture(metadata.current()).thenApply(current -> {
                install(current.startReplicaMove(group, from, to));
                return metadata.current();
            });
        }

        @Override
        public CompletableFuture<SlotMap> cancelReplicaMove(long group) {
            if (scriptedAnswer != null) {
                return scriptedAnswer.get();
            }
            return CompletableFuture.completedFuture(metadata.current()).thenApply(current -> {
                install(current.cancelReplicaMove(group));
                return metadata.current();
            });
        }

        @Override
        public CompletableFuture<ReplicaRebalance.Plan> rebalanceReplicas(boolean dryRun) {
            if (scriptedAnswer != null) {
                return scriptedAnswer.get().thenApply(map -> ReplicaRebalance.plan(map, clusterFile));
            }
            // As the server's: plan against the map, record the round in one change unless a dry run.
            return CompletableFuture.completedFuture(metadata.current()).thenApply(current -> {
                ReplicaRebalance.Plan plan = ReplicaRebalance.plan(current, clusterFile);
                if (dryRun || plan.moves().isEmpty()) {
                    return plan;
                }
                install(current.startReplicaMoves(plan.moves()));
                return plan.recordedIn(metadata.current());
            });
        }

        @Override
        public CompletableFuture<ReplicaRebalance.Plan> removeNode(NodeId node, boolean dryRun) {
            // As the server's: planned against the map read, recorded unless a dry run or removed already.
            return CompletableFuture.completedFuture(metadata.current()).thenApply(current -> {
                ReplicaRebalance.Plan plan = ReplicaRebalance.planRemoval(current, clusterFile, node);
                if (!dryRun && plan.map().epoch() != current.epoch()) {
                    install(plan.map());
                }
                return plan;
            });
        }

        /** As the metadata leader keeps them: every node of the file, less a removed one once it holds nothing. */
        @Override
        public Set<NodeId> metadataMembers() {
            SlotMap current = metadata.current();
            return clusterFile.stream().filter(node -> !current.removedNodes().contains(node)
                    || !current.holdsNothing(node)).collect(Collectors.toSet());
        }

        @Override
        public CompletableFuture<SlotRebalance.Plan> rebalance(double thresholdPercent, boolean dryRun) {
            throw new AssertionError("not asked here");
        }
    }

    @AfterEach
    void stop() {
        servers.forEach(AdminHttpServer::close);
    }

    private HttpResponse<String> send(String node, String method, String pathQuery) throws Exception {
        InetSocketAddress address = addresses.get(NodeId.of(node));
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + pathQuery))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String node, String pathQuery) throws Exception {
        return send(node, "POST", pathQuery);
    }

    private static int caucus(StringWriter out, StringWriter err, String... args) {
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private String httpOf(String node) {
        return "127.0.0.1:" + addresses.get(NodeId.of(node)).getPort();
    }

    @Test
    void aNodeThatDoesNotLeadTheMetadataGroupRecordsTheMoveAndGetSlotsListsIt() throws Exception {
        long before = metadata.current().epoch();

        HttpResponse<String> answer = post("n2", "/slots/replicas/move?group=2&from=n1&to=n4");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(AdminJson.parseObject(answer.body())).isEqualTo(Map.of("group", 2, "from", "n1", "to", "n4",
                "cancelled", false, "epoch", (int) before + 1));
        assertThat(metadata.current().replicaMoveOf(2)).hasValue(new SlotMap.ReplicaMove(2, N1, N4));

        Map<String, Object> listed = AdminJson.parseObject(send("n1", "GET", "/slots").body());
        assertThat(listed).containsEntry("replicaMoves", List.of(Map.of("group", 2, "from", "n1", "to", "n4",
                        "cancelled", false)))
                .containsEntry("retired", Map.of()).containsEntry("moves", List.of());
        assertThat(listed.get("groups")).as("the replicas change only when the move is done")
                .isEqualTo(Map.of("2", List.of("n1", "n2", "n3"), "3", List.of("n1", "n2", "n3")));
    }

    @Test
    void getSlotsListsTheNodesAGroupLeftInTheirGroup() throws Exception {
        install(metadata.current().startReplicaMove(2, N1, N4));
        install(metadata.current().finishReplicaMove(2));

        Map<String, Object> listed = AdminJson.parseObject(send("n2", "GET", "/slots").body());

        assertThat(listed).containsEntry("replicaMoves", List.of()).containsEntry("retired",
                Map.of("2", List.of("n1")));
        assertThat(listed.get("groups")).as("n4 in n1's place")
                .isEqualTo(Map.of("2", List.of("n4", "n2", "n3"), "3", List.of("n1", "n2", "n3")));
    }

    @Test
    void aMoveTheMapRefusesAnswers400WithTheReasonAndChangesNothing() throws Exception {
        install(metadata.current().startReplicaMove(3, N1, N4));
        install(metadata.current().finishReplicaMove(3));
        install(metadata.current().startReplicaMove(2, N1, N4));
        SlotMap before = metadata.current();

        assertRefused(post("n2", "/slots/replicas/move?group=2&from=n2&to=n5"), "group 2 is moving a replica already");
        assertRefused(post("n1", "/slots/replicas/move?group=3&from=n2&to=n3"), "n3 is one of its replicas already");
        assertRefused(post("n1", "/slots/replicas/move?group=3&from=n2&to=n1"),
                "n1 held a replica of the group before");
        assertRefused(post("n1", "/slots/replicas/move?group=3&from=n5&to=n6"), "n5 is not one of its replicas");
        assertRefused(post("n1", "/slots/replicas/move?group=9&from=n1&to=n4"), "group 9 is unknown");
        assertThat(metadata.current()).isEqualTo(before);
    }

    private static void assertRefused(HttpResponse<String> answer, String reason) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(AdminJson.parseObject(answer.body())).containsEntry("error", "REFUSED");
        assertThat(answer.body()).contains(reason).contains("nothing was changed");
    }

    @Test
    void badRequestsAnswer400OrMethod405AndChangeNothing() throws Exception {
        SlotMap before = metadata.current();

        assertBadRequest(post("n1", "/slots/replicas/move?from=n1&to=n4"), "query parameter 'group' is missing");
        assertBadRequest(post("n1", "/slots/replicas/move?group=two&from=n1&to=n4"),
                "'group' must be a data group's id (a number: see GET /slots), not 'two'");
        assertBadRequest(post("n1", "/slots/replicas/move?group=2&to=n4"), "query parameter 'from' is missing");
        assertBadRequest(post("n1", "/slots/replicas/move?group=2&from=n1&to=n%2F4"),
                "'to': node id may hold ASCII letters, digits, '-', '_' and '.' only: 'n/4'");
        assertBadRequest(post("n1", "/slots/replicas/move?group=2&from=&to=n4"), "query parameter 'from' is missing");
        HttpResponse<String> get = send("n1", "GET", "/slots/replicas/move?group=2&from=n1&to=n4");
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.body()).contains("POST /slots/replicas/move?group=G&from=NODE&to=NODE");
        assertThat(metadata.current()).isEqualTo(before);
    }

    private static void assertBadRequest(HttpResponse<String> answer, String reason) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(AdminJson.parseObject(answer.body())).containsEntry("error", "BAD_REQUEST");
        assertThat(answer.body()).contains(reason).contains("nothing was changed");
    }

    @Test
    void aChangeNotAppliedAnswers503AndAnUnknownOutcome504() throws Exception {
        String move = "/slots/replicas/move?group=2&from=n1&to=n4";
        scriptedAnswer = () -> CompletableFuture.failedFuture(new CompletionException(
                new NoLeaderException("no leader elected yet")));
        HttpResponse<String> leaderless = post("n2", move);
        assertThat(leaderless.statusCode()).isEqualTo(503);
        assertThat(AdminJson.parseObject(leaderless.body())).containsEntry("error", "NOLEADER");
        assertThat(leaderless.body()).contains("no leader elected yet").contains("nothing was changed");

        // Forwarded by the server, a leader it kept missing is no reason to ask another node: not applied either.
        scriptedAnswer = () -> CompletableFuture.failedFuture(new NotLeaderException(NodeId.of("n3")));
        HttpResponse<String> missed = post("n2", move);
        assertThat(missed.statusCode()).isEqualTo(503);
        assertThat(AdminJson.parseObject(missed.body())).containsEntry("error", "NOTAPPLIED");
        assertThat(missed.body()).contains("the replica move was not recorded").contains("nothing was changed");

        scriptedAnswer = () -> CompletableFuture.failedFuture(new OverloadedException("too many requests waiting"));
        assertThat(post("n1", move).statusCode()).isEqualTo(503);

        scriptedAnswer = () -> CompletableFuture.failedFuture(new OutcomeUnknownException("leadership lost"));
        HttpResponse<String> unknown = post("n2", move);
        assertThat(unknown.statusCode()).isEqualTo(504);
        assertThat(AdminJson.parseObject(unknown.body())).containsEntry("error", "UNKNOWN");
        assertThat(unknown.body()).contains("leadership lost").contains("it may have been recorded: see GET /slots");

        scriptedAnswer = CompletableFuture::new; // never completes
        HttpResponse<String> late = post("n2", move);
        assertThat(late.statusCode()).isEqualTo(504);
        assertThat(late.body()).contains("no answer within PT0.5S; the replica move may have been recorded");
    }

    @Test
    void theCommandPrintsTheMoveRecordedThenDoneAndTheMap() {
        readsUntilMoved.set(3);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = caucus(out, err, "slots", "move-replica", "--group", "2", "--from", "n1", "--to", "n4", "--http",
                httpOf("n2"));

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).startsWith("group 2: n1 -> n4 recorded (slot map epoch 5)\n")
                .containsPattern("\ngroup 2: n1 -> n4 done in \\d+\\.\\d s\nslot map epoch 6\n")
                .containsPattern("0-8191 +2 +n4,n2,n3\n").endsWith("group 2 left n1 for good\n");
        assertThat(metadata.current().replicasOf(2)).containsExactly(N4, NodeId.of("n2"), NodeId.of("n3"));
    }

    @Test
    void anyNodeRecordsACancelWhichGetSlotsListsAndWhatCannotBeCancelledIsRefused() throws Exception {
        assertRefused(post("n2", "/slots/replicas/cancel?group=2"), "group 2 is moving no replica");
        install(metadata.current().startReplicaMove(2, N1, N4));
        long before = metadata.current().epoch();

        HttpResponse<String> answer = post("n2", "/slots/replicas/cancel?group=2");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(AdminJson.parseObject(answer.body())).isEqualTo(Map.of("group", 2, "from", "n1", "to", "n4",
                "cancelled", true, "epoch", (int) before + 1));
        assertThat(AdminJson.parseObject(send("n1", "GET", "/slots").body())).containsEntry("replicaMoves",
                List.of(Map.of("group", 2, "from", "n1", "to", "n4", "cancelled", true)));
        SlotMap cancelled = metadata.current();
        assertRefused(post("n1", "/slots/replicas/cancel?group=2"), "is being cancelled already");
        assertBadRequest(post("n1", "/slots/replicas/cancel?group=two"), "'group' must be a data group's id");
        assertBadRequest(post("n1", "/slots/replicas/cancel"), "query parameter 'group' is missing");
        assertThat(send("n1", "GET", "/slots/replicas/cancel?group=2").statusCode()).isEqualTo(405);
        assertThat(metadata.current()).isEqualTo(cancelled);

        scriptedAnswer = () -> CompletableFuture.failedFuture(new OutcomeUnknownException("leadership lost"));
        HttpResponse<String> unknown = post("n2", "/slots/replicas/cancel?group=3");
        assertThat(unknown.statusCode()).isEqualTo(504);
        assertThat(unknown.body()).contains("recording the cancel of the replica move failed");
    }

    @Test
    void theCancelCommandWaitsUntilTheMoveIsUndoneOrFinishedIfTooLate() {
        install(metadata.current().startReplicaMove(2, N1, N4));
        readsUntilMoved.set(2);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        assertThat(caucus(out, err, "slots", "cancel-replica-move", "--group", "2", "--http", httpOf("n2")))
                .as(err.toString()).isZero();

        assertThat(out.toString()).startsWith("group 2: n1 -> n4 cancel recorded (slot map epoch 6)\n")
                .containsPattern("\ngroup 2: n1 -> n4 undone in \\d+\\.\\d s\nslot map epoch 7\n")
                .containsPattern("0-8191 +2 +n1,n2,n3\n").endsWith("group 2 left n4 for good\n");

        install(metadata.current().startReplicaMove(3, N1, N4));
        tooLateToUndo = true;
        readsUntilMoved.set(2);
        StringWriter late = new StringWriter();
        assertThat(caucus(late, err, "slots", "cancel-replica-move", "--group", "3", "--http", httpOf("n1")))
                .as(err.toString()).isZero();
        assertThat(late.toString()).contains("group 3: n1 -> n4 finished in ")
                .contains(" s: the old node had left the group, too late to undo\n")
                .containsPattern("8192-16383 +3 +n4,n2,n3\n");

        StringWriter listing = new StringWriter();
        install(metadata.current().startReplicaMove(3, NodeId.of("n2"), NodeId.of("n5")));
        install(metadata.current().cancelReplicaMove(3));
        assertThat(caucus(listing, err, "slots", "--http", httpOf("n1"))).isZero();
        assertThat(listing.toString()).contains("moving group 3's replica from n2 to n5 (cancelled: being undone)\n");
    }

    @Test
    void theListingShowsReplicaMovesUnderWayAndTheNodesGroupsLeft() {
        install(metadata.current().startReplicaMove(3, N1, N4));
        install(metadata.current().finishReplicaMove(3));
        install(metadata.current().startReplicaMove(2, NodeId.of("n3"), NodeId.of("n5")));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        assertThat(caucus(out, err, "slots", "--http", httpOf("n1"))).as(err.toString()).isZero();

        assertThat(out.toString()).isEqualTo("""
                slot map epoch 7
                SLOTS         GROUP   REPLICAS
                0-8191        2       n1,n2,n3
                8192-16383    3       n4,n2,n3
                moving group 2's replica from n3 to n5
                group 3 left n1 for good
                """);
    }

    @Test
    void theCommandsNoWaitRefusalUnknownOutcomeTimeoutAndUsageExitCodes() {
        StringWriter recorded = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(caucus(recorded, err, "slots", "move-replica", "--group", "2", "--from", "n1", "--to", "n4",
                "--no-wait", "--http", httpOf("n1"))).as(err.toString()).isZero();
        assertThat(recorded.toString()).isEqualTo("group 2: n1 -> n4 recorded (slot map epoch 5)\n");

        // Asked again while that move is under way: refused, with the reason, exit 1.
        assertThat(caucus(new StringWriter(), err, "slots", "move-replica", "--group", "2", "--from", "n2", "--to",
                "n5", "--http", httpOf("n2"))).isEqualTo(1);
        assertThat(err.toString()).contains("caucus: REFUSED (HTTP 400 from " + httpOf("n2") + "): group 2 is "
                + "moving a replica already");

        StringWriter waiting = new StringWriter();
        StringWriter stillMoving = new StringWriter();
        scriptedAnswer = () -> CompletableFuture.completedFuture(metadata.current());
        assertThat(caucus(waiting, stillMoving, "slots", "move-replica", "--group", "2", "--from", "n1", "--to", "n4",
                "--wait-seconds", "1", "--http", httpOf("n2"))).isEqualTo(2);
        assertThat(stillMoving.toString()).isEqualTo("caucus: group 2: n1 -> n4 is still moving after 1 s: see "
                + "'caucus slots'\n");

        StringWriter unknown = new StringWriter();
        scriptedAnswer = () -> CompletableFuture.failedFuture(new OutcomeUnknownException("leadership lost"));
        assertThat(caucus(new StringWriter(), unknown, "slots", "move-replica", "--group", "3", "--from", "n1",
                "--to", "n4", "--http", httpOf("n2"))).isEqualTo(3);
        assertThat(unknown.toString()).contains("caucus: UNKNOWN (HTTP 504 from ");

        StringWriter usage = new StringWriter();
        assertThat(caucus(new StringWriter(), usage, "slots", "move-replica", "--group", "2", "--from", "n 1", "--to",
                "n4", "--http", httpOf("n1"))).isEqualTo(2);
        assertThat(usage.toString()).contains("--from: node id may hold ASCII letters, digits, '-', '_' and '.' only");
        assertThat(caucus(new StringWriter(), usage, "slots", "move-replica", "--group", "two", "--from", "n1",
                "--to", "n4", "--http", httpOf("n1"))).isEqualTo(2);
    }

    @Test
    void anyNodeRecordsAReplicaRebalanceAndADryRunOnlyPlansIt() throws Exception {
        long before = metadata.current().epoch();

        HttpResponse<String> dry = post("n2", "/slots/replicas/rebalance?dry-run=true");

        assertThat(dry.statusCode()).as(dry.body()).isEqualTo(200);
        Map<String, Object> planned = Map.of("group", 2, "from", "n1", "to", "n4", "cancelled", false);
        assertThat(AdminJson.parseObject(dry.body())).isEqualTo(Map.of("epoch", (int) before, "planned",
                List.of(planned), "recorded", false, "loads", Map.of("n1", 1, "n2", 2, "n3", 2, "n4", 1),
                "even", true, "stranded", 0));
        assertThat(metadata.current().epoch()).as("a dry run changes nothing").isEqualTo(before);

        HttpResponse<String> answer = post("n2", "/slots/replicas/rebalance");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(AdminJson.parseObject(answer.body())).containsEntry("epoch", (int) before + 1)
                .containsEntry("planned", List.of(planned)).containsEntry("recorded", true);
        assertThat(metadata.current().replicaMoves()).containsExactly(new SlotMap.ReplicaMove(2, N1, N4));

        // Group 2 moving, group 3 may not go to n4 as well: n4 would hold two while n1 holds one.
        HttpResponse<String> again = post("n1", "/slots/replicas/rebalance");
        assertThat(AdminJson.parseObject(again.body())).containsEntry("planned", List.of())
                .containsEntry("recorded", false).containsEntry("even", true);
        assertThat(metadata.current().epoch()).isEqualTo(before + 1);
    }

    @Test
    void aReplicaRebalanceAnswersTheStatusesOfAReplicaMove() throws Exception {
        SlotMap before = metadata.current();
        assertBadRequest(post("n1", "/slots/replicas/rebalance?dry-run=maybe"),
                "'dry-run' must be true or false, not 'maybe'");
        assertThat(send("n1", "GET", "/slots/replicas/rebalance").statusCode()).isEqualTo(405);

        clusterFile = List.of(N1, NodeId.of("n2"));
        assertRefused(post("n2", "/slots/replicas/rebalance"),
                "group 2 has a replica on n3, which is not a node of the cluster file");
        assertThat(metadata.current()).isEqualTo(before);

        scriptedAnswer = () -> CompletableFuture.failedFuture(new CompletionException(
                new NoLeaderException("no leader elected yet")));
        assertThat(post("n2", "/slots/replicas/rebalance").statusCode()).isEqualTo(503);
        scriptedAnswer = () -> CompletableFuture.failedFuture(new NotLeaderException(NodeId.of("n3")));
        HttpResponse<String> missed = post("n2", "/slots/replicas/rebalance");
        assertThat(missed.statusCode()).isEqualTo(503);
        assertThat(missed.body()).contains("the replica rebalance was not recorded");
        scriptedAnswer = () -> CompletableFuture.failedFuture(new OutcomeUnknownException("leadership lost"));
        HttpResponse<String> unknown = post("n2", "/slots/replicas/rebalance");
        assertThat(unknown.statusCode()).isEqualTo(504);
        assertThat(unknown.body()).contains("recording the replica rebalance failed");
    }

    @Test
    void theRebalanceCommandPrintsEachRoundAndWaitsForItsMovesUntilTheNodesAreEven() {
        // Groups 2 and 3 on n1..n3, six nodes: one replica each. A round moves a group once, so n3's share waits
        // for a second round, once group 2 has moved.
        clusterFile = List.of(N1, NodeId.of("n2"), NodeId.of("n3"), N4, NodeId.of("n5"), NodeId.of("n6"));
        readsUntilMoved.set(2);
        movesEndAfterReads = 2;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = caucus(out, err, "rebalance", "--replicas", "--http", httpOf("n2"));

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("""
                moving 2 replicas (slot map epoch 5):
                  group 2: n1 -> n4
                  group 3: n2 -> n5
                replicas per node once done: n1 1, n2 1, n3 2, n4 1, n5 1, n6 0 \
                (not even yet: planned again once these are done)
                group 2: n1 -> n4 done (1 of 2)
                group 3: n2 -> n5 done (2 of 2)
                round 2: moving 1 replica (slot map epoch 8):
                  group 2: n3 -> n6
                replicas per node once done: n1 1, n2 1, n3 1, n4 1, n5 1, n6 1
                group 2: n3 -> n6 done (1 of 1)
                no replica move needed: replicas per node n1 1, n2 1, n3 1, n4 1, n5 1, n6 1 (slot map epoch 9)
                """);
        assertThat(metadata.current().replicasOf(2)).containsExactly(N4, NodeId.of("n2"), NodeId.of("n6"));
        assertThat(metadata.current().replicasOf(3)).containsExactly(N1, NodeId.of("n5"), NodeId.of("n3"));
    }

    @Test
    void theRebalanceCommandsDryRunNoWaitTimeoutAndUsage() {
        StringWriter dry = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(caucus(dry, err, "rebalance", "--replicas", "--dry-run", "--http", httpOf("n1")))
                .as(err.toString()).isZero();
        assertThat(dry.toString()).isEqualTo("""
                would move 1 replica (slot map epoch 4):
                  group 2: n1 -> n4
                replicas per node once done: n1 1, n2 2, n3 2, n4 1
                """);
        assertThat(metadata.current().replicaMoves()).isEmpty();

        StringWriter recorded = new StringWriter();
        assertThat(caucus(recorded, err, "rebalance", "--replicas", "--no-wait", "--http", httpOf("n2")))
                .as(err.toString()).isZero();
        assertThat(recorded.toString()).startsWith("moving 1 replica (slot map epoch 5):\n");
        assertThat(metadata.current().replicaMoves()).hasSize(1);

        install(metadata.current().withReplicas(4, List.of(N1, NodeId.of("n2"))));
        StringWriter waiting = new StringWriter();
        StringWriter stillMoving = new StringWriter();
        assertThat(caucus(waiting, stillMoving, "rebalance", "--replicas", "--wait-seconds", "1", "--http",
                httpOf("n2"))).isEqualTo(2);
        assertThat(stillMoving.toString()).isEqualTo("caucus: group 3: n2 -> n4 still moving after 1 s: see "
                + "'caucus slots'\n");

        StringWriter usage = new StringWriter();
        assertThat(caucus(new StringWriter(), usage, "rebalance", "--replicas", "--threshold", "5", "--http",
                httpOf("n1"))).isEqualTo(2);
        assertThat(usage.toString()).contains("--threshold applies to slots only");
    }

    @Test
    void anyNodeRecordsARemovalThatGetSlotsListsAndADryRunOnlyChecksIt() throws Exception {
        long before = metadata.current().epoch();
        Map<String, Object> firstRound = Map.of("planned", List.of(
                        Map.of("group", 2, "from", "n3", "to", "n4", "cancelled", false),
                        Map.of("group", 3, "from", "n3", "to", "n4", "cancelled", false)),
                "loads", Map.of("n1", 2, "n2", 2, "n3", 0, "n4", 2), "even", true, "stranded", 0,
                "recorded", false, "removing", "n3");

        HttpResponse<String> dry = post("n2", "/slots/nodes/remove?node=n3&dry-run=true");

        assertThat(dry.statusCode()).as(dry.body()).isEqualTo(200);
        assertThat(AdminJson.parseObject(dry.body())).containsAllEntriesOf(firstRound).containsEntry("dryRun", true);
        assertThat(metadata.current().epoch()).as("a dry run changes nothing").isEqualTo(before);

        HttpResponse<String> answer = post("n2", "/slots/nodes/remove?node=n3");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(AdminJson.parseObject(answer.body())).containsAllEntriesOf(firstRound)
                .containsEntry("epoch", (int) before + 1).containsEntry("dryRun", false)
                .as("the metadata leader, to follow the removal at").containsEntry("askHttp", httpOf("n1"));
        assertThat(AdminJson.parseObject(post("n2", "/slots/nodes/remove?node=n1&dry-run=true").body()))
                .as("not the metadata leader when it is the one removed").containsEntry("askHttp", httpOf("n2"));
        assertThat(metadata.current().removedNodes()).containsExactly(NodeId.of("n3"));
        assertThat(metadata.current().replicaMoves()).as("the rounds record the moves").isEmpty();
        assertThat(AdminJson.parseObject(send("n1", "GET", "/slots").body()))
                .containsEntry("removedNodes", List.of("n3"));

        HttpResponse<String> again = post("n1", "/slots/nodes/remove?node=n3");
        assertThat(again.statusCode()).as("removed already: nothing more to record").isEqualTo(200);
        assertThat(metadata.current().epoch()).isEqualTo(before + 1);
    }

    @Test
    void aRemovalThatWouldStrandAReplicaOrIsBadAnswers400AndChangesNothing() throws Exception {
        SlotMap before = metadata.current();
        clusterFile = FIRST_THREE;

        assertRefused(post("n2", "/slots/nodes/remove?node=n3"), "cannot remove n3: no other node could take its "
                + "replicas of groups 2, 3 (every other node of the cluster file holds the group, left it, or is "
                + "removed): add a node first");
        assertBadRequest(post("n1", "/slots/nodes/remove"), "query parameter 'node' is missing");
        assertBadRequest(post("n1", "/slots/nodes/remove?node=n3&dry-run=maybe"),
                "'dry-run' must be true or false, not 'maybe'");
        assertThat(send("n1", "GET", "/slots/nodes/remove?node=n3").statusCode()).isEqualTo(405);
        assertThat(metadata.current()).isEqualTo(before);
    }

    @Test
    void theMetadataLeaderAloneAnswersWhoIsInTheMetadataGroup() throws Exception {
        HttpResponse<String> follower = send("n2", "GET", "/slots/nodes");
        assertThat(follower.statusCode()).isEqualTo(421);
        assertThat(AdminJson.parseObject(follower.body())).containsEntry("leader", "n1");

        HttpResponse<String> leader = send("n1", "GET", "/slots/nodes");
        assertThat(leader.statusCode()).isEqualTo(200);
        assertThat(AdminJson.parseObject(leader.body())).isEqualTo(Map.of(
                "metadataMembers", List.of("n1", "n2", "n3", "n4"), "removedNodes", List.of()));
    }

    @Test
    void theRemoveNodeCommandMovesEveryReplicaAwayThenWaitsUntilTheNodeLeavesTheMetadataGroup() {
        readsUntilMoved.set(2);
        movesEndAfterReads = 2;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = caucus(out, err, "slots", "remove-node", "n3", "--http", httpOf("n2"));

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).isEqualTo("""
                n3 is removed from the cluster: its replicas move to the other nodes, then it leaves the metadata group
                moving 2 replicas (slot map epoch 6):
                  group 2: n3 -> n4
                  group 3: n3 -> n4
                replicas per node once done: n1 2, n2 2, n3 0, n4 2
                group 2: n3 -> n4 done (1 of 2)
                group 3: n3 -> n4 done (2 of 2)
                no replica move needed: replicas per node n1 2, n2 2, n4 2 (slot map epoch 8)
                n3 holds no replica and has left the metadata group: stop it, and delete it from every node's \
                cluster file
                """);
        assertThat(metadata.current().holdsNothing(NodeId.of("n3"))).isTrue();
        assertThat(metadata.current().retiredReplicasOf(2)).containsExactly(NodeId.of("n3"));

        StringWriter again = new StringWriter();
        assertThat(caucus(again, err, "slots", "remove-node", "n3", "--http", httpOf("n1"))).as(err.toString())
                .isZero();
        assertThat(again.toString()).as("run again, it finds the work done").endsWith("""
                n3 holds no replica and has left the metadata group: stop it, and delete it from every node's \
                cluster file
                """);
    }

    @Test
    void theRemoveNodeCommandsDryRunAndRefusal() {
        StringWriter dry = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(caucus(dry, err, "slots", "remove-node", "n2", "--dry-run", "--http", httpOf("n1")))
                .as(err.toString()).isZero();
        assertThat(dry.toString()).isEqualTo("""
                n2 can be removed; the first round would be:
                would move 2 replicas (slot map epoch 5):
                  group 2: n2 -> n4
                  group 3: n2 -> n4
                replicas per node once done: n1 2, n2 0, n3 2, n4 2
                """);
        assertThat(metadata.current().removedNodes()).isEmpty();

        clusterFile = FIRST_THREE;
        StringWriter refused = new StringWriter();
        assertThat(caucus(new StringWriter(), refused, "slots", "remove-node", "n2", "--http", httpOf("n1")))
                .isEqualTo(1);
        assertThat(refused.toString()).contains("cannot remove n2: no other node could take its replicas of groups "
                + "2, 3");
    }
}
