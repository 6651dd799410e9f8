package io.caucus.kv.cli;

import io.caucus.core.NodeId;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.server.SnapshotSeed;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code caucus restore --config FILE BACKUP}: disaster recovery when every node of a cluster is lost. Seeds the
 * data directories of a new cluster's nodes with a backup (see {@link SnapshotSeed}), with every node of the file
 * as a voter; the nodes then start as usual and serve the backup's data. Exit code 0 when every named node was
 * seeded, 1 otherwise.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Seed a new cluster's data directories from a backup (every node of the old cluster lost).",
                "Run before the nodes' first start: once on each machine with --id for its own node, or once for "
                        + "every node of the file. The backup is checked (size, SHA-256) before anything is written; "
                        + "a node whose data directory is not empty is refused. Then start the nodes as usual."})
final class RestoreCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "The new cluster's YAML file: its nodes are the voters.")
    Path config;
    @Option(names = "--id", description = "Seed only this node (repeatable; default: every node of the file).")
    List<String> ids;
    @Parameters(index = "0", paramLabel = "BACKUP", description = "A file written by 'caucus backup'.")
    Path backup;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClusterConfig cluster = ConfigLoader.load(config);
        Set<NodeId> voters = new LinkedHashSet<>();
        cluster.nodes().forEach(node -> voters.add(node.id()));
        List<ClusterConfig.Node> targets = ids == null ? cluster.nodes() : ids.stream().map(cluster::node).toList();
        BackupFile.Opened opened;
        try {
            opened = BackupFile.openVerified(backup);
        } catch (IOException e) {
            err.println("caucus: " + e.getMessage());
            return 1;
        }
        int exit = 0;
        for (ClusterConfig.Node node : targets) {
            Path directory = cluster.dataDirectoryOf(node.id());
            try (InputStream data = BackupFile.openData(opened)) {
                SnapshotSeed.seed(directory, voters, opened.header().index(), data);
                out.printf("%s: seeded %s from %s (index %d, %d bytes); voters %s%n", node.id(), directory, backup,
                        opened.header().index(), opened.header().bytes(), voters);
            } catch (IOException | RuntimeException e) {
                err.println("caucus: " + node.id() + ": not seeded: " + e.getMessage());
                exit = 1;
            }
        }
        out.flush();
        err.flush();
        return exit;
    }
}
