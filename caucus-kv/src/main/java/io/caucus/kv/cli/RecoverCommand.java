package io.caucus.kv.cli;

import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.server.ForcedRecovery;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code caucus recover --force-new-cluster --config FILE --id ID}: the last resort when a majority of the voters
 * is lost for good; see {@link ForcedRecovery} for what it does and what it risks. Exit code 0 when done, 1 if
 * refused (the flag missing, the node running, no data).
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Turn one stopped survivor into a single-voter cluster from its own log, when a majority of "
                + "the voters is lost for good (their disks gone).",
                "Risks: every entry in the survivor's log becomes committed, including writes the old cluster never "
                        + "committed (their clients saw UNKNOWN); committed writes this survivor had not received are "
                        + "lost, so pick the survivor with the highest last index; other old members must not rejoin "
                        + "with their old data (wipe them, add them back as new members).",
                "Stop the node first. Then start it as usual; it leads alone; grow the cluster with 'caucus member "
                        + "add' and 'promote'."})
final class RecoverCommand implements Callable<Integer> {

    @Option(names = "--force-new-cluster", required = true,
            description = "Required: says you accept the risks above.")
    boolean forceNewCluster;
    @Option(names = "--config", required = true, description = "The cluster's YAML file (for the data directory).")
    Path config;
    @Option(names = "--id", required = true, description = "The survivor's id.")
    String id;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClusterConfig cluster = ConfigLoader.load(config);
        ClusterConfig.Node node = cluster.node(id);
        Path directory = cluster.dataDirectoryOf(node.id());
        ForcedRecovery.Outcome outcome;
        try {
            outcome = ForcedRecovery.forceNewCluster(directory, node.id());
        } catch (RuntimeException e) {
            err.println("caucus: " + id + " not recovered: " + e.getMessage());
            return 1;
        }
        out.printf("%s: now the only voter of a new cluster (configuration entry at index %d, term %d)%n", id,
                outcome.configurationIndex(), outcome.term());
        if (outcome.lastIndexBefore() > outcome.previouslyCommitted()) {
            out.printf("%s: entries %d to %d were not known to be committed; they now are%n", id,
                    outcome.previouslyCommitted() + 1, outcome.lastIndexBefore());
        }
        out.printf("Start it: caucus server --config %s --id %s; then add members back as learners and promote "
                + "them (caucus member add/promote); wipe the other old members' data first.%n", config, id);
        out.flush();
        return 0;
    }
}
