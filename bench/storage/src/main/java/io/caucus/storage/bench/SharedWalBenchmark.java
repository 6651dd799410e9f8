package io.caucus.storage.bench;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.LogEntry;
import io.caucus.core.Persist;
import io.caucus.storage.DurableLog;
import io.caucus.storage.RealDisk;
import io.caucus.storage.StorageOptions;
import io.caucus.storage.multi.GroupLog;
import io.caucus.storage.multi.SharedWal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One operation = one round in which each of {@code groups} Raft groups makes one {@code entryBytes}-byte entry
 * durable, as a process hosting that many busy groups does.
 *
 * <ul>
 *   <li>{@code separate}: one {@link DurableLog} per group, each written and synced (one fsync per group).
 *   <li>{@code shared}: one {@link SharedWal}; every group's {@link GroupLog} is written, then one sync covers
 *       them all (group commit across groups).
 * </ul>
 *
 * The {@link Counters} report appends and fsyncs per second, so appends per fsync is their ratio.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SharedWalBenchmark {

    private static final ClusterConfiguration CONFIGURATION = ClusterConfiguration.ofVoters("n1");

    @Param({"1", "16", "64"})
    public int groups;

    @Param({"100"})
    public int entryBytes;

    @Param({"separate", "shared"})
    public String target;

    /** Events per second that JMH reports beside the operation rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counters {
        public long appends;
        public long fsyncs;
    }

    private java.nio.file.Path directory;
    private final List<DurableLog> logs = new ArrayList<>();
    private SharedWal wal;
    private final List<GroupLog> groupLogs = new ArrayList<>();
    private byte[] payload;
    private long sequence;

    @Setup(Level.Trial)
    public void open() throws IOException {
        directory = BenchDirectory.create("caucus-shared-wal-bench");
        payload = new byte[entryBytes];
        new Random(1).nextBytes(payload);
        StorageOptions options = StorageOptions.DEFAULTS.withSegmentBytes(8L << 20).withCacheBytes(1 << 20);
        if (target.equals("separate")) {
            for (int group = 0; group < groups; group++) {
                logs.add(DurableLog.open(RealDisk.INSTANCE, directory.resolve("group-" + group), options,
                        CONFIGURATION).log());
            }
        } else {
            wal = SharedWal.open(RealDisk.INSTANCE, directory.resolve("shared"), 8L << 20);
            for (int group = 0; group < groups; group++) {
                groupLogs.add(wal.group(group, CONFIGURATION));
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        logs.forEach(DurableLog::close);
        if (wal != null) {
            wal.close();
        }
        BenchDirectory.delete(directory);
    }

    @Benchmark
    public long roundOfAppends(Counters counters) {
        return target.equals("separate") ? separateRound(counters) : sharedRound(counters);
    }

    private long separateRound(Counters counters) {
        long durable = 0;
        for (DurableLog log : logs) {
            log.write(new Persist(sequence++, null, List.of(next(log.lastIndex()))));
            durable += log.sync();
            counters.fsyncs++;
        }
        counters.appends += groups;
        return durable;
    }

    private long sharedRound(Counters counters) {
        long fsyncsBefore = wal.fsyncs();
        for (GroupLog log : groupLogs) {
            log.write(new Persist(sequence++, null, List.of(next(log.lastIndex()))));
        }
        long durable = wal.sync();
        counters.fsyncs += wal.fsyncs() - fsyncsBefore;
        counters.appends += groups;
        return durable;
    }

    private LogEntry next(long lastIndex) {
        return LogEntry.command(1, lastIndex + 1, payload);
    }
}
