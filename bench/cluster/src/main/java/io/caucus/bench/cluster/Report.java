package io.caucus.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the results file into one markdown table: every row as measured, then the ratios of Caucus to
 * every other system for each (source, phase) that both measured. Ratios above 1 mean Caucus has more of
 * it (ops/s and writes per fsync: better; latency and CPU: worse).
 *
 * <p>Writes per fsync come from the fsyncs file, one row per system: system, fsync and fdatasync calls of all
 * its server processes counted over a window of the load generator's write phase, the window's seconds, and
 * the number of server processes. A node's writes per fsync is then the write rate times the window over the
 * fsyncs per node: how many client writes each node's disk flush carries.
 */
final class Report {

    private Report() {
    }

    record Row(String system, String source, String phase, long ops, String errors, String opsPerSecond,
               String p50Micros, String p99Micros, String cpuMicrosPerOp) {

        static Row parse(String line) {
            String[] f = line.split("\t");
            if (f.length != 10) {
                throw new IllegalArgumentException("results row needs 10 tab-separated fields, got " + f.length
                        + ": '" + line + "'");
            }
            return new Row(f[0], f[1], f[2], Long.parseLong(f[3]), f[4], f[6], f[7], f[8], f[9]);
        }

        String test() {
            return source + " " + phase;
        }
    }

    /** One system's fsync count over a window of its write phase. */
    record Fsyncs(String system, long calls, double seconds, int nodes) {

        static Fsyncs parse(String line) {
            String[] f = line.split("\t");
            if (f.length != 4) {
                throw new IllegalArgumentException("fsyncs row needs 4 tab-separated fields, got " + f.length
                        + ": '" + line + "'");
            }
            return new Fsyncs(f[0], Long.parseLong(f[1]), Double.parseDouble(f[2]), Integer.parseInt(f[3]));
        }

        /** Client writes carried by one fsync of one node, at {@code writesPerSecond}. */
        String writesPerFsync(String writesPerSecond) {
            double perNode = (double) calls / nodes;
            return perNode == 0 ? "-" : String.format("%.1f", Double.parseDouble(writesPerSecond) * seconds / perNode);
        }
    }

    static void write(Path results, Path out, Optional<Path> threads, Optional<Path> fsyncsFile) throws IOException {
        List<Row> rows = Files.readAllLines(results).stream().filter(l -> !l.isBlank()).map(Row::parse).toList();
        Map<String, Fsyncs> fsyncs = new LinkedHashMap<>();
        if (fsyncsFile.isPresent() && Files.exists(fsyncsFile.get())) {
            Files.readAllLines(fsyncsFile.get()).stream().filter(l -> !l.isBlank()).map(Fsyncs::parse)
                    .forEach(f -> fsyncs.put(f.system(), f));
        }
        List<String> lines = new ArrayList<>();
        lines.add("| system | test | ops/s | p50 µs | p99 µs | server CPU µs/op | writes/fsync per node | ops | errors |");
        lines.add("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            lines.add("| %s | %s | %s | %s | %s | %s | %s | %d | %s |".formatted(row.system(), row.test(),
                    row.opsPerSecond(), row.p50Micros(), row.p99Micros(), row.cpuMicrosPerOp(),
                    writesPerFsync(row, fsyncs), row.ops(), row.errors()));
        }
        lines.add("");
        lines.add("| ratio | test | ops/s | p50 | p99 | server CPU/op | writes/fsync |");
        lines.add("|---|---|---:|---:|---:|---:|---:|");
        List<String> others = rows.stream().map(Row::system).filter(s -> !s.equals("caucus")).distinct().toList();
        for (Row caucus : rows.stream().filter(r -> r.system().equals("caucus")).toList()) {
            for (String other : others) {
                find(rows, other, caucus.test()).ifPresent(o -> lines.add("| caucus/%s | %s | %s | %s | %s | %s | %s |"
                        .formatted(other, caucus.test(), ratio(caucus.opsPerSecond(), o.opsPerSecond()),
                                ratio(caucus.p50Micros(), o.p50Micros()), ratio(caucus.p99Micros(), o.p99Micros()),
                                ratio(caucus.cpuMicrosPerOp(), o.cpuMicrosPerOp()),
                                ratio(writesPerFsync(caucus, fsyncs), writesPerFsync(o, fsyncs)))));
            }
        }
        if (threads.isPresent() && Files.exists(threads.get())) {
            lines.addAll(threadTable(Files.readAllLines(threads.get())));
        }
        Files.write(out, lines);
        lines.forEach(System.out::println);
    }

    /**
     * Server CPU per operation of the load generator's phases by thread group, largest first (at most 8 per
     * phase, the rest summed), with the JIT compiler's share named: on a loaded 2-core host it can still be
     * compiling well after the warm-up, and that is not the server's steady-state cost.
     */
    static List<String> threadTable(List<String> threadRows) {
        Map<String, Map<String, Double>> byPhase = new LinkedHashMap<>();
        for (String line : threadRows) {
            String[] f = line.split("\t");
            if (f.length == 4) {
                byPhase.computeIfAbsent(f[0] + " " + f[1], k -> new LinkedHashMap<>())
                        .merge(f[2], Double.parseDouble(f[3]), Double::sum);
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("| system phase (loadgen) | server CPU µs/op | of it JIT compiler | threads, µs/op |");
        lines.add("|---|---:|---:|---|");
        byPhase.forEach((phase, groups) -> {
            double total = groups.values().stream().mapToDouble(Double::doubleValue).sum();
            double jit = groups.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre"))
                    .mapToDouble(Map.Entry::getValue).sum();
            List<Map.Entry<String, Double>> sorted = groups.entrySet().stream()
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).toList();
            StringBuilder top = new StringBuilder();
            double rest = 0;
            for (int i = 0; i < sorted.size(); i++) {
                if (i < 8) {
                    top.append(i == 0 ? "" : ", ").append(sorted.get(i).getKey())
                            .append(String.format(" %.1f", sorted.get(i).getValue()));
                } else {
                    rest += sorted.get(i).getValue();
                }
            }
            if (rest > 0) {
                top.append(String.format(", others %.1f", rest));
            }
            lines.add("| %s | %.1f | %.1f | %s |".formatted(phase, total, jit, top));
        });
        return lines;
    }

    /** Only the load generator's write phase has its fsyncs counted; "n/a" when they were not. */
    private static String writesPerFsync(Row row, Map<String, Fsyncs> fsyncs) {
        if (!row.source().equals("loadgen") || !row.phase().equals("write")) {
            return "-";
        }
        Fsyncs counted = fsyncs.get(row.system());
        return counted == null ? "n/a" : counted.writesPerFsync(row.opsPerSecond());
    }

    private static Optional<Row> find(List<Row> rows, String system, String test) {
        return rows.stream().filter(r -> r.system().equals(system) && r.test().equals(test)).findFirst();
    }

    private static String ratio(String numerator, String denominator) {
        try {
            double d = Double.parseDouble(denominator);
            return d == 0 ? "-" : String.format("%.2f", Double.parseDouble(numerator) / d);
        } catch (NumberFormatException e) {
            return "-"; // a value that was not measured ("-")
        }
    }
}
