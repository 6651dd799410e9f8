package io.caucus.bench.snapshot;

import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.core.SnapshotMetadata;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.KvStateMachine;
import io.caucus.server.CaucusNode;
import io.caucus.server.SnapshotOptions;
import io.caucus.server.StateMachine;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Measures a key-value snapshot of a given size through the public embedding API, the way a running service
 * takes, streams and restores one: a one-voter cluster (the leader) fills a {@link KvStateMachine} through its
 * log, takes a snapshot ({@link CaucusNode#takeSnapshot}), and a second node, started empty and added as a
 * learner, receives it over loopback TCP with the runtime's chunking, flow control and checks, and restores it.
 * Each node's state machine is wrapped ({@link Timed}) to time the capture, the writing and the restore apart
 * from the rest.
 *
 * <p>Arguments: keys, value bytes, data directory, chunk bytes, chunks in flight.
 */
public final class SnapshotBench {

    private static final NodeId LEADER = NodeId.of("leader");
    private static final NodeId FOLLOWER = NodeId.of("follower");
    private static final int KEYS_PER_COMMAND = 1000;
    /** Fill commands submitted and not yet applied, at most. */
    private static final int FILL_WINDOW = 16;
    private static final Duration WAIT = Duration.ofMinutes(30);

    public static void main(String[] args) throws Exception {
        long keys = Long.parseLong(args[0]);
        int valueBytes = Integer.parseInt(args[1]);
        Path directory = Path.of(args[2]);
        // Snapshots only when asked (thresholds 0), so the one measured is the only one.
        SnapshotOptions options = SnapshotOptions.DEFAULTS.withThresholds(0, 0)
                .withChunking(Integer.parseInt(args[3]), Integer.parseInt(args[4]))
                .withTransferTimeout(WAIT);
        Files.createDirectories(directory);
        Map<NodeId, InetSocketAddress> peers = Map.of(LEADER, freeLoopbackAddress(), FOLLOWER, freeLoopbackAddress());

        Timed source = new Timed(new KvStateMachine(KvStateMachine.DEFAULT_MAX_SESSIONS));
        try (CaucusNode leader = node(LEADER, peers, directory, source, options, false)) {
            awaitStatus(leader, status -> status.role() == Role.LEADER, "leader elected");

            long start = System.nanoTime();
            long entries = fill(leader, keys, valueBytes);
            report("fill (through the log, fsync, apply)", start, keys + " keys x " + valueBytes + " B values, "
                    + entries + " entries");
            System.gc();
            report("heap after fill", System.nanoTime(), usedHeapMiB() + " MiB used");

            start = System.nanoTime();
            SnapshotMetadata metadata = leader.takeSnapshot().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            long takeNanos = System.nanoTime() - start;
            reportNanos("capture (apply thread pause)", source.captureNanos, "");
            reportNanos("write (state machine to the snapshot file)", source.writeNanos,
                    String.format(Locale.ROOT, "%,d bytes of state", source.bytesWritten));
            reportNanos("take, in all (capture, write, fsync, publish)", takeNanos, "");
            long size = newestSnapshotBytes(directory.resolve(LEADER.value()));
            report("snapshot file", System.nanoTime(), String.format(Locale.ROOT, "%,d bytes (%.1f MiB)", size,
                    size / 1048576.0));

            Timed restored = new Timed(new KvStateMachine(KvStateMachine.DEFAULT_MAX_SESSIONS));
            try (CaucusNode follower = node(FOLLOWER, peers, directory, restored, options, true)) {
                start = System.nanoTime();
                leader.addLearner(FOLLOWER, peers.get(FOLLOWER)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                awaitStatus(follower, status -> status.appliedIndex() >= metadata.lastIncludedIndex(),
                        "follower caught up");
                long joinNanos = System.nanoTime() - start;
                reportNanos("add learner, stream + verify + fsync (" + options.chunkBytes() / 1024 + " KiB chunks, "
                        + options.maxChunksInFlight() + " in flight)", joinNanos - restored.restoreNanos, "");
                reportNanos("restore (read, check, rebuild map)", restored.restoreNanos, "dbsize "
                        + dbsize(restored.machine));
                reportNanos("learner caught up, in all (from the add)", joinNanos, "");
            }
        }
    }

    private static CaucusNode node(NodeId id, Map<NodeId, InetSocketAddress> peers, Path directory,
                                   StateMachine machine, SnapshotOptions options, boolean join) {
        return CaucusNode.builder()
                .id(id.value())
                .peers(join ? peers : Map.of(id, peers.get(id)))
                .join(join)
                .dataDirectory(directory.resolve(id.value()))
                .stateMachine(machine)
                .snapshotOptions(options)
                .requestTimeout(WAIT)
                .start();
    }

    /** Fills the leader's state with MSETs of one session, {@link #FILL_WINDOW} in flight; returns the last index. */
    private static long fill(CaucusNode leader, long keys, int valueBytes) throws Exception {
        byte[] registered = leader.submit(EntryCodec.encode(new KvEntry.Register(0)))
                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        long client = ((Reply.Int) EntryCodec.decodeReply(registered)).value();
        SplittableRandom random = new SplittableRandom(42);
        Semaphore window = new Semaphore(FILL_WINDOW);
        List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
        long sequence = 0;
        for (long first = 0; first < keys; first += KEYS_PER_COMMAND) {
            List<byte[]> mset = new ArrayList<>(1 + 2 * KEYS_PER_COMMAND);
            mset.add("MSET".getBytes(StandardCharsets.US_ASCII));
            for (long k = first; k < Math.min(keys, first + KEYS_PER_COMMAND); k++) {
                mset.add(String.format(Locale.ROOT, "key:%012d", k).getBytes(StandardCharsets.US_ASCII));
                byte[] value = new byte[valueBytes];
                random.nextBytes(value);
                mset.add(value);
            }
            window.acquire();
            CompletableFuture<byte[]> applied = leader.submit(EntryCodec.encode(new KvEntry.SessionCommand(0, client,
                    ++sequence, new KvEntry.Call(mset))));
            applied.whenComplete((reply, failure) -> window.release());
            inFlight.add(applied);
            inFlight.removeIf(CompletableFuture::isDone);
            for (CompletableFuture<byte[]> done : inFlight) {
                if (done.isCompletedExceptionally()) {
                    done.join(); // throws: the fill must be complete for the figures to mean anything
                }
            }
        }
        for (CompletableFuture<byte[]> pending : inFlight) {
            pending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        return leader.status().appliedIndex();
    }

    private static void awaitStatus(CaucusNode node, Predicate<NodeStatus> condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.test(node.status())) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("not " + what + " within " + WAIT + ": " + node.status());
            }
            Thread.sleep(10);
        }
    }

    private static Object dbsize(KvStateMachine machine) {
        return EntryCodec.decodeReply(machine.query(EntryCodec.encode(new KvQuery.Call(0,
                List.of("DBSIZE".getBytes(StandardCharsets.US_ASCII))))));
    }

    private static long newestSnapshotBytes(Path dataDirectory) throws IOException {
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".snap"))
                    .max((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .map(file -> {
                        try {
                            return Files.size(file);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .orElseThrow(() -> new IllegalStateException("no snapshot file under " + dataDirectory));
        }
    }

    private static InetSocketAddress freeLoopbackAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }
    }

    private static long usedHeapMiB() {
        Runtime runtime = Runtime.getRuntime();
        return (runtime.totalMemory() - runtime.freeMemory()) >> 20;
    }

    private static void report(String step, long startNanos, String detail) {
        reportNanos(step, System.nanoTime() - startNanos, detail);
    }

    private static void reportNanos(String step, long nanos, String detail) {
        System.out.printf(Locale.ROOT, "%-60s %8d ms  %s%n", step, TimeUnit.NANOSECONDS.toMillis(nanos), detail);
    }

    /** The key-value state machine, with the time its snapshot and restore steps take (one of each measured). */
    private static final class Timed implements StateMachine {
        final KvStateMachine machine;
        volatile long captureNanos;
        volatile long writeNanos;
        volatile long bytesWritten;
        volatile long restoreNanos;

        Timed(KvStateMachine machine) {
            this.machine = machine;
        }

        @Override
        public byte[] apply(long index, byte[] command) {
            return machine.apply(index, command);
        }

        @Override
        public byte[] query(byte[] query) {
            return machine.query(query);
        }

        @Override
        public Snapshot snapshot(long appliedIndex) {
            long start = System.nanoTime();
            Snapshot view = machine.snapshot(appliedIndex);
            captureNanos = System.nanoTime() - start;
            return new Snapshot() {
                @Override
                public void writeTo(OutputStream out) throws IOException {
                    long begin = System.nanoTime();
                    long[] count = new long[1];
                    view.writeTo(new FilterOutputStream(out) {
                        @Override
                        public void write(int b) throws IOException {
                            out.write(b);
                            count[0]++;
                        }

                        @Override
                        public void write(byte[] bytes, int offset, int length) throws IOException {
                            out.write(bytes, offset, length);
                            count[0] += length;
                        }
                    });
                    writeNanos = System.nanoTime() - begin;
                    bytesWritten = count[0];
                }

                @Override
                public void close() {
                    view.close();
                }
            };
        }

        @Override
        public void restore(long lastIncludedIndex, InputStream data) throws IOException {
            long start = System.nanoTime();
            machine.restore(lastIncludedIndex, data);
            restoreNanos = System.nanoTime() - start;
        }
    }
}
