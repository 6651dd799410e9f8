package io.caucus.bench.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The load generator of {@code bench/cluster/run.sh}. Two commands:
 * <pre>
 * run    --system caucus|redis --endpoint HOST:PORT [--endpoint ...] --results FILE.tsv
 *        [--clients 50] [--keys 100000] [--value-bytes 100] [--warmup-seconds 10] [--write-seconds 20]
 *        [--read-seconds 20] [--pid PID ...] [--clock-ticks-per-second 100] [--threads FILE.tsv]
 *        [--slow-micros N] [--write-started FILE] [--tls-ca CA.pem] [--redis-cluster true]
 * report --results FILE.tsv --out FILE.md [--threads FILE.tsv] [--fsyncs FILE.tsv]
 * </pre>
 * {@code run} drives one system with closed-loop clients (each with one request outstanding, each on its own
 * connection, kept from the first phase to the last): a warm-up of writes that is not recorded, then a write
 * phase, then a read phase over the same key space, and appends one row per measured phase to the results
 * file. {@code --pid} names the server processes whose CPU time is charged to the phase; {@code --threads}
 * also appends, per phase, the server CPU per operation of each thread group (see {@link ThreadCpu}), which
 * separates the JIT compiler's share from the server's own;
 * {@code --slow-micros} prints, per phase, when the requests slower than that were sent ({@link SlowRequests});
 * {@code --write-started} creates that file when the measured write phase starts (the script counts the
 * servers' fsyncs from then on); {@code --tls-ca} speaks TLS to the endpoints, trusting that CA (PEM);
 * {@code --redis-cluster true} drives a Redis Cluster (a sharded Caucus) through JedisCluster, the endpoints being
 * its seeds ({@link RedisClusterTarget}).
 * {@code report} turns every row collected (including the redis-benchmark rows and the etcd load generator's
 * rows the script adds) into one markdown table with the ratios of Caucus to every other system.
 * The peers' load generators call {@link #run(List, LoadTarget.Factory)} with their own clients.
 */
public final class ClusterBench {

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            fail("usage: ClusterBench run|report [options]; see the class comment");
        }
        Options options = Options.parse(List.of(args).subList(1, args.length));
        switch (args[0]) {
            case "run" -> run(options, endpoints -> Boolean.parseBoolean(options.all("redis-cluster").stream()
                    .findFirst().orElse("false"))
                    ? new RedisClusterTarget(endpoints, options.intValue("clients", 50))
                    : new RedisProtocolTarget(endpoints,
                            options.all("tls-ca").stream().map(Path::of).findFirst().orElse(null)));
            case "report" -> Report.write(Path.of(options.required("results")), Path.of(options.required("out")),
                    options.all("threads").stream().map(Path::of).findFirst(),
                    options.all("fsyncs").stream().map(Path::of).findFirst());
            default -> fail("unknown command '" + args[0] + "': expected run or report");
        }
    }

    /** The {@code run} command with the arguments after it, driving the target {@code targets} opens. */
    public static void run(List<String> args, LoadTarget.Factory targets) throws Exception {
        run(Options.parse(args), targets);
    }

    private static void run(Options options, LoadTarget.Factory targets) throws Exception {
        String system = options.required("system");
        List<String> endpoints = options.all("endpoint");
        if (endpoints.isEmpty()) {
            fail("--endpoint HOST:PORT is required at least once");
        }
        Workload workload = new Workload(options.intValue("clients", 50), options.intValue("keys", 100_000),
                options.intValue("value-bytes", 100));
        List<Long> pids = options.all("pid").stream().map(Long::parseLong).toList();
        ProcessCpu cpu = new ProcessCpu(pids, options.intValue("clock-ticks-per-second", 100));
        ThreadCpu threads = new ThreadCpu(pids, options.intValue("clock-ticks-per-second", 100));
        List<String> threadRows = new ArrayList<>();
        Path resultsFile = Path.of(options.required("results"));
        List<LoadPhase.Phase> phases = List.of(
                new LoadPhase.Phase(Operation.WRITE, seconds(options, "warmup-seconds", 10), false),
                new LoadPhase.Phase(Operation.WRITE, seconds(options, "write-seconds", 20), true),
                new LoadPhase.Phase(Operation.READ, seconds(options, "read-seconds", 20), true));
        // CPU readings at each phase boundary, taken on the one thread that LoadPhase calls back on.
        long[] cpuMicrosAt = new long[phases.size() + 1];
        List<Map<String, Long>> threadsAt = new ArrayList<>();
        List<PhaseResult> results;
        List<String> writeStarted = options.all("write-started");
        try (LoadTarget target = targets.open(endpoints)) {
            results = LoadPhase.run(target, workload, phases, options.intValue("slow-micros", 0), boundary -> {
                cpuMicrosAt[boundary] = cpu.totalMicros();
                threadsAt.add(threads.microsByGroup());
                if (boundary == 1) {
                    writeStarted.forEach(ClusterBench::touch);
                }
            });
        }
        List<String> rows = new ArrayList<>();
        for (int i = 0, measured = 0; i < phases.size(); i++) {
            if (!phases.get(i).measured()) {
                continue;
            }
            PhaseResult result = results.get(measured++);
            ThreadCpu.delta(threadsAt.get(i), threadsAt.get(i + 1)).forEach((group, micros) -> {
                if (micros > 0 && result.ops() > 0) {
                    threadRows.add(String.join("\t", system, result.operation().label(), group,
                            String.format("%.1f", (double) micros / result.ops())));
                }
            });
            long cpuMicros = cpuMicrosAt[i + 1] - cpuMicrosAt[i];
            String row = result.toRow(system, "loadgen", pids.isEmpty() ? -1 : cpuMicros);
            System.out.println(row);
            rows.add(row);
        }
        Files.write(resultsFile, rows, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        for (String file : options.all("threads")) {
            Files.write(Path.of(file), threadRows, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    private static void touch(String file) {
        try {
            Files.writeString(Path.of(file), "");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create --write-started file " + file, e);
        }
    }

    private static Duration seconds(Options options, String name, int defaultSeconds) {
        return Duration.ofSeconds(options.intValue(name, defaultSeconds));
    }

    static void fail(String message) {
        System.err.println("cluster-bench: " + message);
        System.exit(2);
    }
}
