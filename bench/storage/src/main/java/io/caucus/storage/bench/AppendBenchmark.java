package io.caucus.storage.bench;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.LogEntry;
import io.caucus.core.Persist;
import io.caucus.storage.DurableLog;
import io.caucus.storage.RealDisk;
import io.caucus.storage.StorageOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * One operation = make one batch of {@code batchSize} entries of {@code entryBytes} payload durable.
 *
 * <ul>
 *   <li>{@code log}: {@link DurableLog#write} of the batch, then {@link DurableLog#sync} (one fsync per batch).
 *   <li>{@code raw}: the raw limit of the same file system: write the bytes the batch occupies on disk
 *       (payload plus the 29-byte record header per entry) to a plain FileChannel, then force it.
 * </ul>
 *
 * Both targets run back to back for each parameter pair, so a shared, noisy machine affects them alike.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AppendBenchmark {

    private static final int RECORD_HEADER_BYTES = 29;

    @Param({"100", "4096"})
    public int entryBytes;

    @Param({"1", "8", "64", "512"})
    public int batchSize;

    @Param({"raw", "log"})
    public String target;

    private Path directory;
    private DurableLog log;
    private byte[][] payloads;
    private long sequence;
    private FileChannel channel;
    private ByteBuffer rawBatch;
    private long rawPosition;

    @Setup(Level.Trial)
    public void open() throws IOException {
        directory = BenchDirectory.create("caucus-append-bench");
        Random random = new Random(1);
        if (target.equals("log")) {
            log = DurableLog.open(RealDisk.INSTANCE, directory, StorageOptions.DEFAULTS.withCacheBytes(8L << 20),
                    ClusterConfiguration.ofVoters("n1")).log();
            payloads = new byte[64][entryBytes];
            for (byte[] payload : payloads) {
                random.nextBytes(payload);
            }
        } else {
            channel = FileChannel.open(directory.resolve("raw.dat"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            byte[] bytes = new byte[batchSize * (entryBytes + RECORD_HEADER_BYTES)];
            random.nextBytes(bytes);
            rawBatch = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (log != null) {
            log.close();
        }
        if (channel != null) {
            channel.close();
        }
        BenchDirectory.delete(directory);
    }

    @Benchmark
    public long appendBatchDurably() throws IOException {
        return target.equals("log") ? appendToLog() : appendRaw();
    }

    private long appendToLog() {
        long next = log.lastIndex() + 1;
        List<LogEntry> entries = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            entries.add(LogEntry.command(1, next + i, payloads[(int) ((next + i) % payloads.length)]));
        }
        long ticket = log.write(new Persist(sequence++, null, entries));
        long durable = log.sync();
        if (durable < ticket) {
            throw new IllegalStateException("sync returned " + durable + " before ticket " + ticket);
        }
        return durable;
    }

    private long appendRaw() throws IOException {
        ByteBuffer bytes = rawBatch.duplicate();
        while (bytes.hasRemaining()) {
            rawPosition += channel.write(bytes, rawPosition);
        }
        channel.force(false);
        return rawPosition;
    }
}
