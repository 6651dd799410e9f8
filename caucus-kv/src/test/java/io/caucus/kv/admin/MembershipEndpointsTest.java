package io.caucus.kv.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.FakeNode;
import io.caucus.kv.cli.Main;
import io.caucus.kv.cluster.ClusterDirectory;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.server.HostPort;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.server.Membership;
import io.caucus.server.MembershipException;
import io.caucus.server.MembershipException.Reason;
import io.caucus.server.NotLeaderException;
import io.caucus.server.OutcomeUnknownException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The membership endpoints on real admin HTTP servers over scripted nodes: n1 leads, n2 follows it, so a
 * request to n2 is forwarded to n1. Checks every error's HTTP status and code, and the CLI's output.
 */
class MembershipEndpointsTest {

    private final FakeNode n1 = new FakeNode("n1");
    private final FakeNode n2 = new FakeNode("n2");
    private final ClusterConfig config;
    private final List<AdminHttpServer> servers = new ArrayList<>();
    private final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    MembershipEndpointsTest() throws IOException {
        List<Integer> ports = LoopbackPorts.reserve(9);
        StringBuilder yaml = new StringBuilder("nodes:\n");
        for (int i = 0; i < 3; i++) {
            yaml.append("  - {id: n").append(i + 1).append(", raft: 127.0.0.1:").append(ports.get(3 * i))
                    .append(", client: 127.0.0.1:").append(ports.get(3 * i + 1)).append(", http: 127.0.0.1:")
                    .append(ports.get(3 * i + 2)).append("}\n");
        }
        config = ConfigLoader.parse(Path.of("test.yaml"), yaml.toString());
        n2.leader = NodeId.of("n1");
        for (FakeNode node : List.of(n1, n2)) {
            ClusterConfig.Node self = config.node(node.id());
            servers.add(new AdminHttpServer(self.http(), node::status, new KvMetrics(),
                    new MembershipEndpoints(node, new ClusterDirectory(config), Duration.ofSeconds(2)), null,
                    () -> null, null, AdminGuard.OPEN, null));
        }
    }

    @AfterEach
    void stop() {
        servers.forEach(AdminHttpServer::close);
    }

    private HttpResponse<String> send(String node, String method, String path, String body) throws Exception {
        int port = config.node(node).http().getPort();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void answerOn(FakeNode node, java.util.function.Supplier<CompletableFuture<Membership>> answer) {
        node.membershipAnswer = (operation, id) -> {
            calls.add(node.id() + ": " + operation + " " + id);
            return answer.get();
        };
    }

    private static Membership withLearner(String learner) {
        ClusterConfiguration configuration = new ClusterConfiguration(Set.of(NodeId.of("n1"), NodeId.of("n2")),
                Set.of(), Set.of(NodeId.of(learner)));
        return new Membership(NodeId.of("n1"), NodeId.of("n1"), 3, configuration, List.of(
                new Membership.Member(NodeId.of("n1"), Membership.Part.VOTER, 10, true,
                        Optional.of(new InetSocketAddress("127.0.0.1", 7001))),
                new Membership.Member(NodeId.of("n2"), Membership.Part.VOTER, 9, true, Optional.empty()),
                new Membership.Member(NodeId.of(learner), Membership.Part.LEARNER, 4, false, Optional.empty())));
    }

    @Test
    void aChangeSentToAFollowerIsForwardedToTheLeaderAndAnswersTheNewMembership() throws Exception {
        answerOn(n1, () -> CompletableFuture.completedFuture(withLearner("n3")));

        HttpResponse<String> added = send("n2", "POST", "/members", "{\"id\": \"n3\"}");

        assertThat(added.statusCode()).isEqualTo(200);
        assertThat(added.body()).contains("\"learners\":[\"n3\"]").contains("\"part\":\"learner\"")
                .contains("\"raft\":\"127.0.0.1:7001\"");
        // The addresses came from the cluster file, and the leader (n1) carried the change out.
        assertThat(calls).containsExactly("n1: addLearner " + ports("n3") + " n3");

        // Each request carries its own body, also when forwarded (no state shared between requests).
        assertThat(send("n2", "POST", "/members", "{\"id\": \"n9\", \"raft\": \"127.0.0.1:7009\"}").statusCode())
                .isEqualTo(200);
        assertThat(calls).last().isEqualTo("n1: addLearner 7009 n9");
    }

    @Test
    void refusalsMapToTheirHttpStatusAndCode() throws Exception {
        answerOn(n1, () -> CompletableFuture.failedFuture(new MembershipException(Reason.CHANGE_IN_PROGRESS, NodeId.of("n3"), "one at a time")));
        assertError(send("n1", "POST", "/members/n3/promote", ""), 409, "CHANGE_IN_PROGRESS");
        answerOn(n1, () -> refused(Reason.LEARNER_BEHIND, "n3", "behind"));
        assertError(send("n1", "POST", "/members/n3/promote", ""), 409, "LEARNER_BEHIND");
        answerOn(n1, () -> refused(Reason.ADDRESS_UNKNOWN, "n3", "no address"));
        assertError(send("n1", "POST", "/members/n3/promote", ""), 409, "ADDRESS_UNKNOWN");
        answerOn(n1, () -> refused(Reason.ALREADY_MEMBER, "n2", "already"));
        assertError(send("n1", "POST", "/members/n2/promote", ""), 409, "ALREADY_MEMBER");
        answerOn(n1, () -> refused(Reason.LAST_VOTER, "n1", "last"));
        assertError(send("n1", "DELETE", "/members/n1", ""), 409, "LAST_VOTER");
        answerOn(n1, () -> refused(Reason.UNKNOWN_MEMBER, "n7", "who?"));
        assertError(send("n1", "DELETE", "/members/n7", ""), 404, "UNKNOWN_MEMBER");
        answerOn(n1, () -> CompletableFuture.failedFuture(new MembershipException(Reason.TRANSFER_FAILED,
                NodeId.of("n2"), NodeId.of("n1"), "went elsewhere")));
        HttpResponse<String> elsewhere = send("n1", "POST", "/leader/transfer?to=n2", "");
        assertError(elsewhere, 409, "TRANSFER_FAILED");
        assertThat(elsewhere.body()).contains("\"leader\":\"n1\"");
        answerOn(n1, () -> CompletableFuture.failedFuture(new OutcomeUnknownException("timed out")));
        assertError(send("n1", "POST", "/leader/transfer?to=n2", ""), 504, "UNKNOWN");
        answerOn(n1, () -> new CompletableFuture<>()); // never completes: the endpoint's own wait ends it
        assertError(send("n1", "DELETE", "/members/n3", ""), 504, "UNKNOWN");

        // A forwarded request that reaches a node that no longer leads is answered, not forwarded again.
        answerOn(n2, () -> CompletableFuture.failedFuture(new NotLeaderException(NodeId.of("n1"))));
        HttpResponse<String> misdirected = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + config.node("n2").http().getPort() + "/members/n3"))
                .header(MembershipEndpoints.FORWARDED_HEADER, "n3").DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(misdirected, 421, "NOTLEADER");
        assertThat(misdirected.body()).contains("\"leader\":\"n1\"")
                .contains("\"leaderHttp\":\"" + HostPort.format(config.node("n1").http()) + "\"");
    }

    @Test
    void badRequestsNameWhatIsWrongAndChangeNothing() throws Exception {
        answerOn(n1, () -> CompletableFuture.completedFuture(withLearner("n3")));
        assertError(send("n1", "POST", "/members", "{\"id\": \"n9\"}"), 400, "BAD_REQUEST");
        assertThat(send("n1", "POST", "/members", "{\"id\": \"n9\"}").body()).contains("no raft address for n9");
        assertError(send("n1", "POST", "/members", "{\"id\": \"bad id!\"}"), 400, "BAD_REQUEST");
        assertError(send("n1", "POST", "/members", "{\"id\": \"n9\", \"raft\": \"nowhere\"}"), 400, "BAD_REQUEST");
        assertError(send("n1", "POST", "/members", "[1, 2]"), 400, "BAD_REQUEST");
        assertError(send("n1", "PUT", "/members/n3", ""), 405, "BAD_REQUEST");
        assertError(send("n1", "POST", "/leader/transfer", ""), 400, "BAD_REQUEST");
        assertThat(calls).isEmpty();
    }

    @Test
    void listAnswersTheLeadersViewEvenThroughAFollower() throws Exception {
        HttpResponse<String> list = send("n2", "GET", "/members", "");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"reportedBy\":\"n1\"").contains("\"voters\":[\"n1\"]");
    }

    @Test
    void theCliPrintsTheMembershipOrTheErrorWithItsExitCode() {
        answerOn(n1, () -> CompletableFuture.completedFuture(withLearner("n3")));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String n2Http = HostPort.format(config.node("n2").http());
        int code = run(out, err, "member", "add", "n3", "--raft", "127.0.0.1:7003", "--http", n2Http);
        assertThat(code).isZero();
        assertThat(out.toString()).contains("leader n1, term 3").containsPattern("n3\\s+learner\\s+4\\s+no");
        assertThat(calls).containsExactly("n1: addLearner 7003 " + port(config.node("n3").client()) + " "
                + port(config.node("n3").http()) + " n3");

        answerOn(n1, () -> CompletableFuture.failedFuture(new MembershipException(Reason.CHANGE_IN_PROGRESS, NodeId.of("n3"), "one at a time")));
        code = run(out, err, "leader", "transfer", "--to", "n2", "--http", n2Http);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("caucus: CHANGE_IN_PROGRESS (HTTP 409").contains("one at a time");
    }

    @Test
    void changeAddressKeepsWhatTheBodyOmitsAsTheLogHasIt() throws Exception {
        answerOn(n1, () -> CompletableFuture.completedFuture(withLearner("n3")));
        n1.otherMembers = List.of(new Membership.Member(NodeId.of("n3"), Membership.Part.LEARNER, 4, false,
                Optional.of(new InetSocketAddress("127.0.0.1", 7003)), Optional.of(new InetSocketAddress("127.0.0.1",
                6003)), Optional.of(new InetSocketAddress("127.0.0.1", 8003))));

        HttpResponse<String> changed = send("n2", "POST", "/members/n3/addresses", "{\"raft\": \"127.0.0.1:7103\"}");

        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(calls).containsExactly("n1: changeAddresses 7103 6003 8003 n3");
        assertError(send("n1", "POST", "/members/n3/addresses", "{\"client\": \"nowhere\"}"), 400, "BAD_REQUEST");
        answerOn(n1, () -> refused(Reason.UNKNOWN_MEMBER, "n7", "who?"));
        assertError(send("n1", "POST", "/members/n7/addresses", "{\"raft\": \"127.0.0.1:7107\"}"), 404,
                "UNKNOWN_MEMBER");
    }

    @Test
    void theCliChangesAnAddressWithTheOptionsGivenAndTheRestAsTheLogHasIt() {
        answerOn(n1, () -> CompletableFuture.completedFuture(withLearner("n3")));
        n1.otherMembers = List.of(new Membership.Member(NodeId.of("n3"), Membership.Part.LEARNER, 4, false,
                Optional.empty(), Optional.of(new InetSocketAddress("127.0.0.1", 6003)), Optional.empty()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(out, err, "member", "change-address", "n3", "--raft", "127.0.0.1:7103", "--admin",
                "127.0.0.1:8103", "--http", HostPort.format(config.node("n2").http()));
        assertThat(code).as(err.toString()).isZero();
        assertThat(calls).containsExactly("n1: changeAddresses 7103 6003 8103 n3");
        assertThat(out.toString()).contains("CLIENT").contains("ADMIN");
    }

    @Test
    void aFollowerForwardsToTheLeadersAdminAddressFromTheLogWhenTheFileLacksTheLeader() throws Exception {
        answerOn(n1, () -> CompletableFuture.completedFuture(withLearner("n3")));
        n2.leader = NodeId.of("n7"); // added after the file was written: only the log knows where it is
        assertError(send("n2", "POST", "/members/n3/promote", ""), 503, "NOLEADER");
        assertThat(calls).isEmpty();

        n2.loggedAdminAddresses.put(NodeId.of("n7"), config.node("n1").http()); // n1's server stands in for n7
        HttpResponse<String> promoted = send("n2", "POST", "/members/n3/promote", "");
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        assertThat(calls).containsExactly("n1: promote n3");
    }

    @Test
    void statusAsksAMemberTheFileLacksAtTheAdminAddressTheLogGives(@org.junit.jupiter.api.io.TempDir Path directory)
            throws Exception {
        Path file = directory.resolve("cluster.yaml");
        ClusterConfig.Node only = config.node("n1");
        java.nio.file.Files.writeString(file, "nodes:\n  - {id: n1, raft: " + HostPort.format(only.raft())
                + ", client: " + HostPort.format(only.client()) + ", http: " + HostPort.format(only.http()) + "}\n");
        n1.otherMembers = List.of(new Membership.Member(NodeId.of("n4"), Membership.Part.LEARNER, -1, false,
                Optional.empty(), Optional.of(new InetSocketAddress("127.0.0.1", 6004)),
                Optional.of(config.node("n2").http()))); // n2's server stands in for n4

        StringWriter out = new StringWriter();
        run(out, new StringWriter(), "status", "--config", file.toString());

        assertThat(out.toString()).containsPattern("n4\\s+follower\\s").contains("127.0.0.1:6004");
    }

    private static String port(InetSocketAddress address) {
        return Integer.toString(address.getPort());
    }

    /** The Raft, client and admin ports of {@code node}'s entry in the file, as FakeNode records a change. */
    private String ports(String node) {
        ClusterConfig.Node listed = config.node(node);
        return port(listed.raft()) + " " + port(listed.client()) + " " + port(listed.http());
    }

    private static CompletableFuture<Membership> refused(Reason reason, String node, String message) {
        return CompletableFuture.failedFuture(new MembershipException(reason, NodeId.of(node), message));
    }

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private static void assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.body()).contains("\"error\":\"" + code + "\"");
    }
}
