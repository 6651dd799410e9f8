package io.caucus.kv.cli;

import io.caucus.core.NodeId;
import io.caucus.kv.admin.AdminClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code caucus rebalance --replicas}: asks for a round of replica moves ({@code POST /slots/replicas/rebalance}),
 * prints it, waits until each of its moves has finished or been abandoned (polling {@code GET /slots}, as
 * {@code caucus slots move-replica} does), and asks for the next round, until a round plans nothing: the map moves one
 * replica of a group at a time, so evening out a node may take more than one round.
 */
final class ReplicaRounds {

    /** How often the wait prints the moves still under way. */
    private static final long REPORT_NANOS = 10_000_000_000L;

    /** One planned move: the group, and the node its replica goes to. */
    private record Planned(long group, NodeId to, String text) {
    }

    private final CommandSpec spec;
    private final AdminClient client;
    private final boolean dryRun;
    private final boolean noWait;
    private final long deadline;
    private final long waitSeconds;
    private final PrintWriter out;

    ReplicaRounds(CommandSpec spec, AdminClient client, boolean dryRun, boolean noWait, long waitSeconds) {
        this.spec = spec;
        this.client = client;
        this.dryRun = dryRun;
        this.noWait = noWait;
        this.waitSeconds = waitSeconds;
        this.deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        this.out = spec.commandLine().getOut();
    }

    /** The exit code: 0, 2 if moves are still under way after the wait, or the failed answer's. */
    int run() {
        for (int round = 1; ; round++) {
            AdminClient.Reply reply = client.send("POST", "/slots/replicas/rebalance" + (dryRun ? "?dry-run=true"
                    : ""), "");
            if (!reply.ok()) {
                return AdminTarget.failed(spec, reply);
            }
            List<Planned> planned = print(reply.body(), round);
            if (planned.isEmpty() || dryRun || noWait) {
                return 0;
            }
            if (!awaitRound(client.preferring(reply.from()), planned)) {
                return 2;
            }
        }
    }

    /** Prints a round planned elsewhere ({@code caucus slots remove-node --dry-run}'s). */
    void show(Map<String, Object> answer) {
        print(answer, 1);
    }

    /** Prints the round the node answered; returns its moves. */
    private List<Planned> print(Map<String, Object> answer, int round) {
        List<Planned> planned = new ArrayList<>();
        for (Object entry : answer.get("planned") instanceof List<?> list ? list : List.of()) {
            if (entry instanceof Map<?, ?> move) {
                planned.add(new Planned(((Number) move.get("group")).longValue(),
                        NodeId.of(String.valueOf(move.get("to"))),
                        "group " + move.get("group") + ": " + move.get("from") + " -> " + move.get("to")));
            }
        }
        String loads = answer.get("loads") instanceof Map<?, ?> byNode ? byNode.entrySet().stream()
                .map(node -> node.getKey() + " " + node.getValue()).collect(Collectors.joining(", ")) : "";
        boolean even = Boolean.TRUE.equals(answer.get("even"));
        if (planned.isEmpty()) {
            out.printf(even ? "no replica move needed: replicas per node %s (slot map epoch %s)%n"
                    : "no replica move can even the nodes out any further (a group never returns to a node it left, "
                    + "and a group moving a replica is left alone): replicas per node %s (slot map epoch %s)%n",
                    loads, answer.get("epoch"));
        } else {
            out.printf("%s%s %d replica%s (slot map epoch %s):%n", round > 1 ? "round " + round + ": " : "",
                    dryRun ? "would move" : "moving", planned.size(), planned.size() == 1 ? "" : "s",
                    answer.get("epoch"));
            planned.forEach(move -> out.printf("  %s%n", move.text()));
            out.printf("replicas per node once done: %s%s%n", loads, even ? "" : dryRun ? " (not even after this round)"
                    : " (not even yet: planned again once these are done)");
        }
        out.flush();
        return planned;
    }

    /**
     * Polls {@code GET /slots} until every move of the round has ended (finished, or abandoned after a cancel),
     * printing each as it ends and, every 10 s, those still under way; false, with a message on stderr, if the wait
     * runs out first.
     */
    private boolean awaitRound(AdminClient node, List<Planned> round) {
        List<Planned> pending = new ArrayList<>(round);
        int[] ended = {0};
        long start = System.nanoTime();
        long nextReport = start + REPORT_NANOS;
        while (System.nanoTime() < deadline) {
            AdminClient.Reply map = node.send("GET", "/slots", "");
            if (map.ok()) {
                pending.removeIf(move -> {
                    if (!SlotsCommand.replicaMoved(map.body(), move.group(), move.to())) {
                        return false;
                    }
                    boolean finished = SlotsCommand.replicasOf(map.body(), move.group()).contains(move.to().value());
                    out.printf("%s %s (%d of %d)%n", move.text(), finished ? "done" : "undone (cancelled)",
                            ++ended[0], round.size());
                    return true;
                });
                out.flush();
                if (pending.isEmpty()) {
                    return true;
                }
            }
            if (System.nanoTime() >= nextReport) {
                out.printf("%d of %d replica moves still under way after %d s%n", pending.size(), round.size(),
                        (System.nanoTime() - start) / 1_000_000_000L);
                out.flush();
                nextReport += REPORT_NANOS;
            }
            LockSupport.parkNanos(200_000_000L); // an operator's poll, not a test's
        }
        spec.commandLine().getErr().printf("caucus: %s still moving after %d s: see 'caucus slots'%n",
                pending.stream().map(Planned::text).collect(Collectors.joining(", ")), waitSeconds);
        spec.commandLine().getErr().flush();
        return false;
    }
}
