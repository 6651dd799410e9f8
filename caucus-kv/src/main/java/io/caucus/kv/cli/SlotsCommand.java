package io.caucus.kv.cli;

import io.caucus.core.NodeId;
import io.caucus.kv.admin.AdminClient;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code caucus slots}: a sharded cluster's slot map ({@code GET /slots}); {@code caucus slots move}, which moves a
 * range of hash slots to another data group online ({@code POST /slots/move}) and waits until the move is done;
 * {@code caucus slots move-replica}, which moves a data group's replica from one node to another online
 * ({@code POST /slots/replicas/move}) and waits until it is done; {@code caucus slots cancel-replica-move}, which
 * undoes one ({@code POST /slots/replicas/cancel}); and {@code caucus slots remove-node} ({@link RemoveNodeCommand}).
 */
@Command(name = "slots", mixinStandardHelpOptions = true,
        description = "A sharded cluster's slot map: which group serves which hash slots, and moves under way.",
        subcommands = {SlotsCommand.Move.class, SlotsCommand.MoveReplica.class, SlotsCommand.CancelReplicaMove.class,
                RemoveNodeCommand.class})
final class SlotsCommand implements Callable<Integer> {

    private static final String FORMAT = "%-13s %-7s %s%n";

    @Mixin
    AdminTarget target;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        AdminClient.Reply reply = target.client().send("GET", "/slots", "");
        if (!reply.ok()) {
            return AdminTarget.failed(spec, reply);
        }
        print(spec.commandLine().getOut(), reply.body());
        return 0;
    }

    static void print(PrintWriter out, Map<String, Object> map) {
        out.printf("slot map epoch %s%n", map.get("epoch"));
        out.printf(FORMAT, "SLOTS", "GROUP", "REPLICAS");
        Map<?, ?> groups = map.get("groups") instanceof Map<?, ?> g ? g : Map.of();
        for (Object entry : list(map.get("ranges"))) {
            if (entry instanceof Map<?, ?> range) {
                Object group = range.get("group");
                Object replicas = groups.get(String.valueOf(group));
                out.printf(FORMAT, range.get("slots"), group, replicas instanceof List<?> nodes
                        ? String.join(",", nodes.stream().map(String::valueOf).toList()) : "-");
            }
        }
        for (Object entry : list(map.get("moves"))) {
            if (entry instanceof Map<?, ?> move) {
                out.printf("moving slots %s from group %s to group %s%s%n", move.get("slots"), move.get("from"),
                        move.get("to"), progress(move).map(counted -> ": " + counted).orElse(""));
            }
        }
        for (Object entry : list(map.get("replicaMoves"))) {
            if (entry instanceof Map<?, ?> move) {
                out.printf("moving group %s's replica from %s to %s%s%n", move.get("group"), move.get("from"),
                        move.get("to"), Boolean.TRUE.equals(move.get("cancelled")) ? " (cancelled: being undone)" : "");
            }
        }
        if (map.get("retired") instanceof Map<?, ?> retired) {
            retired.forEach((group, nodes) -> out.printf("group %s left %s for good%n", group,
                    String.join(",", list(nodes).stream().map(String::valueOf).toList())));
        }
        if (!list(map.get("removedNodes")).isEmpty()) {
            out.printf("removed from the cluster: %s%n", String.join(",", list(map.get("removedNodes")).stream()
                    .map(String::valueOf).toList()));
        }
        out.flush();
    }

    /** {@code --no-wait} and {@code --wait-seconds} of the subcommands that wait for a move to end. */
    static final class WaitOptions {
        @Option(names = "--no-wait", description = "Return once the change is recorded, not when the move has ended.")
        boolean noWait;
        @Option(names = "--wait-seconds", defaultValue = "600", description = "How long to wait for the move to end.")
        long waitSeconds;
    }

    /** How often a wait prints how far the moves have got. */
    private static final long REPORT_NANOS = 10_000_000_000L;

    /**
     * Polls {@code GET /slots} until a map newer than the one that recorded {@code moves} (their ranges, "A-B", with
     * the group each goes to) lists none of them (a node that has not applied the recording map yet lists no move
     * either), printing each as it ends, then the map; and, when {@code client} asks the metadata leader first (the
     * node that recorded the moves: only its mover knows), how far they have got, at once and every 10 s. Returns the
     * exit code: 0, or 2 if moves remain after {@code waitSeconds}.
     */
    static int awaitMoves(CommandSpec spec, AdminClient client, Map<String, ?> moves, long recordedEpoch,
                          long waitSeconds) {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> pending = new LinkedHashMap<>(moves);
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        long nextReport = System.nanoTime();
        while (System.nanoTime() < deadline) {
            AdminClient.Reply map = client.send("GET", "/slots", "");
            if (map.ok() && map.body().get("epoch") instanceof Number epoch && epoch.longValue() > recordedEpoch) {
                Set<Object> listed = new HashSet<>();
                boolean report = System.nanoTime() >= nextReport;
                for (Object move : list(map.body().get("moves"))) {
                    if (move instanceof Map<?, ?> m) {
                        listed.add(m.get("slots"));
                        if (report && pending.containsKey(String.valueOf(m.get("slots")))) {
                            progress(m).ifPresent(counted -> out.printf("  slots %s: %s%n", m.get("slots"), counted));
                        }
                    }
                }
                if (report) {
                    out.flush();
                    nextReport = System.nanoTime() + REPORT_NANOS;
                }
                pending.entrySet().removeIf(move -> {
                    boolean done = !listed.contains(move.getKey());
                    if (done) {
                        int finished = moves.size() - pending.size() + 1;
                        out.printf("moved slots %s to group %s%s%n", move.getKey(), move.getValue(), moves.size() == 1
                                ? "" : " (" + finished + " of " + moves.size() + ")");
                        out.flush();
                    }
                    return done;
                });
                if (pending.isEmpty()) {
                    print(out, map.body());
                    return 0;
                }
            }
            LockSupport.parkNanos(200_000_000L); // an operator's poll, not a test's
        }
        spec.commandLine().getErr().printf("caucus: slots %s are still moving after %d s: see 'caucus slots'%n",
                String.join(", ", pending.keySet()), waitSeconds);
        spec.commandLine().getErr().flush();
        return 2;
    }

    /**
     * A move's progress as {@code GET /slots} gives it (the metadata leader's answer only): "12,345 keys (11.8 MiB)
     * moved in pass 2, 35 s".
     */
    static Optional<String> progress(Map<?, ?> move) {
        if (!(move.get("progress") instanceof Map<?, ?> counted)) {
            return Optional.empty();
        }
        long keys = number(counted.get("keysMoved"));
        double mebibytes = number(counted.get("bytesCopied")) / (1024.0 * 1024.0);
        return Optional.of(String.format(Locale.ROOT, "%,d keys (%.1f MiB) moved in pass %d, %d s",
                keys, mebibytes, number(counted.get("passes")), number(counted.get("seconds"))));
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    static List<?> list(Object value) {
        return value instanceof List<?> list ? list : List.of();
    }

    @Command(name = "move", mixinStandardHelpOptions = true,
            description = "Move a range of hash slots to another data group, online: keys are copied in batches while "
                    + "clients go on (-ASK during the move, -MOVED after); waits until the move is done.")
    static final class Move implements Callable<Integer> {
        @Option(names = "--slots", required = true, description = "The slots: A-B, or one slot.")
        String slots;
        @Option(names = "--to", required = true, description = "The data group to move them to (see 'caucus slots').")
        long to;
        @Mixin
        WaitOptions waiting;
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AdminClient client = target.client();
            AdminClient.Reply started = client.send("POST", "/slots/move?slots=" + slots + "&to=" + to, "");
            if (!started.ok()) {
                return AdminTarget.failed(spec, started);
            }
            PrintWriter out = spec.commandLine().getOut();
            String range = String.valueOf(started.body().get("moving"));
            out.printf("moving slots %s to group %d (slot map epoch %s)%n", range, to, started.body().get("epoch"));
            out.flush();
            long recordedEpoch = ((Number) started.body().get("epoch")).longValue();
            return waiting.noWait ? 0 : awaitMoves(spec, client.preferring(started.from()), Map.of(range, to),
                    recordedEpoch, waiting.waitSeconds);
        }
    }

    @Command(name = "move-replica", mixinStandardHelpOptions = true,
            description = "Move a data group's replica from one node to another, online: the group's leader adds the "
                    + "new node as a learner, promotes it once it has caught up and removes the old node, which then "
                    + "deletes its replica; waits until the move is done. A group never returns to a node it left.")
    static final class MoveReplica implements Callable<Integer> {
        @Option(names = "--group", required = true, description = "The data group (see 'caucus slots').")
        long group;
        @Option(names = "--from", required = true, paramLabel = "NODE",
                description = "The node whose replica of the group moves away.")
        String from;
        @Option(names = "--to", required = true, paramLabel = "NODE",
                description = "The node of the cluster file that takes the replica.")
        String to;
        @Mixin
        WaitOptions waiting;
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            NodeId fromNode = nodeOption(from, "--from");
            NodeId toNode = nodeOption(to, "--to");
            AdminClient client = target.client();
            AdminClient.Reply started = client.send("POST", "/slots/replicas/move?group=" + group + "&from="
                    + fromNode + "&to=" + toNode, "");
            if (!started.ok()) {
                return AdminTarget.failed(spec, started);
            }
            PrintWriter out = spec.commandLine().getOut();
            String move = "group " + group + ": " + fromNode + " -> " + toNode;
            out.printf("%s recorded (slot map epoch %s)%n", move, started.body().get("epoch"));
            out.flush();
            return waiting.noWait ? 0 : awaitReplicaMove(client.preferring(started.from()), move, toNode);
        }

        /** A node id as an option gives it; a usage error (exit 2) if it is not one. */
        private NodeId nodeOption(String value, String option) {
            try {
                return NodeId.of(value);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
            }
        }

        private int awaitReplicaMove(AdminClient client, String move, NodeId toNode) {
            PrintWriter out = spec.commandLine().getOut();
            Optional<Ended> ended = awaitReplicaMoveEnd(spec, client, group, toNode, move, waiting.waitSeconds);
            ended.ifPresent(done -> {
                out.printf(Locale.ROOT, "%s done in %.1f s%n", move, done.seconds());
                print(out, done.map());
            });
            return ended.isPresent() ? 0 : 2;
        }
    }

    @Command(name = "cancel-replica-move", mixinStandardHelpOptions = true,
            description = "Cancel a data group's replica move: the group's leader takes the new node out of the group "
                    + "again, which then deletes its replica and never holds the group again; if the old node has "
                    + "left the group already, the move finishes instead. Waits until the move has ended either way.")
    static final class CancelReplicaMove implements Callable<Integer> {
        @Option(names = "--group", required = true, description = "The data group whose replica move to cancel.")
        long group;
        @Mixin
        WaitOptions waiting;
        @Mixin
        AdminTarget target;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AdminClient client = target.client();
            AdminClient.Reply cancelled = client.send("POST", "/slots/replicas/cancel?group=" + group, "");
            if (!cancelled.ok()) {
                return AdminTarget.failed(spec, cancelled);
            }
            PrintWriter out = spec.commandLine().getOut();
            NodeId to = NodeId.of(String.valueOf(cancelled.body().get("to")));
            String move = "group " + group + ": " + cancelled.body().get("from") + " -> " + to;
            out.printf("%s cancel recorded (slot map epoch %s)%n", move, cancelled.body().get("epoch"));
            out.flush();
            if (waiting.noWait) {
                return 0;
            }
            Optional<Ended> ended = awaitReplicaMoveEnd(spec, client.preferring(cancelled.from()), group, to, move,
                    waiting.waitSeconds);
            ended.ifPresent(done -> {
                boolean finished = replicasOf(done.map(), group).contains(to.value());
                out.printf(Locale.ROOT, finished ? "%s finished in %.1f s: the old node had left the group, too late "
                        + "to undo%n" : "%s undone in %.1f s%n", move, done.seconds());
                print(out, done.map());
            });
            return ended.isPresent() ? 0 : 2;
        }
    }

    /** A replica move seen ended: the map that shows it, and how long the wait took. */
    record Ended(Map<String, Object> map, double seconds) {
    }

    /**
     * Polls {@code GET /slots} until it shows {@code group}'s move to {@code to} ended ({@link #replicaMoved}),
     * printing how long it has waited every 10 s. Empty, with a message on stderr, if it has not ended after
     * {@code waitSeconds}.
     */
    static Optional<Ended> awaitReplicaMoveEnd(CommandSpec spec, AdminClient client, long group, NodeId to,
                                               String move, long waitSeconds) {
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        long deadline = start + waitSeconds * 1_000_000_000L;
        long nextReport = start + REPORT_NANOS;
        while (System.nanoTime() < deadline) {
            AdminClient.Reply map = client.send("GET", "/slots", "");
            if (map.ok() && replicaMoved(map.body(), group, to)) {
                return Optional.of(new Ended(map.body(), (System.nanoTime() - start) / 1e9));
            }
            if (System.nanoTime() >= nextReport) {
                out.printf("%s still moving after %d s%n", move, (System.nanoTime() - start) / 1_000_000_000L);
                out.flush();
                nextReport += REPORT_NANOS;
            }
            LockSupport.parkNanos(200_000_000L); // an operator's poll, not a test's
        }
        spec.commandLine().getErr().printf("caucus: %s is still moving after %d s: see 'caucus slots'%n", move,
                waitSeconds);
        spec.commandLine().getErr().flush();
        return Optional.empty();
    }

    /**
     * Whether the map ({@code GET /slots}) shows {@code group}'s replica move to {@code to} ended: it lists no replica
     * move of the group, and {@code to} is one of its replicas (the move finished), or has left it (a cancel undid the
     * move, or a later move took the replica away). A node that has not applied the map recording the move yet shows
     * neither, so its answer never counts as ended.
     */
    static boolean replicaMoved(Map<String, Object> map, long group, NodeId to) {
        for (Object entry : list(map.get("replicaMoves"))) {
            if (entry instanceof Map<?, ?> move && move.get("group") instanceof Number moving
                    && moving.longValue() == group) {
                return false;
            }
        }
        String key = Long.toString(group);
        return nodesOf(map.get("groups"), key).contains(to.value()) || nodesOf(map.get("retired"), key)
                .contains(to.value());
    }

    /** {@code group}'s replicas as {@code GET /slots} lists them. */
    static List<?> replicasOf(Map<String, Object> map, long group) {
        return nodesOf(map.get("groups"), Long.toString(group));
    }

    private static List<?> nodesOf(Object byGroup, String group) {
        return byGroup instanceof Map<?, ?> nodes ? list(nodes.get(group)) : List.of();
    }
}
