package io.caucus.bench.cluster;

import org.HdrHistogram.Histogram;

/** One phase's outcome; latencies (µs) count successful requests only, errors are counted apart. */
record PhaseResult(Operation operation, long ops, long errors, double seconds, Histogram latencyMicros) {

    double opsPerSecond() {
        return seconds > 0 ? ops / seconds : 0;
    }

    /**
     * A tab-separated row of the results file: system, source, phase, ops, errors, seconds, ops/s, p50 µs,
     * p99 µs, server CPU µs per op ({@code -} when no server process was measured).
     */
    String toRow(String system, String source, long serverCpuMicros) {
        String cpuPerOp = serverCpuMicros < 0 || ops == 0 ? "-" : String.format("%.1f", (double) serverCpuMicros / ops);
        return String.join("\t", system, source, operation.label(), Long.toString(ops), Long.toString(errors),
                String.format("%.2f", seconds), String.format("%.0f", opsPerSecond()),
                Long.toString(latencyMicros.getValueAtPercentile(50)),
                Long.toString(latencyMicros.getValueAtPercentile(99)), cpuPerOp);
    }
}
