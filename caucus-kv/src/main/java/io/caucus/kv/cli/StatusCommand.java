package io.caucus.kv.cli;

import io.caucus.kv.admin.StatusClient;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.kv.config.HostPort;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code caucus status --config FILE}: every node's state, one row each. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show every node's state as a table.")
final class StatusCommand implements Callable<Integer> {

    static final String FORMAT = "%-10s %-14s %-8s %-6s %-8s %-8s %-8s %-8s %s%n";

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
        printTable(cluster, new StatusClient(credentials.connection(cluster)), out);
        out.flush();
        return 0;
    }

    static void printTable(ClusterConfig cluster, StatusClient client, PrintWriter out) {
        out.printf(FORMAT, "ID", "ROLE", "PART", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "CLIENT");
        for (ClusterConfig.Node node : cluster.nodes()) {
            Optional<Map<String, Object>> status = client.fetch(node.http());
            String clientAddress = HostPort.format(node.client());
            if (status.isEmpty()) {
                out.printf(FORMAT, node.id(), "unreachable", "-", "-", "-", "-", "-", "-", clientAddress);
            } else {
                Map<String, Object> s = status.get();
                // PART: voter, learner, or none (not added yet, or removed from the cluster).
                out.printf(FORMAT, node.id(), s.get("role"), s.getOrDefault("part", "-"), s.get("term"),
                        s.get("leader") == null ? "-"
                        : s.get("leader"), s.get("commit"), s.get("applied"), s.get("lastIndex"), clientAddress);
            }
        }
    }
}
