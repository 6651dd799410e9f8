package io.caucus.storage;

import io.caucus.core.LogEntry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills a real JVM that is appending ({@link CrashChild}) with SIGKILL at random moments, then reopens its
 * directory: every index the child reported durable must be there (or covered by the snapshot) and intact.
 * The child keeps running on the same directory across kills, so recovery of recovered stores is exercised.
 */
class ProcessCrashIT {

    private static final int RUNS = Integer.getInteger("caucus.storage.crashRuns", 20);

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void everyIndexReportedDurableSurvivesSigkill(@TempDir Path directory) throws Exception {
        Random random = new Random(RUNS);
        long lastReported = 0;
        long lastCommitReported = 0;
        for (int run = 0; run < RUNS; run++) {
            int linesBeforeKill = 1 + random.nextInt(80);
            Process child = spawn(directory, random.nextLong());
            long[] reported = readUntilKilled(child, linesBeforeKill);
            lastReported = Math.max(lastReported, reported[0]);
            lastCommitReported = Math.max(lastCommitReported, reported[1]);
            verify(directory, lastReported, lastCommitReported, "run " + run);
        }
    }

    private static Process spawn(Path directory, long seed) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Xmx128m",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                CrashChild.class.getName(), directory.toString(), Long.toString(seed))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** Reads the child's reports until {@code lines} arrived, then kills it; returns the last index and commit. */
    private static long[] readUntilKilled(Process child, int lines) throws Exception {
        long[] last = {0, 0};
        try (BufferedReader output = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            for (int read = 0; read < lines; read++) {
                String line = output.readLine();
                if (line == null) {
                    throw new AssertionError("the child exited early with status " + child.waitFor());
                }
                String[] parts = line.split(" ");
                last[0] = Long.parseLong(parts[1]);
                last[1] = Long.parseLong(parts[2]);
            }
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child killed").isTrue();
        }
        return last;
    }

    private static void verify(Path directory, long lastReported, long commitReported, String what) {
        DurableLog.Opened opened = DurableLog.open(RealDisk.INSTANCE, directory, CrashChild.OPTIONS,
                Fixtures.CONFIGURATION);
        try (DurableLog log = opened.log()) {
            assertThat(log.lastIndex()).as(what + ": last index").isGreaterThanOrEqualTo(lastReported);
            assertThat(opened.hardState().commitIndex()).as(what + ": commit").isGreaterThanOrEqualTo(commitReported);
            List<LogEntry> entries = log.entries(log.firstIndex(), log.lastIndex() + 1, Long.MAX_VALUE);
            assertThat(entries).hasSize((int) (log.lastIndex() - log.firstIndex() + 1));
            for (LogEntry entry : entries) {
                assertThat(entry.payload()).as(what + ": payload of " + entry.index())
                        .isEqualTo(CrashChild.payload(entry.index()));
            }
        }
    }
}
