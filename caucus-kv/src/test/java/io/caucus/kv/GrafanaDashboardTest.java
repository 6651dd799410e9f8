package io.caucus.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caucus.core.NodeId;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/grafana/caucus-dashboard.json against what a real node serves: the JSON parses as a dashboard, and every
 * metric its panels and variables query is one that a running node's {@code GET /metrics} declares.
 */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "caucus-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\bcaucus_[a-z_]+");
    private static final Pattern DECLARED = Pattern.compile("(?m)^# TYPE (caucus_[a-z_]+) (gauge|counter|histogram)$");

    @Test
    void everyQueriedMetricIsOneARealNodeServes(@TempDir Path data) throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Set<String> queried = queriedMetrics(dashboard);
        assertThat(queried).as("metrics the dashboard queries").contains("caucus_is_leader", "caucus_term",
                "caucus_commit_index", "caucus_applied_index", "caucus_follower_lag_entries",
                "caucus_requests_total", "caucus_log_sync_duration_seconds_bucket", "caucus_snapshots_taken_total",
                "caucus_snapshots_installed_total");

        Set<String> served = servedMetrics(metricsOfARealNode(data));
        for (String metric : queried) {
            assertThat(served).as("%s, queried by the dashboard", metric).contains(withoutHistogramSuffix(metric));
        }
    }

    @Test
    void everyPanelHasATitleAPlaceAndAQuery() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertThat(dashboard.get("uid").asText()).isEqualTo("caucus-cluster");
        assertThat(dashboard.get("panels")).isNotEmpty();
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("title").asText()).isNotBlank();
            assertThat(ids.add(panel.get("id").asInt())).as("unique id of %s", panel.get("title")).isTrue();
            assertThat(panel.get("gridPos").get("w").asInt()).as("width of %s", panel.get("title")).isBetween(1, 24);
            assertThat(panel.get("targets")).as("queries of %s", panel.get("title")).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                assertThat(target.get("expr").asText()).contains("caucus_");
            }
        }
    }

    private static Set<String> queriedMetrics(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        dashboard.get("panels").forEach(panel -> panel.get("targets")
                .forEach(target -> queries.add(target.get("expr").asText())));
        dashboard.get("templating").get("list").forEach(variable -> {
            if (variable.has("definition")) {
                queries.add(variable.get("definition").asText());
            }
        });
        Set<String> metrics = new TreeSet<>();
        for (String query : queries) {
            Matcher matcher = METRIC.matcher(query);
            while (matcher.find()) {
                metrics.add(matcher.group());
            }
        }
        return metrics;
    }

    private static Set<String> servedMetrics(String exposition) {
        Set<String> declared = new TreeSet<>();
        Matcher matcher = DECLARED.matcher(exposition);
        while (matcher.find()) {
            declared.add(matcher.group(1));
        }
        return declared;
    }

    /** A histogram's series are its name plus _bucket, _sum and _count; the TYPE line names the histogram. */
    private static String withoutHistogramSuffix(String metric) {
        return metric.replaceFirst("_(bucket|sum|count)$", "");
    }

    /** Starts a one-node cluster in this JVM (the real runtime, storage and admin port) and reads /metrics. */
    private static String metricsOfARealNode(Path data) throws Exception {
        ClusterConfig config = oneNodeOnFreePorts();
        try (KvServer server = KvServer.start(config, NodeId.of("n1"), data)) {
            InetSocketAddress admin = config.node("n1").http();
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + admin.getPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        }
    }

    /** A one-node cluster file on free loopback ports. */
    static ClusterConfig oneNodeOnFreePorts() throws IOException {
        List<Integer> ports = LoopbackPorts.reserve(3);
        return ConfigLoader.parse(Path.of("test.yaml"), "nodes:\n  - {id: n1, raft: 127.0.0.1:" + ports.get(0)
                + ", client: 127.0.0.1:" + ports.get(1) + ", http: 127.0.0.1:" + ports.get(2) + "}\n");
    }
}
