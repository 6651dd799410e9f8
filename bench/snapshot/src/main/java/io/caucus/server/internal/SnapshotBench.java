package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.KvStateMachine;
import io.caucus.server.SnapshotOptions;
import io.caucus.server.StateMachine;
import io.caucus.storage.DurableLog;
import io.caucus.storage.RealDisk;
import io.caucus.storage.SnapshotStore;
import io.caucus.storage.SnapshotWriter;
import io.caucus.storage.StorageOptions;
import io.caucus.transport.InboundHandler;
import io.caucus.transport.PeerTransport;
import io.caucus.transport.SnapshotFrame;
import io.caucus.transport.TransportOptions;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Measures a key-value snapshot of a given size through the code the servers run: fill a
 * {@link KvStateMachine} through its apply path, take a snapshot (capture on "the apply thread", write and
 * commit to a {@link SnapshotStore}), stream it to a second store over two real {@link PeerTransport}s on
 * loopback with the runtime's chunking and flow control ({@link OutgoingSnapshots} and
 * {@link IncomingSnapshots}), and restore a fresh state machine from the received copy.
 *
 * <p>Arguments: keys, value bytes, data directory, chunk bytes, chunks in flight. It lives in the runtime's
 * package to reach the package-private transfer classes (a benchmark, not an API).
 */
public final class SnapshotBench {

    private static final NodeId LEADER = NodeId.of("leader");
    private static final NodeId FOLLOWER = NodeId.of("follower");
    private static final int KEYS_PER_COMMAND = 1000;

    public static void main(String[] args) throws Exception {
        long keys = Long.parseLong(args[0]);
        int valueBytes = Integer.parseInt(args[1]);
        Path directory = Path.of(args[2]);
        SnapshotOptions options = SnapshotOptions.DEFAULTS.withChunking(Integer.parseInt(args[3]),
                Integer.parseInt(args[4]));
        Files.createDirectories(directory);

        long start = System.nanoTime();
        KvStateMachine source = new KvStateMachine(KvStateMachine.DEFAULT_MAX_SESSIONS);
        long appliedIndex = fill(source, keys, valueBytes);
        report("fill (apply path)", start, keys + " keys x " + valueBytes + " B values, " + appliedIndex + " entries");
        System.gc();
        report("heap after fill", System.nanoTime(), usedHeapMiB() + " MiB used");

        ClusterConfiguration configuration = ClusterConfiguration.ofVoters(Set.of(LEADER, FOLLOWER));
        SnapshotMetadata metadata = new SnapshotMetadata(appliedIndex, 1, configuration);
        try (DurableLog leaderLog = DurableLog.open(RealDisk.INSTANCE, directory.resolve("leader"),
                StorageOptions.DEFAULTS, configuration).log();
             DurableLog followerLog = DurableLog.open(RealDisk.INSTANCE, directory.resolve("follower"),
                     StorageOptions.DEFAULTS, configuration).log()) {
            take(source, metadata, leaderLog.snapshots());
            long size = Files.size(directory.resolve("leader").resolve("snapshots")
                    .resolve(String.format(Locale.ROOT, "snapshot-%020d-%020d.snap", appliedIndex, 1)));
            report("snapshot file", System.nanoTime(), String.format(Locale.ROOT, "%,d bytes (%.1f MiB)", size,
                    size / 1048576.0));
            source = null; // the leader's state is no longer needed: keep the heap for the restore
            System.gc();

            transfer(metadata, leaderLog.snapshots(), followerLog.snapshots(), options);

            start = System.nanoTime();
            KvStateMachine restored = new KvStateMachine(KvStateMachine.DEFAULT_MAX_SESSIONS);
            try (InputStream data = followerLog.snapshots().openData(metadata)) {
                restored.restore(appliedIndex, data);
            }
            report("restore (read, check, rebuild map)", start, "dbsize "
                    + EntryCodec.decodeReply(restored.query(EntryCodec.encode(new KvQuery.Call(0,
                            List.of("DBSIZE".getBytes(StandardCharsets.US_ASCII)))))));
        }
    }

    private static long fill(KvStateMachine machine, long keys, int valueBytes) {
        long index = 1;
        machine.apply(index, EntryCodec.encode(new KvEntry.Register(0)));
        long client = index;
        SplittableRandom random = new SplittableRandom(42);
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
            machine.apply(++index, EntryCodec.encode(new KvEntry.SessionCommand(0, client, ++sequence,
                    new KvEntry.Call(mset))));
        }
        return index;
    }

    private static void take(StateMachine machine, SnapshotMetadata metadata, SnapshotStore store)
            throws Exception {
        long start = System.nanoTime();
        StateMachine.Snapshot view = machine.snapshot(metadata.lastIncludedIndex());
        report("capture (apply thread pause)", start, "");
        start = System.nanoTime();
        try (view; SnapshotWriter writer = store.begin(metadata)) {
            view.writeTo(writer);
            writer.commit();
        }
        report("write + fsync + publish", start, "");
    }

    private static void transfer(SnapshotMetadata metadata, SnapshotStore leaderStore, SnapshotStore followerStore,
                                 SnapshotOptions options) throws Exception {
        CompletableFuture<InstallSnapshot> installed = new CompletableFuture<>();
        OutgoingSnapshots[] outgoing = new OutgoingSnapshots[1];
        IncomingSnapshots[] incoming = new IncomingSnapshots[1];
        TransportOptions transportOptions = TransportOptions.defaults();
        PeerTransport leader = transport(LEADER, transportOptions, frame -> {
            if (frame instanceof SnapshotFrame.Ack ack) {
                outgoing[0].onAck(ack);
            }
        });
        PeerTransport follower = transport(FOLLOWER, transportOptions, frame -> {
            if (frame instanceof SnapshotFrame.Chunk chunk) {
                incoming[0].onChunk(chunk);
            }
        });
        try {
            leader.addPeer(FOLLOWER, follower.localAddress());
            follower.addPeer(LEADER, leader.localAddress());
            outgoing[0] = new OutgoingSnapshots(LEADER, leaderStore, options, leader::sendSnapshotFrame,
                    failed -> installed.completeExceptionally(new IllegalStateException("transfer failed")));
            incoming[0] = new IncomingSnapshots(FOLLOWER, new SnapshotClaims(followerStore), options,
                    follower::sendSnapshotFrame, installed::complete);
            incoming[0].start();
            long start = System.nanoTime();
            outgoing[0].start(new InstallSnapshot(LEADER, FOLLOWER, 1, metadata));
            installed.get(30, TimeUnit.MINUTES);
            report("stream to follower + verify + fsync (" + options.chunkBytes() / 1024 + " KiB chunks, "
                    + options.maxChunksInFlight() + " in flight)", start, "");
        } finally {
            if (outgoing[0] != null) {
                outgoing[0].close();
            }
            if (incoming[0] != null) {
                incoming[0].close();
            }
            leader.close();
            follower.close();
        }
    }

    private interface FrameHandler {
        void on(SnapshotFrame frame);
    }

    private static PeerTransport transport(NodeId id, TransportOptions options, FrameHandler frames) {
        PeerTransport transport = PeerTransport.builder(id)
                .listenAddress(new InetSocketAddress("127.0.0.1", 0))
                .options(options)
                .inboundHandler(new InboundHandler() {
                    @Override
                    public void onMessage(io.caucus.core.message.RaftMessage message) {
                    }

                    @Override
                    public void onSnapshotFrame(SnapshotFrame frame) {
                        frames.on(frame);
                    }
                })
                .build();
        transport.start();
        return transport;
    }

    private static long usedHeapMiB() {
        Runtime runtime = Runtime.getRuntime();
        return (runtime.totalMemory() - runtime.freeMemory()) >> 20;
    }

    private static void report(String step, long startNanos, String detail) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        System.out.printf(Locale.ROOT, "%-60s %8d ms  %s%n", step, millis, detail);
    }
}
