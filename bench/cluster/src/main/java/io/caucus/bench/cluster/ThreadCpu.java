package io.caucus.bench.cluster;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of the server processes by thread group, from /proc/PID/task/TID/{comm,stat} (proc(5)): a thread's
 * group is its name without a trailing number ("caucus-node-n1" and "caucus-node-n2" are both "caucus-node",
 * "C2 CompilerThread0" is "C2 CompilerThread"), so a phase's CPU can be split into the server's own threads
 * and the JVM's (JIT compiler, GC). A thread that exits during a phase loses its share; that only
 * under-counts short-lived threads.
 */
record ThreadCpu(List<Long> pids, int clockTicksPerSecond) {

    /** Microseconds of user + system time so far, per thread group, summed over the processes. */
    Map<String, Long> microsByGroup() {
        Map<String, Long> micros = new HashMap<>();
        for (long pid : pids) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks) {
                    addTask(task, micros);
                }
            } catch (IOException e) {
                // The process exited: ProcessCpu reports that; the breakdown just misses it.
            }
        }
        return micros;
    }

    private void addTask(Path task, Map<String, Long> micros) {
        try {
            String name = group(Files.readString(task.resolve("comm")).strip());
            String stat = Files.readString(task.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
            micros.merge(name, ticks * 1_000_000L / clockTicksPerSecond, Long::sum);
        } catch (IOException e) {
            // The thread exited between listing and reading.
        }
    }

    /** The thread's name without a trailing number and separator; Linux cuts names to 15 characters. */
    static String group(String threadName) {
        String name = threadName.replaceFirst("[-#_ ]?\\d+$", "");
        // Caucus threads end in their node id (n1, n2, ...); the kernel keeps 15 characters of a name, so the
        // node's event loop "caucus-node-n1-3-1" reads as "caucus-node-n1-".
        name = name.replaceFirst("-n\\d*-?$", "");
        return name.isEmpty() ? threadName : name;
    }

    /** after - before per group. */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new HashMap<>();
        after.forEach((group, micros) -> delta.put(group, micros - before.getOrDefault(group, 0L)));
        return delta;
    }
}
