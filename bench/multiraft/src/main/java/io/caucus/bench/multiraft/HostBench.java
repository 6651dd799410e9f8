package io.caucus.bench.multiraft;

import io.caucus.core.NodeId;
import io.caucus.core.RaftOptions;
import io.caucus.core.Role;
import io.caucus.server.CaucusHost;
import io.caucus.server.CaucusNode;
import io.caucus.server.HostMetrics;
import io.caucus.server.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Three {@link CaucusHost} processes (in one JVM: the same machine's cores and disk for every configuration) run
 * {@code groups} Raft groups on 3 replicas each; {@code writers} closed-loop clients submit {@code valueBytes}-byte
 * commands to the groups' leaders, round robin over the groups, for {@code seconds} after a warm-up. Prints writes
 * per second, latency percentiles, and the shared log's fsyncs per host: with many groups one fsync covers writes of
 * many groups (group commit across groups), which is what the shared WAL is for.
 *
 * <p>With no writers it measures idle groups instead: the JVM's CPU per second and its heap after a collection, with
 * quiescence on (the host's default) or off ({@code QUIESCE=false}).
 *
 * <p>Usage: {@code HostBench GROUPS WRITERS SECONDS WARMUP_SECONDS VALUE_BYTES DATA_DIR [QUIESCE]}
 */
public final class HostBench {

    private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(10);

    /** Counts commands; its snapshot is the count. */
    static final class Counter implements StateMachine {
        private volatile long applied;

        @Override
        public byte[] apply(long index, byte[] command) {
            applied++;
            return ByteBuffer.allocate(8).putLong(applied).array();
        }

        @Override
        public byte[] query(byte[] query) {
            return ByteBuffer.allocate(8).putLong(applied).array();
        }

        @Override
        public Snapshot snapshot(long appliedIndex) {
            long captured = applied;
            return out -> out.write(ByteBuffer.allocate(8).putLong(captured).array());
        }

        @Override
        public void restore(long lastIncludedIndex, InputStream data) throws IOException {
            applied = ByteBuffer.wrap(data.readAllBytes()).getLong();
        }
    }

    private HostBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6 || args.length > 9) {
            System.err.println("usage: HostBench GROUPS WRITERS SECONDS WARMUP_SECONDS VALUE_BYTES DATA_DIR [QUIESCE"
                    + " [LINGER_MICROS [GATHER_MICROS]]]");
            System.exit(2);
        }
        boolean quiesce = args.length < 7 || Boolean.parseBoolean(args[6]);
        Duration linger = args.length < 8 ? CaucusNode.Builder.DEFAULT_PROPOSAL_LINGER
                : Duration.ofNanos(Long.parseLong(args[7]) * 1000);
        Duration gather = args.length < 9 ? null : Duration.ofNanos(Long.parseLong(args[8]) * 1000); // null: default
        int groups = Integer.parseInt(args[0]);
        int writers = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        int valueBytes = Integer.parseInt(args[4]);
        Path data = Path.of(args[5]);

        Map<NodeId, InetSocketAddress> peers = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            peers.put(NodeId.of("n" + i), freeLoopbackAddress());
        }
        List<CaucusHost> hosts = new ArrayList<>();
        try {
            for (NodeId id : peers.keySet()) {
                CaucusHost.Builder builder = CaucusHost.builder().id(id.value()).peers(peers)
                        .dataDirectory(data.resolve(id.value())).proposalLinger(linger)
                        .groups(group -> new CaucusHost.GroupDefinition(peers.keySet(), new Counter()));
                if (!quiesce) {
                    builder.raftOptions(RaftOptions.DEFAULTS); // quiesceAfterTicks 0: every group keeps ticking
                }
                if (gather != null) {
                    builder.syncGather(gather);
                }
                hosts.add(builder.start());
            }
            for (long group = 1; group <= groups; group++) {
                for (CaucusHost host : hosts) {
                    host.group(group);
                }
            }
            if (writers == 0) {
                idle(hosts, groups, seconds, warmup, quiesce);
            } else {
                run(hosts, groups, writers, seconds, warmup, valueBytes);
            }
        } finally {
            hosts.forEach(CaucusHost::close);
        }
    }

    private static void run(List<CaucusHost> hosts, int groups, int writers, int seconds, int warmup,
                            int valueBytes) throws InterruptedException {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong failures = new AtomicLong();
        long[][] latencies = new long[writers][];
        int[] counts = new int[writers];
        CountDownLatch done = new CountDownLatch(writers);
        for (int w = 0; w < writers; w++) {
            int writer = w;
            latencies[w] = new long[1 << 20];
            Thread.ofPlatform().daemon().name("writer-" + w).start(() -> {
                byte[] command = new byte[valueBytes];
                long next = writer;
                try {
                    while (!stop.get()) {
                        long group = 1 + (next++ % groups);
                        long started = System.nanoTime();
                        try {
                            leader(hosts, group).submit(command).get(SUBMIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        } catch (ExecutionException | TimeoutException e) {
                            failures.incrementAndGet();
                            continue;
                        }
                        if (measuring.get() && counts[writer] < latencies[writer].length) {
                            latencies[writer][counts[writer]++] = System.nanoTime() - started;
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
        }
        Thread.sleep(Duration.ofSeconds(warmup)); // a benchmark's warm-up, not a test waiting for a condition
        List<HostMetrics> before = hosts.stream().map(CaucusHost::metrics).toList();
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        measuring.set(true);
        Thread.sleep(Duration.ofSeconds(seconds));
        measuring.set(false);
        long elapsed = System.nanoTime() - start;
        long cpuNanos = processCpuNanos() - cpuBefore;
        List<HostMetrics> after = hosts.stream().map(CaucusHost::metrics).toList();
        stop.set(true);
        done.await(SUBMIT_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        report(groups, writers, valueBytes, elapsed, cpuNanos, latencies, counts, before, after, failures.get());
    }

    /** Every group elects a leader, then nothing is written: what do idle groups cost? */
    private static void idle(List<CaucusHost> hosts, int groups, int seconds, int warmup, boolean quiesce)
            throws InterruptedException {
        for (long group = 1; group <= groups; group++) {
            leader(hosts, group);
        }
        Thread.sleep(Duration.ofSeconds(warmup)); // a benchmark's settling time, not a test waiting for a condition
        long cpuBefore = processCpuNanos();
        long sentBefore = hosts.stream().mapToLong(host -> host.metrics().transport().messagesSent()).sum();
        long start = System.nanoTime();
        Thread.sleep(Duration.ofSeconds(seconds));
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = (processCpuNanos() - cpuBefore) / 1e9;
        long sent = hosts.stream().mapToLong(host -> host.metrics().transport().messagesSent()).sum() - sentBefore;
        int quiesced = hosts.stream().mapToInt(host -> host.metrics().quiesced()).sum();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf("idle groups=%d (x3 replicas) quiesce=%s: CPU %.3f cores, %.0f Raft messages/s, "
                        + "%d of %d replicas quiesced, heap after GC %.0f MB%n", groups, quiesce, cpu / elapsed,
                sent / elapsed, quiesced, groups * hosts.size(), heap / 1e6);
    }

    /** CPU time of the whole JVM: the three hosts and, when writing, the writers. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The replica of {@code group} that leads, waiting while an election runs. */
    private static CaucusNode leader(List<CaucusHost> hosts, long group) throws InterruptedException {
        long deadline = System.nanoTime() + SUBMIT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (CaucusHost host : hosts) {
                CaucusNode replica = host.runningGroup(group).orElseThrow();
                if (replica.status().role() == Role.LEADER) {
                    return replica;
                }
            }
            Thread.sleep(5); // polling for an election, with a deadline
        }
        throw new IllegalStateException("group " + group + " elected no leader within " + SUBMIT_TIMEOUT);
    }

    private static void report(int groups, int writers, int valueBytes, long elapsedNanos, long cpuNanos,
                               long[][] latencies,
                               int[] counts, List<HostMetrics> before, List<HostMetrics> after, long failures) {
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int w = 0; w < latencies.length; w++) {
            System.arraycopy(latencies[w], 0, all, at, counts[w]);
            at += counts[w];
        }
        Arrays.sort(all);
        double perSecond = total / (elapsedNanos / 1e9);
        long fsyncs = 0;
        long rounds = 0;
        for (int i = 0; i < before.size(); i++) {
            fsyncs += after.get(i).walFsyncs() - before.get(i).walFsyncs();
            rounds += after.get(i).walSyncRounds() - before.get(i).walSyncRounds();
        }
        // Each write is made durable on all three hosts: writes per fsync counts one write once per host.
        double writesPerFsync = fsyncs == 0 ? 0 : 3.0 * total / fsyncs;
        // The JVM's CPU: the three hosts and the writers together, on the same cores.
        System.out.printf("groups=%d writers=%d value=%dB: %.0f writes/s, p50 %.2f ms, p99 %.2f ms, "
                        + "CPU %.1f us/write, fsyncs/s per host %.0f, writes per fsync %.1f, sync rounds/s per host"
                        + " %.0f, failures %d%n",
                groups, writers, valueBytes, perSecond, percentile(all, 0.50), percentile(all, 0.99),
                total == 0 ? 0 : cpuNanos / 1e3 / total,
                fsyncs / 3.0 / (elapsedNanos / 1e9), writesPerFsync, rounds / 3.0 / (elapsedNanos / 1e9), failures);
    }

    private static double percentile(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] / 1e6;
    }

    private static InetSocketAddress freeLoopbackAddress() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
