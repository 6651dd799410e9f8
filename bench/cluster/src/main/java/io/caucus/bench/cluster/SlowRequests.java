package io.caucus.bench.cluster;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A diagnostic: the requests of one client slower than a threshold, with when they were sent (wall-clock
 * milliseconds, so they line up with server logs and GC logs). Merged over the clients, they show whether the
 * latency tail is a few stalls that hold every client at once (bursts of about one request per client in the
 * same window) or spread out. Owned by one client thread until the phase ends.
 */
final class SlowRequests {

    /** Slow requests are counted per window of this many milliseconds of wall-clock time. */
    static final long WINDOW_MILLIS = 50;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final long thresholdMicros;
    private final List<long[]> sentMillisAndMicros = new ArrayList<>();

    /** @param thresholdMicros record requests slower than this; 0 records none */
    SlowRequests(long thresholdMicros) {
        this.thresholdMicros = thresholdMicros;
    }

    /** Notes a request sent at {@code sentNanos} (System.nanoTime) that took {@code micros}. */
    void record(long sentNanos, long micros) {
        if (thresholdMicros > 0 && micros > thresholdMicros) {
            long sentMillis = System.currentTimeMillis() - (System.nanoTime() - sentNanos) / 1_000_000;
            sentMillisAndMicros.add(new long[] {sentMillis, micros});
        }
    }

    /** One line per window that had slow requests: its start (UTC), how many, and the slowest (µs). */
    static List<String> report(List<SlowRequests> clients) {
        Map<Long, long[]> countAndMaxByWindow = new TreeMap<>();
        for (SlowRequests client : clients) {
            for (long[] request : client.sentMillisAndMicros) {
                long[] window = countAndMaxByWindow.computeIfAbsent(request[0] / WINDOW_MILLIS, w -> new long[2]);
                window[0]++;
                window[1] = Math.max(window[1], request[1]);
            }
        }
        List<String> lines = new ArrayList<>();
        countAndMaxByWindow.forEach((window, countAndMax) -> lines.add(String.format("slow %s %d requests, slowest %d us",
                TIME.format(Instant.ofEpochMilli(window * WINDOW_MILLIS)), countAndMax[0], countAndMax[1])));
        return lines;
    }
}
