package io.caucus.storage;

import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The process {@link ProcessCrashIT} kills: appends batches in a loop on the real disk and prints
 * {@code durable <lastIndex> <commitIndex>} once each batch is durable; now and then snapshots and compacts.
 * Entry payloads are a function of the index ({@link #payload}), so the test can check what it reads back.
 */
public final class CrashChild {

    static final StorageOptions OPTIONS = StorageOptions.DEFAULTS.withSegmentBytes(64 << 10).withCacheBytes(16 << 10);

    private CrashChild() {
    }

    public static void main(String[] args) {
        Path directory = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        DurableLog.Opened opened = DurableLog.open(RealDisk.INSTANCE, directory, OPTIONS, Fixtures.CONFIGURATION);
        DurableLog log = opened.log();
        long commit = opened.hardState().commitIndex();
        long term = Math.max(1, opened.hardState().term());
        for (long batch = 0; batch < 1_000_000; batch++) {
            List<LogEntry> entries = new ArrayList<>();
            int count = 1 + random.nextInt(16);
            for (int i = 0; i < count; i++) {
                long index = log.lastIndex() + 1 + i;
                entries.add(LogEntry.command(term, index, payload(index)));
            }
            long ticket = log.write(new Persist(batch, new HardState(term, NodeId.of("n1"), commit), entries));
            if (log.sync() < ticket) {
                throw new IllegalStateException("sync did not cover the batch");
            }
            // the commit index written with this batch is durable now; the next batch records the new one
            System.out.println("durable " + log.lastIndex() + " " + commit);
            commit = log.lastIndex();
            System.out.flush();
            if (random.nextInt(40) == 0 && commit > log.firstIndex()) {
                long index = commit - random.nextInt(5);
                SnapshotMetadata metadata = new SnapshotMetadata(index, log.term(index), Fixtures.CONFIGURATION);
                try (SnapshotWriter writer = log.snapshots().begin(metadata)) {
                    byte[] data = new byte[random.nextInt(100_000)];
                    writer.write(data, 0, data.length);
                    writer.commit();
                }
                log.installSnapshot(metadata);
            }
        }
    }

    /** The payload every run writes at {@code index}: its length and bytes both depend on the index. */
    static byte[] payload(long index) {
        Random random = new Random(index * 0x9E3779B97F4A7C15L);
        byte[] bytes = new byte[(int) (index * 7919 % 3000)];
        random.nextBytes(bytes);
        return bytes;
    }
}
