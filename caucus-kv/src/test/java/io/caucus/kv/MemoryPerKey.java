package io.caucus.kv;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.caucus.kv.command.Reply;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import io.caucus.kv.state.KvStateMachine;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A measurement, not a test: the retained heap per key of the key-value state machine. Used heap (after forcing
 * GC until two readings agree) of a fresh state machine, then again after filling it; prints the difference
 * divided by the number of keys. One measurement per JVM:
 *
 * <pre>
 *   java -Xmx8g -XX:+UseG1GC -cp ... io.caucus.kv.MemoryPerKey strings 100 1000000   # SET key:%07d, 100-byte values
 *   java -Xmx8g -XX:+UseG1GC -cp ... io.caucus.kv.MemoryPerKey hashes 10 100000      # HSET hash:%06d field:0..9
 * </pre>
 */
public final class MemoryPerKey {

    private static final int BATCH = 1000;
    private static final int FIELDS_PER_HASH = 10;

    private long nextIndex = 1;
    private long nextSequence = 1;
    private final KvStateMachine machine = new KvStateMachine(KvStateMachine.DEFAULT_MAX_SESSIONS);
    private final long clientId;

    private MemoryPerKey() {
        clientId = nextIndex;
        machine.apply(nextIndex++, EntryCodec.encode(new KvEntry.Register(0)));
    }

    public static void main(String[] args) {
        boolean hashes = args.length > 0 && args[0].equals("hashes");
        int valueBytes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int keys = args.length > 2 ? Integer.parseInt(args[2]) : hashes ? 100_000 : 1_000_000;
        printJvm();
        new MemoryPerKey().fill(hashes, 10_000, valueBytes); // loads every class before the baseline

        MemoryPerKey measured = new MemoryPerKey();
        long before = usedHeapAfterGc();
        measured.fill(hashes, keys, valueBytes);
        long after = usedHeapAfterGc();
        Reference.reachabilityFence(measured);
        long size = measured.dbSize();
        if (size != keys) {
            throw new AssertionError("DBSIZE " + size + ", expected " + keys);
        }
        System.out.printf("%s keys=%d valueBytes=%d delta=%d bytesPerKey=%.1f%n", hashes ? "hashes" : "strings",
                keys, valueBytes, after - before, (double) (after - before) / keys);
    }

    private void fill(boolean hashes, int keys, int valueBytes) {
        for (int start = 0; start < keys; start += BATCH) {
            int end = Math.min(keys, start + BATCH);
            if (hashes) {
                for (int i = start; i < end; i++) {
                    List<byte[]> hset = new ArrayList<>();
                    hset.add(ascii("HSET"));
                    hset.add(ascii(String.format("hash:%06d", i)));
                    for (int f = 0; f < FIELDS_PER_HASH; f++) {
                        hset.add(ascii("field:" + f));
                        hset.add(value(i + f, valueBytes));
                    }
                    apply(hset);
                }
            } else {
                List<byte[]> mset = new ArrayList<>();
                mset.add(ascii("MSET"));
                for (int i = start; i < end; i++) {
                    mset.add(ascii(String.format("key:%07d", i)));
                    mset.add(value(i, valueBytes));
                }
                apply(mset);
            }
        }
    }

    private void apply(List<byte[]> argv) {
        byte[] entry = EntryCodec.encode(new KvEntry.SessionCommand(0, clientId, nextSequence++, new KvEntry.Call(argv)));
        if (EntryCodec.decodeReply(machine.apply(nextIndex++, entry)) instanceof Reply.Error error) {
            throw new AssertionError(error.line());
        }
    }

    private long dbSize() {
        return ((Reply.Int) EntryCodec.decodeReply(machine.query(EntryCodec.encode(
                new KvQuery.Call(0, List.of(ascii("DBSIZE"))))))).value();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(int i, int valueBytes) {
        byte[] value = new byte[valueBytes];
        for (int j = 0; j < valueBytes; j++) {
            value[j] = (byte) ('a' + (i + j) % 26);
        }
        return value;
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long previous = Long.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            System.gc();
            long used = memory.getHeapMemoryUsage().getUsed();
            if (used == previous) {
                return used;
            }
            previous = used;
        }
        return previous;
    }

    private static void printJvm() {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        System.out.printf("jvm=%s UseCompressedOops=%s maxHeap=%dMiB args=%s%n", System.getProperty("java.runtime.version"),
                hotspot.getVMOption("UseCompressedOops").getValue(), Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getRuntimeMXBean().getInputArguments());
    }
}
