package io.caucus.kv.cli;

import io.caucus.kv.admin.StatusClient;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.server.HostPort;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
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
 * and whether it is healthy; exits 1 unless every node answers and is healthy, so scripts can check a cluster. The
 * rows are the file's nodes and every member the log names; each node is asked at the admin address the log gives
 * (a member added or moved since the file was written), else at the file's.
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

    /** One row: a node, and where its admin port and clients reach it. */
    private record Row(String id, InetSocketAddress admin, InetSocketAddress client) {
    }

    /** Prints the table; answers whether every node answered and is healthy. */
    static boolean printTable(ClusterConfig cluster, StatusClient client, PrintWriter out) {
        Map<Row, Optional<Map<String, Object>>> statuses = new LinkedHashMap<>();
        rows(cluster, client).forEach(row -> statuses.put(row,
                row.admin() == null ? Optional.empty() : client.fetch(row.admin())));
        Optional<Map<String, Object>> leader = leaderOf(statuses.values());
        out.printf(FORMAT, "ID", "ROLE", "PART", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "LAG", "HEALTH",
                "CLIENT");
        boolean allHealthy = true;
        for (var entry : statuses.entrySet()) {
            Row node = entry.getKey();
            String clientAddress = node.client() == null ? "-" : HostPort.format(node.client());
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
                    s.get("lastIndex"), lag(leader, node.id()), healthy ? "ok" : "unhealthy", clientAddress);
        }
        return allHealthy;
    }

    /**
     * Every node of the file, then every member the file lacks; each with the addresses the log gives (as the first
     * node of the file that answers {@code /members} reports them), else the file's.
     */
    private static java.util.List<Row> rows(ClusterConfig cluster, StatusClient client) {
        Map<String, Map<?, ?>> logged = new LinkedHashMap<>();
        for (ClusterConfig.Node node : cluster.nodes()) {
            Optional<Map<String, Object>> membership = client.fetch(node.http(), "/members");
            if (membership.isPresent() && membership.get().get("members") instanceof java.util.List<?> members) {
                members.stream().filter(Map.class::isInstance).map(Map.class::cast)
                        .forEach(member -> logged.put(String.valueOf(member.get("id")), member));
                break;
            }
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        for (ClusterConfig.Node node : cluster.nodes()) {
            Map<?, ?> member = logged.getOrDefault(node.id().value(), Map.of());
            rows.put(node.id().value(), new Row(node.id().value(), address(member, "admin").orElse(node.http()),
                    address(member, "client").orElse(node.client())));
        }
        logged.forEach((id, member) -> rows.putIfAbsent(id, new Row(id, address(member, "admin").orElse(null),
                address(member, "client").orElse(null))));
        return java.util.List.copyOf(rows.values());
    }

    private static Optional<InetSocketAddress> address(Map<?, ?> member, String kind) {
        if (!(member.get(kind) instanceof String text)) {
            return Optional.empty();
        }
        try {
            return Optional.of(HostPort.parseAcceptingLateNames(text));
        } catch (RuntimeException e) {
            return Optional.empty(); // an address this tool cannot read: the file's, if any
        }
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
