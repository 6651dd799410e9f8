package io.caucus.kv.cli;

import io.caucus.kv.admin.StatusClient;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigException;
import io.caucus.kv.config.ConfigLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code caucus demo}: a 3-node cluster on this machine, each node a child JVM running {@code caucus server},
 * with a live line whenever leadership or a node's reachability changes. Ctrl-C stops the children.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a local 3-node cluster (child processes) and watch who leads.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", defaultValue = "demo-data", description = "Where the cluster file, data and logs go "
            + "(default: ${DEFAULT-VALUE}).")
    Path directory;

    @Option(names = "--base-port", defaultValue = "6381",
            description = "Redis ports are base..base+2; admin http base+1700.., raft base+700.. (default: "
                    + "${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--tls", description = "TLS on every port (mutual TLS between nodes, HTTPS admin), with a"
            + " throwaway CA and certificates made in <dir>/tls on the first run.")
    boolean tls;

    @Option(names = "--shards", defaultValue = "0", description = "Split the key space among this many Raft groups"
            + " (a sharded cluster, spoken to as Redis Cluster: redis-cli -c); its data goes to demo-shards unless"
            + " --dir says otherwise (default: one group).")
    int shards;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (shards > 0 && !spec.commandLine().getParseResult().hasMatchedOption("--dir")) {
            directory = Path.of("demo-shards"); // a one-group demo's data cannot become a sharded cluster's
        }
        Files.createDirectories(directory);
        Path clusterFile = directory.resolve("cluster.yaml");
        String yaml = clusterYaml(basePort, directory.resolve("data"), shards);
        refuseOtherPortsForExistingData(clusterFile, yaml);
        if (tls) {
            DemoCertificates.ensure(directory.resolve(DemoCertificates.DIRECTORY), List.of("n1", "n2", "n3"));
            yaml += DemoCertificates.TLS_YAML;
        }
        Files.writeString(clusterFile, yaml);
        ClusterConfig cluster = ConfigLoader.load(clusterFile);
        ChildProcesses children = new ChildProcesses();
        Runtime.getRuntime().addShutdownHook(new Thread(children::stopAll, "caucus-demo-stop"));
        for (ClusterConfig.Node node : cluster.nodes()) {
            children.start(node.id().value(), List.of("server", "--config", clusterFile.toString(),
                    "--id", node.id().value()), directory.resolve(node.id() + ".log"));
        }
        printWelcome(out, cluster, clusterFile, tls ? directory.resolve(DemoCertificates.DIRECTORY) : null);
        watch(out, cluster, children, new StatusClient(new AdminCredentials().connection(cluster)));
        return 0;
    }

    /**
     * A demo run again on its data keeps the members' addresses its log recorded (the cluster file only bootstraps),
     * so other ports would leave every node dialling the old ones and no leader elected: refused, saying why.
     */
    private void refuseOtherPortsForExistingData(Path clusterFile, String yaml) {
        if (!Files.exists(clusterFile) || !Files.isDirectory(directory.resolve("data"))) {
            return;
        }
        ClusterConfig before;
        try {
            before = ConfigLoader.load(clusterFile);
        } catch (ConfigException unreadable) {
            return; // not a demo's file any more: written anew below
        }
        if (!before.raftAddresses().equals(ConfigLoader.parse(clusterFile, yaml).raftAddresses())) {
            throw new ConfigException(directory + " holds a demo cluster started with other ports ("
                    + clusterFile + "), and its members keep the addresses their log recorded: run again"
                    + " with the same --base-port, or remove " + directory + " to start afresh");
        }
    }

    static String clusterYaml(int basePort, Path dataDirectory, int shards) {
        // The node list comes last, so that a node can be added by appending its entry (docs/operations.md).
        StringBuilder yaml = new StringBuilder("# Written by `caucus demo`: three nodes on loopback.\n")
                .append("dataDirectory: ").append(dataDirectory).append('\n');
        if (shards > 0) {
            yaml.append("shards: ").append(shards).append('\n');
        }
        yaml.append("nodes:\n");
        for (int i = 0; i < 3; i++) {
            yaml.append("  - id: n").append(i + 1).append('\n')
                    .append("    raft: 127.0.0.1:").append(basePort + 700 + i).append('\n')
                    .append("    client: 127.0.0.1:").append(basePort + i).append('\n')
                    .append("    http: 127.0.0.1:").append(basePort + 1700 + i).append('\n');
        }
        return yaml.toString();
    }

    private static void printWelcome(PrintWriter out, ClusterConfig cluster, Path clusterFile, Path tlsDirectory) {
        out.println("Started a 3-node Caucus cluster (config: " + clusterFile + ", logs next to it)"
                + (tlsDirectory == null ? "." : ", TLS on every port (certificates in " + tlsDirectory + ")."));
        String redisCli = tlsDirectory == null ? "redis-cli"
                : "redis-cli --tls --cacert " + tlsDirectory.resolve("ca.pem");
        String curl = tlsDirectory == null ? "curl http" : "curl --cacert " + tlsDirectory.resolve("ca.pem") + " https";
        for (ClusterConfig.Node node : cluster.nodes()) {
            out.printf("  %s  %s -p %d    status: %s://127.0.0.1:%d/status%n", node.id(), redisCli,
                    node.client().getPort(), curl, node.http().getPort());
        }
        if (!cluster.sharding().enabled()) { // the cluster view shows one group
            out.printf("Watch the cluster in a browser: http://127.0.0.1:%d/%n",
                    cluster.nodes().getFirst().http().getPort());
        }
        int port = cluster.nodes().getFirst().client().getPort();
        if (cluster.sharding().enabled()) {
            out.println(cluster.sharding().shards() + " Raft groups share the key space; a node redirects (MOVED) to "
                    + "the leader of a key's group. Try:");
            out.printf("  %s -c -p %d SET greeting hello && %s -c -p %d GET greeting && %s -p %d CLUSTER NODES%n",
                    redisCli, port, redisCli, port + 1, redisCli, port + 2);
            out.println("The line below follows the leader of the metadata group (the slot map); kill any node"
                    + " (kill -9 <pid>) and CLUSTER NODES shows its groups' new leaders. Ctrl-C stops all.");
        } else {
            out.println("Any node accepts any command (followers forward to the leader). Try:");
            out.printf("  %s -p %d SET greeting hello && %s -p %d GET greeting%n", redisCli, port, redisCli,
                    port + 1);
            out.println("Kill the leader (kill -9 <pid>, pids below) and watch another take over. Ctrl-C stops all.");
        }
        out.flush();
    }

    /** Prints a line whenever the picture changes; returns only when interrupted (Ctrl-C runs the hook). */
    private static void watch(PrintWriter out, ClusterConfig cluster, ChildProcesses children, StatusClient client)
            throws InterruptedException {
        String previous = "";
        DateTimeFormatter clock = DateTimeFormatter.ofPattern("HH:mm:ss");
        while (!Thread.currentThread().isInterrupted()) {
            List<String> parts = new ArrayList<>();
            String leader = "none";
            for (ClusterConfig.Node node : cluster.nodes()) {
                Optional<Map<String, Object>> status = client.fetch(node.http());
                String pid = children.pidOf(node.id().value());
                if (status.isEmpty()) {
                    parts.add(node.id() + "(pid " + pid + "):down");
                } else {
                    parts.add(node.id() + "(pid " + pid + "):" + status.get().get("role") + "@term"
                            + status.get().get("term"));
                    if ("leader".equals(status.get().get("role"))) {
                        leader = node.id().value();
                    }
                }
            }
            String picture = "leader " + leader + " | " + String.join("  ", parts);
            if (!picture.equals(previous)) {
                out.println(LocalTime.now().format(clock) + "  " + picture);
                out.flush();
                previous = picture;
            }
            Thread.sleep(500); // a display refresh, not a test wait
        }
    }
}
