package io.caucus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.sim.linearizability.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Real {@code caucus server} processes under each kind of fault, with the checks of a full run. Short
 * schedules (a few minutes in all) on 3 nodes for CI; the soak runs only with {@code -Dcaucus.chaos.soak=true}
 * ({@code -Dcaucus.chaos.soak.duration=10m}, {@code -Dcaucus.chaos.soak.nodes=5}, {@code -Dcaucus.chaos.seed=N}).
 */
class ChaosRunIT {

    private static final Duration SHORT = Duration.ofSeconds(30);

    private static long seed(long fallback) {
        return Long.getLong("caucus.chaos.seed", fallback);
    }

    private static ChaosResult run(String name, int nodes, Duration duration, Set<FaultKind> faults, long seed)
            throws Exception {
        return run(name, nodes, duration, faults, seed, false);
    }

    private static ChaosResult run(String name, int nodes, Duration duration, Set<FaultKind> faults, long seed,
                                   boolean tls) throws Exception {
        Path directory = Path.of("target", "chaos-runs", name + "-seed" + seed).toAbsolutePath();
        if (Files.exists(directory)) {
            try (var paths = Files.walk(directory)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        ChaosOptions options = ChaosOptions.defaults(nodes, duration, faults, seed, directory).withTls(tls);
        ChaosResult result = ChaosRun.run(options, System.out);
        String report = Files.readString(directory.resolve("report.txt"));
        assertThat(result.passed()).as("chaos run %s failed:%n%s", name, report).isTrue();
        assertThat(Files.readAllLines(directory.resolve("history.txt"))).as("two header lines, then one per operation")
                .hasSize(result.operationCount() + 2);
        assertThat(result.countByOutcome().get(Outcome.OK))
                .as("acknowledged operations (a run that did nothing would pass vacuously)").isGreaterThan(20);
        assertThat(result.counterOperations()).as("acknowledged increments, transactions and whole-group reads")
                .anyMatch(op -> op.outcome() == Outcome.OK && op.kind() == CounterOp.Kind.INCR)
                .anyMatch(op -> op.outcome() == Outcome.OK && op.kind() == CounterOp.Kind.INCR_BOTH)
                .anyMatch(op -> op.outcome() == Outcome.OK && op.kind() == CounterOp.Kind.TRANSFER)
                .anyMatch(op -> op.outcome() == Outcome.OK && op.kind().isRead() && op.keys().size() > 1);
        for (FaultKind kind : faults) {
            assertThat(result.faultsByKind().get(kind)).as("%s faults injected", kind.label()).isPositive();
        }
        return result;
    }

    @Test
    void killsAndRestarts() throws Exception {
        run("kill", 3, SHORT, Set.of(FaultKind.KILL), seed(101));
    }

    @Test
    void pausesIncludingALeaderThatWakesUpDeposed() throws Exception {
        run("pause", 3, SHORT, Set.of(FaultKind.PAUSE), seed(202));
    }

    @Test
    void partitionsOfEveryShape() throws Exception {
        run("partition", 3, SHORT, Set.of(FaultKind.PARTITION), seed(303));
    }

    /**
     * Removes voters (the leader too), wipes and rejoins them, transfers leadership, half the time during a
     * partition; the run ends with every node a voter again and every check passing.
     */
    @Test
    void membershipChangesDuringPartitions() throws Exception {
        ChaosResult result = run("membership", 3, SHORT, Set.of(FaultKind.MEMBERSHIP), seed(404));
        assertThat(result.membershipChanges()).as("admin requests made").isNotEmpty();
        assertThat(result.checks()).anyMatch(check -> check.name().equals("configuration restored") && check.passed());
    }

    /**
     * The same checks with TLS on every port: mutual TLS between nodes through the proxies, TLS clients, HTTPS admin
     * requests (the membership changes).
     */
    @Test
    void killsPartitionsAndMembershipChangesOverTls() throws Exception {
        run("tls", 3, Duration.ofSeconds(20), Set.of(FaultKind.KILL, FaultKind.PARTITION, FaultKind.MEMBERSHIP),
                seed(505), true);
        assertThat(Path.of("target", "chaos-runs", "tls-seed" + seed(505), "cluster", "n1.log")).content()
                .contains("TLS on the raft (mutual), redis (client certificates: optional), http");
    }

    @Test
    void soak() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("caucus.chaos.soak"), "soak runs with -Dcaucus.chaos.soak=true");
        Duration duration = ChaosCommand.parseDuration(System.getProperty("caucus.chaos.soak.duration", "10m"));
        int nodes = Integer.getInteger("caucus.chaos.soak.nodes", 3);
        run("soak", nodes, duration, Set.of(FaultKind.values()), seed(System.currentTimeMillis()));
    }
}
