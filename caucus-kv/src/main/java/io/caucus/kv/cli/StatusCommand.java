package io.caucus.kv.cli;

import io.caucus.kv.admin.StatusClient;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.kv.config.HostPort;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code caucus status --config FILE}: every node's state, one row each, with how far each lags behind the leader
 * and whether it is healthy; exits 1 unless every node answers and is healthy, so scripts can check a cluster.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = {"Show every node's state as a table.",
        "LAG is how many entries the leader holds that the node has not (as the leader last heard); HEALTH is ok when "
                + "the node knows a leader and has applied all it knows committed (as GET /health). Exit code 0 when "
                + "every node answers and is ok, 1 otherwise."})
final class StatusCommand implements Callable<Integer> {

    static final String FORMAT = "%-10s %-14s %-8s %-6s %-8s %-8s %-8s %-8s %-6s %-9s %s%n";

    @Option(names = "--config", required = true, description = "The cluster's YAML file.")
    Path config;

    @Mixin
    AdminCredentials credentials = new AdminCredentials();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ClusterConfig cluster = ConfigLoader.load(config);
        PrintWriter out = spec.commandLine().getOut();
        boolean allHealthy = printTable(cluster, new StatusClient(credentials.connection(cluster)), out);
        out.flush();
        return allHealthy ? 0 : 1;
    }

    /** Prints the table; answers whether every node answered and is healthy. */
    static boolean printTable(ClusterConfig cluster, StatusClient client, PrintWriter out) {
        Map<ClusterConfig.Node, Optional<Map<String, Object>>> statuses = new LinkedHashMap<>();
        cluster.nodes().forEach(node -> statuses.put(node, client.fetch(node.http())));
        Optional<Map<String, Object>> leader = leaderOf(statuses.values());
        out.printf(FORMAT, "ID", "ROLE", "PART", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "LAG", "HEALTH",
                "CLIENT");
        boolean allHealthy = true;
        for (var entry : statuses.entrySet()) {
            ClusterConfig.Node node = entry.getKey();
            String clientAddress = HostPort.format(node.client());
            if (entry.getValue().isEmpty()) {
                out.printf(FORMAT, node.id(), "unreachable", "-", "-", "-", "-", "-", "-", "-", "down", clientAddress);
                allHealthy = false;
                continue;
            }
            Map<String, Object> s = entry.getValue().get();
            boolean healthy = s.get("leader") != null && number(s, "applied") >= number(s, "commit");
            allHealthy &= healthy;
            // PART: voter, learner, or none (not added yet, or removed from the cluster).
            out.printf(FORMAT, node.id(), s.get("role"), s.getOrDefault("part", "-"), s.get("term"),
                    s.get("leader") == null ? "-" : s.get("leader"), s.get("commit"), s.get("applied"),
                    s.get("lastIndex"), lag(leader, node.id().value()), healthy ? "ok" : "unhealthy", clientAddress);
        }
        return allHealthy;
    }

    /** The status of the node that leads in the highest term any answer reports (a deposed leader may not know). */
    private static Optional<Map<String, Object>> leaderOf(Iterable<Optional<Map<String, Object>>> statuses) {
        Map<String, Object> leader = null;
        for (Optional<Map<String, Object>> status : statuses) {
            if (status.isPresent() && "leader".equals(status.get().get("role"))
                    && (leader == null || number(status.get(), "term") > number(leader, "term"))) {
                leader = status.get();
            }
        }
        return Optional.ofNullable(leader);
    }

    /** Entries the leader has that {@code id} is not known to hold: 0 for the leader itself, "-" if unknown. */
    @SuppressWarnings("unchecked")
    private static String lag(Optional<Map<String, Object>> leader, String id) {
        if (leader.isEmpty()) {
            return "-";
        }
        long last = number(leader.get(), "lastIndex");
        if (id.equals(leader.get().get("id"))) {
            return "0";
        }
        Object followers = leader.get().get("followers");
        if (!(followers instanceof Map<?, ?> map) || !(map.get(id) instanceof Map<?, ?> follower)) {
            return "-";
        }
        return Long.toString(Math.max(0, last - number((Map<String, Object>) follower, "match")));
    }

    private static long number(Map<String, Object> fields, String name) {
        return fields.get(name) instanceof Number n ? n.longValue() : -1;
    }
}
