package io.caucus.kv.cli;

import io.caucus.kv.admin.AdminClient;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code caucus rebalance}: spreads a sharded cluster's hash slots evenly over its data groups, online
 * ({@code POST /slots/rebalance}), as {@code redis-cli --cluster rebalance} does for Redis Cluster; prints the moves
 * planned and waits until they are done. With {@code --replicas}, spreads the data groups' replicas evenly over the
 * nodes instead ({@code POST /slots/replicas/rebalance}), round after round until no move helps. An option of this
 * command rather than a command of its own: it is the same act (even out, print the plan, wait) on the other thing
 * the map places, with the same {@code --dry-run}, {@code --no-wait} and {@code --wait-seconds}.
 */
@Command(name = "rebalance", mixinStandardHelpOptions = true,
        description = "Spread the hash slots evenly over the data groups, online: plans the fewest moves that leave "
                + "every group floor(S/G) or ceil(S/G) of the S assigned slots, records them, and waits until they "
                + "are done. Refused while a move is under way. With --replicas, spread the data groups' replicas "
                + "evenly over the nodes of the cluster file instead (a node just added takes its share).")
final class RebalanceCommand implements Callable<Integer> {

    @Option(names = "--replicas", description = "Move data groups' replicas between nodes until every node holds "
            + "floor(R/N) or ceil(R/N) of the R replicas (a group never returns to a node it left), instead of slots.")
    boolean replicas;
    @Option(names = "--threshold", defaultValue = "2", paramLabel = "PERCENT",
            description = "Move nothing unless some group's slot count is more than this percentage of an even "
                    + "share away from it. Default: ${DEFAULT-VALUE}, as redis-cli's (and the admin endpoint's).")
    double threshold;
    @Option(names = "--dry-run", description = "Only print the moves a rebalance would make now; change nothing.")
    boolean dryRun;
    @Option(names = "--no-wait", description = "Return once the moves are recorded, not when they are done.")
    boolean noWait;
    @Option(names = "--wait-seconds", defaultValue = "1800", description = "How long to wait for the moves to end.")
    long waitSeconds;
    @Mixin
    AdminTarget target;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (replicas) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--threshold")) {
                throw new ParameterException(spec.commandLine(), "--threshold applies to slots only; --replicas "
                        + "always evens the nodes out to within one replica of each other");
            }
            return new ReplicaRounds(spec, target.client(), dryRun, noWait, waitSeconds).run();
        }
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new ParameterException(spec.commandLine(), "--threshold must be a percentage of 0 or more, not "
                    + threshold);
        }
        AdminClient client = target.client();
        AdminClient.Reply planned = client.send("POST", "/slots/rebalance?threshold=" + threshold
                + (dryRun ? "&dry-run=true" : ""), "");
        if (!planned.ok()) {
            return AdminTarget.failed(spec, planned);
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> moves = printPlan(out, planned.body());
        if (moves.isEmpty() || dryRun || noWait) {
            return 0;
        }
        long recordedEpoch = ((Number) planned.body().get("epoch")).longValue();
        return SlotsCommand.awaitMoves(spec, client.preferring(planned.from()), moves, recordedEpoch, waitSeconds);
    }

    /** Prints the plan the node answered; returns its moves, each range ("A-B") with the group it goes to. */
    private Map<String, Object> printPlan(PrintWriter out, Map<String, Object> answer) {
        Map<String, Object> moves = new LinkedHashMap<>();
        List<?> planned = answer.get("planned") instanceof List<?> list ? list : List.of();
        if (planned.isEmpty()) {
            out.printf("no move needed: no group is more than %s%% of an even share away from it (slot map epoch "
                    + "%s)%n", percent(threshold), answer.get("epoch"));
            out.flush();
            return moves;
        }
        out.printf("%s %d slots in %d moves (slot map epoch %s):%n", dryRun ? "would move" : "moving",
                ((Number) answer.get("slotsMoved")).intValue(), planned.size(), answer.get("epoch"));
        for (Object entry : planned) {
            if (entry instanceof Map<?, ?> move) {
                String range = String.valueOf(move.get("slots"));
                out.printf("  slots %-11s from group %s to group %s%n", range, move.get("from"), move.get("to"));
                moves.put(range, move.get("to"));
            }
        }
        out.flush();
        return moves;
    }

    /** 2 rather than 2.0; 0.5 as it is. */
    private static String percent(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
