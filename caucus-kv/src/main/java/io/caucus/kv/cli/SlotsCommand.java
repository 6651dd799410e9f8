package io.caucus.kv.cli;

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
import picocli.CommandLine.Spec;

/**
 * {@code caucus slots}: a sharded cluster's slot map ({@code GET /slots}), and {@code caucus slots move}, which moves a
 * range of hash slots to another data group online ({@code POST /slots/move}) and waits until the move is done.
 */
@Command(name = "slots", mixinStandardHelpOptions = true,
        description = "A sharded cluster's slot map: which group serves which hash slots, and moves under way.",
        subcommands = SlotsCommand.Move.class)
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
        out.flush();
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

    private static List<?> list(Object value) {
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
        @Option(names = "--no-wait", description = "Return once the move is recorded, not when it is done.")
        boolean noWait;
        @Option(names = "--wait-seconds", defaultValue = "600", description = "How long to wait for the move to end.")
        long waitSeconds;
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
            return noWait ? 0 : awaitMoves(spec, client.preferring(started.from()), Map.of(range, to), recordedEpoch,
                    waitSeconds);
        }
    }
}
