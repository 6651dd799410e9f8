package io.caucus.bench.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Sums the user + system CPU time of server processes from /proc/PID/stat (fields 14 and 15, proc(5)). */
record ProcessCpu(List<Long> pids, int clockTicksPerSecond) {

    long totalMicros() {
        long ticks = 0;
        for (long pid : pids) {
            ticks += ticksOf(pid);
        }
        return ticks * 1_000_000L / clockTicksPerSecond;
    }

    private static long ticksOf(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CPU time of server process " + pid + " (has it exited?)", e);
        }
        // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        int utimeAfterParen = 14 - 3;
        return Long.parseLong(fields[utimeAfterParen]) + Long.parseLong(fields[utimeAfterParen + 1]);
    }
}
