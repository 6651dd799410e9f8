package io.caucus.chaos;

import io.caucus.kv.shard.ShardLayout;
import io.caucus.sim.linearizability.Operation;
import io.caucus.sim.linearizability.Outcome;
import java.util.List;
import java.util.Map;

/** Renders a run's report: what ran, operations per fault window, every check, and witnesses of failures. */
final class ChaosReport {

    private ChaosReport() {
    }

    static String render(ChaosResult result, ChaosHistory history) {
        ChaosOptions options = result.options();
        StringBuilder out = new StringBuilder();
        out.append("caucus chaos: ").append(result.passed() ? "PASS" : "FAIL").append('\n')
                .append("seed ").append(options.seed()).append(", ").append(options.nodes()).append(" nodes, ")
                .append(options.duration().toSeconds()).append(" s of faults from ")
                .append(options.faults().stream().map(FaultKind::label).sorted().toList()).append(", ")
                .append(options.clients()).append(" clients on keys ").append(options.registerKeys())
                .append(" (get/set/cas), ").append(options.appendKeys()).append(" (get/append), ")
                .append(options.counterKeys()).append(" (incr, get, watch/get/multi/set/exec), ")
                .append(options.pairKeys()).append(" (multi/incr/incr/exec, mget, multi/get/get/exec), ")
                .append(options.accountKeys()).append(" (transfers multi/decrby/incrby/exec, mget, multi/get.../exec)")
                .append(", fsync ").append(options.fsync()).append('\n');
        if (options.sharded()) {
            out.append(options.shards()).append(" shards (data groups ").append(ShardLayout.FIRST_DATA_GROUP)
                    .append("..").append(ShardLayout.FIRST_DATA_GROUP + options.shards() - 1)
                    .append("; the slot map is group 1's); the keys landed in groups ")
                    .append(keysByGroup(result)).append('\n');
        }
        out.append("reproduce the schedule: caucus chaos --nodes ").append(options.nodes())
                .append(" --duration ").append(options.duration().toSeconds()).append("s --faults ")
                .append(String.join(",", options.faults().stream().map(FaultKind::label).sorted().toList()))
                .append(options.sharded() ? " --shards " + options.shards() : "")
                .append(" --seed ").append(options.seed())
                .append(" (client timing is not reproducible; the history is the evidence)\n\n");
        out.append(result.summary()).append("\n\n");
        out.append("operations by kind: ").append(countByKind(result)).append("\n\n");
        if (options.sharded()) {
            out.append("acknowledged operations by data group: ").append(result.acknowledgedByGroup())
                    .append("\n\n");
        }
        appendWindows(out, result);
        if (result.removal() != null) {
            appendRemoval(out, result.removal());
        }
        if (!result.membershipChanges().isEmpty()) {
            out.append("\nmembership changes (admin requests; refused and unknown are not anomalies)\n");
            result.membershipChanges().forEach(change -> out.append("  ").append(change).append('\n'));
        }
        out.append("\nchecks\n");
        for (CheckOutcome check : result.checks()) {
            out.append(check.passed() ? "  PASS " : "  FAIL ").append(check.name()).append(": ")
                    .append(check.detail().replace("\n", "\n         ")).append('\n');
            if (!check.witness().isEmpty()) {
                out.append("       smallest window showing it (").append(check.witness().size())
                        .append(" operations; times in microseconds since start):\n");
                for (Object op : check.witness()) {
                    long invokedAt = switch (op) {
                        case Operation operation -> operation.invokedAt();
                        case CounterOp counter -> counter.invokedAt();
                        default -> throw new IllegalArgumentException("not an operation: " + op);
                    };
                    out.append("         ").append(history.line(op))
                            .append("   <- ").append(windowOf(result, invokedAt)).append('\n');
                }
            }
        }
        if (!result.notes().isEmpty()) {
            out.append("\nleft out\n");
            result.notes().forEach(note -> out.append("  ").append(note).append('\n'));
        }
        out.append("\nfinal values: ").append(result.finalValues()).append('\n');
        out.append("history: ").append(result.directory().resolve("history.txt")).append(" (one line per operation)\n");
        return out.toString();
    }

    private static void appendWindows(StringBuilder out, ChaosResult result) {
        out.append("fault windows (operations invoked while the fault was in force | during the recovery after it)\n");
        List<FaultWindow> windows = result.windows();
        long firstStart = windows.isEmpty() ? result.clientsStoppedMicros() : windows.get(0).startMicros();
        out.append(String.format("  #0  %8.1fs..%8.1fs  no fault (warm-up): %s%n", seconds(result.clientsStartedMicros()),
                seconds(firstStart), counts(result, result.clientsStartedMicros(), firstStart)));
        for (int i = 0; i < windows.size(); i++) {
            FaultWindow window = windows.get(i);
            long recoveryEnd = i + 1 < windows.size() ? windows.get(i + 1).startMicros() : Long.MAX_VALUE;
            out.append(String.format("  #%-2d %8.1fs..%8.1fs  %s%n        %s | %s%n", window.number(),
                    seconds(window.startMicros()), seconds(window.healedMicros()), window.description(),
                    counts(result, window.startMicros(), window.healedMicros()),
                    counts(result, window.healedMicros(), recoveryEnd)));
        }
    }

    private static void appendRemoval(StringBuilder out, NodeRemoval.Outcome removal) {
        out.append("\nnode removal: ").append(removal.summary()).append('\n')
                .append("  asked at ").append(NodeRemoval.Outcome.seconds(removal.requested())).append(": ")
                .append(removal.request()).append('\n');
        appendTime(out, "recorded", removal.recorded());
        appendTime(out, "held no replica", removal.drained());
        appendTime(out, "out of the metadata group", removal.left());
        appendTime(out, "stopped for good", removal.stopped());
        if (!removal.rounds().isEmpty()) {
            out.append("  rebalance rounds (POST /slots/replicas/rebalance whenever no replica move was under way):\n");
            removal.rounds().forEach(round -> out.append("    ").append(round).append('\n'));
        }
    }

    private static void appendTime(StringBuilder out, String what, long micros) {
        out.append("  ").append(what).append(": ").append(micros >= 0 ? "at " + NodeRemoval.Outcome.seconds(micros)
                : "not seen").append('\n');
    }

    private static String counts(ChaosResult result, long fromMicros, long toMicros) {
        Map<Outcome, Integer> counts = result.countByOutcome(fromMicros, toMicros);
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        return total + " ops (ok " + counts.get(Outcome.OK) + ", failed " + counts.get(Outcome.FAILED)
                + ", unknown " + counts.get(Outcome.UNKNOWN) + ")";
    }

    private static String windowOf(ChaosResult result, long micros) {
        String where = "before any fault";
        for (FaultWindow window : result.windows()) {
            if (micros >= window.healedMicros()) {
                where = "after #" + window.number() + " healed";
            } else if (micros >= window.startMicros()) {
                return "during #" + window.number() + " " + window.description();
            }
        }
        return where;
    }

    private static Map<String, Long> countByKind(ChaosResult result) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        result.operations().forEach(op -> counts.merge(op.kind().name().toLowerCase(java.util.Locale.ROOT), 1L,
                Long::sum));
        result.counterOperations().forEach(op -> counts.merge(counterKind(op), 1L, Long::sum));
        return counts;
    }

    /** E.g. {@code incr}, {@code transfer}, {@code mget t0,t1}: a counter operation's kind and, for reads, group. */
    private static String counterKind(CounterOp op) {
        String kind = op.kind().name().toLowerCase(java.util.Locale.ROOT);
        return op.kind().isRead() ? kind + " " + String.join(",", op.keys().size() > 1 ? op.keys() : List.of("counter"))
                : kind;
    }

    /** E.g. {@code {2=[b0{acct}, ...], 5=[...]}}: the keys of each data group, by group. */
    private static Map<Long, List<String>> keysByGroup(ChaosResult result) {
        Map<Long, List<String>> byGroup = new java.util.TreeMap<>();
        result.groupOfKey().forEach((key, group) -> byGroup.computeIfAbsent(group, g -> new java.util.ArrayList<>())
                .add(key));
        return byGroup;
    }

    private static double seconds(long micros) {
        return micros / 1e6;
    }
}
