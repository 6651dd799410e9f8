package io.caucus.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code caucus chaos}: a fresh local cluster of real processes under kills, pauses and partitions, with
 * concurrent clients, checked for linearizability and more. Exit code 0 if every check passed, 1 if one failed.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Test a fresh local cluster under kills, pauses and partitions.",
                "Starts real server processes, runs clients while faults drawn from the seed strike and heal,",
                "then checks that what the clients saw was linearizable, no acknowledged write was lost,",
                "appends applied once and in order, increments counted exactly, transactions (MULTI/EXEC)",
                "never seen half applied, transfers accounted for, and the replicas converged. Writes",
                "history.txt and report.txt into the run directory; exit code 0 if every check passed, 1 if not.",
                "With --shards N the cluster is sharded (N data groups, Redis Cluster protocol); see docs/chaos.md."})
final class ChaosCommand implements Callable<Integer> {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    @Option(names = "--duration", defaultValue = "60s",
            description = "How long faults are injected under load, e.g. 90s, 10m (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--nodes", defaultValue = "3", description = "Cluster size, 3 or 5 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--faults", defaultValue = "kill,pause,partition",
            description = "Fault kinds to draw from: kill, pause, partition, membership, move (with --shards),"
                    + " replica (with --shards and --nodes 4 or more), remove (once a run, with --shards and --nodes 5)"
                    + " (default: ${DEFAULT-VALUE}).")
    String faults;

    @Option(names = "--seed", description = "Seed of the fault schedule and the clients' choices (default: random).")
    Long seed;

    @Option(names = "--clients", defaultValue = "4", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--tls", description = "TLS on every port (mutual TLS between nodes, HTTPS admin, TLS clients),"
            + " with a CA and certificates made for the run in <dir>/cluster/tls, as caucus demo --tls makes them.")
    boolean tls;

    @Option(names = {"--shards", "--groups"}, defaultValue = "0", description = {"Data groups of a sharded cluster (shards: N in the"
            + " cluster file; the clients speak Redis Cluster and follow MOVED), or 0 for one Raft group"
            + " (default: ${DEFAULT-VALUE}).", "Every key then carries its family's {hashtag}; membership faults are"
            + " refused (not supported in a sharded cluster yet), and each data group's replicas' digests are compared."})
    int shards;

    @Option(names = "--dir", description = "Run directory (default: ./chaos-runs/<time>-seed<seed>).")
    Path directory;

    @Override
    public Integer call() throws Exception {
        long chosenSeed = seed != null ? seed : new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
        Path runDirectory = directory != null ? directory : Path.of("chaos-runs",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-seed" + chosenSeed);
        ChaosOptions options = ChaosOptions.defaults(nodes, parseDuration(duration), FaultKind.parseList(faults),
                chosenSeed, runDirectory).withClients(clients).withTls(tls).withShards(shards).checkedForRun();
        ChaosResult result = ChaosRun.run(options, System.out);
        return result.passed() ? 0 : 1;
    }

    /** {@code 500ms}, {@code 90s}, {@code 10m}, {@code 1h}; a bare number is seconds. */
    static Duration parseDuration(String text) {
        Matcher matcher = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("--duration: expected a number with an optional unit ms, s, m or h "
                    + "(e.g. 60s, 10m), got '" + text + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "s" : matcher.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> throw new IllegalStateException("the pattern admits no unit " + unit);
        };
    }
}
