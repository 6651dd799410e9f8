package io.caucus.kv.cli;

import io.caucus.kv.admin.AdminClient;
import io.caucus.kv.admin.AdminConnection;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every admin subcommand takes: which node(s) to ask. */
final class AdminTarget {

    @Option(names = "--config", description = "The cluster's YAML file: ask its nodes in turn.")
    Path config;

    @Option(names = "--http", description = "One node's admin address (host:port) to ask instead.")
    String http;

    @Option(names = "--timeout-seconds", defaultValue = "0",
            description = "How long to wait for an answer (default: the cluster's requestTimeoutMillis + 5 s, "
                    + "or 30 s with --http only).")
    long timeoutSeconds;

    @Mixin
    AdminCredentials credentials = new AdminCredentials();

    ClusterConfig cluster() {
        return config == null ? null : ConfigLoader.load(config);
    }

    /** A client that asks the nodes in turn until one answers (see {@link AdminClient}). */
    AdminClient client() {
        return new AdminClient(nodes(), timeout(), connection());
    }

    /** HTTPS and credentials from the options (and the --config file's tls.admin). */
    AdminConnection connection() {
        return credentials.connection(config == null ? null : cluster());
    }

    /** Every node to ask: the one --http names, or each node of the --config file. */
    List<InetSocketAddress> nodes() {
        if (config == null && http == null) {
            throw new IllegalArgumentException("give --config FILE or --http HOST:PORT");
        }
        return http != null
                ? List.of(ConfigLoader.address("--http:", Map.of("http", http), "http"))
                : cluster().nodes().stream().map(ClusterConfig.Node::http).toList();
    }

    /** Prints an admin request's error reply; returns the exit code (3 when the outcome is unknown, else 1). */
    static int failed(picocli.CommandLine.Model.CommandSpec spec, AdminClient.Reply reply) {
        java.io.PrintWriter err = spec.commandLine().getErr();
        err.println("caucus: " + reply.error() + " (HTTP " + reply.status() + " from " + reply.from() + "): "
                + reply.message());
        err.flush();
        return reply.error().equals("UNKNOWN") ? 3 : 1;
    }

    Duration timeout() {
        ClusterConfig cluster = http == null ? cluster() : null;
        return timeoutSeconds > 0 ? Duration.ofSeconds(timeoutSeconds)
                : cluster != null ? cluster.tunables().requestTimeout().plusSeconds(5) : Duration.ofSeconds(30);
    }
}
