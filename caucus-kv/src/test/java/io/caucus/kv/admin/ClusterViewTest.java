package io.caucus.kv.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.FakeNode;
import io.caucus.kv.cluster.ClusterDirectory;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.server.HostPort;
import io.caucus.kv.protocol.KvMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster view's endpoints on real admin HTTP servers: n1 and n2 run over scripted nodes, n3 is listed in the
 * cluster file but nothing listens on its admin port, so it must be reported down rather than left out or frozen.
 */
class ClusterViewTest {

    private final FakeNode n1 = new FakeNode("n1");
    private final FakeNode n2 = new FakeNode("n2");
    private final ClusterConfig config;
    private final List<AdminHttpServer> servers = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    ClusterViewTest() throws IOException {
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
            KvMetrics metrics = new KvMetrics();
            metrics.record("SET", "write", 1_000_000, null);
            servers.add(new AdminHttpServer(config.node(node.id()).http(), node::status, metrics, null, null,
                    () -> null, null, AdminGuard.OPEN, new ClusterView(node::status, metrics, node::adminAddress,
                    new ClusterDirectory(config), null)));
        }
    }

    @AfterEach
    void close() {
        servers.forEach(AdminHttpServer::close);
    }

    private HttpResponse<String> get(String node, String path) throws Exception {
        URI uri = URI.create("http://" + HostPort.format(config.node(node).http()) + path);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void reportsEveryMemberWithItsOwnAnswerAndAMemberThatDoesNotAnswerAsDown() throws Exception {
        HttpResponse<String> response = get("n2", "/view/cluster");

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> cluster = AdminJson.parseObject(response.body());
        assertThat(cluster).containsEntry("servedBy", "n2");
        List<Map<String, Object>> members = (List<Map<String, Object>>) cluster.get("members");
        assertThat(members).extracting(m -> m.get("id")).containsExactly("n2", "n1", "n3");
        Map<String, Object> n1View = (Map<String, Object>) members.get(1).get("view");
        assertThat(members.get(1)).containsEntry("up", true);
        assertThat(n1View).containsEntry("id", "n1").containsEntry("role", "leader").containsEntry("writes", 1)
                .containsEntry("snapshotsTaken", 0).containsEntry("snapshotsInstalled", 0);
        assertThat((Map<String, Object>) members.get(0).get("view")).containsEntry("role", "follower")
                .containsEntry("leader", "n1");
        assertThat(members.get(2)).containsEntry("up", false).containsEntry("view", null);
        assertThat((String) members.get(2).get("error")).startsWith("no answer");
    }

    @Test
    void servesThePageAtTheRootAndNothingElseThere() throws Exception {
        HttpResponse<String> page = get("n1", "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>Caucus cluster</title>").contains("/view/cluster");

        HttpResponse<String> unknown = get("n1", "/no-such-page");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("/view/cluster");
    }

    @Test
    void refusesAnythingButGet() throws Exception {
        URI uri = URI.create("http://" + HostPort.format(config.node("n1").http()) + "/view/node");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(405);
    }

    @Test
    @SuppressWarnings("unchecked")
    void asksAMemberAtTheAdminAddressTheLogGivesBeforeTheFilesOne() throws Exception {
        n2.loggedAdminAddresses.put(NodeId.of("n3"), config.node("n1").http()); // n1's server stands in for n3

        Map<String, Object> cluster = AdminJson.parseObject(get("n2", "/view/cluster").body());

        Map<String, Object> n3 = ((List<Map<String, Object>>) cluster.get("members")).get(2);
        assertThat(n3).containsEntry("id", "n3").containsEntry("up", true)
                .containsEntry("admin", HostPort.format(config.node("n1").http()));
    }
}
