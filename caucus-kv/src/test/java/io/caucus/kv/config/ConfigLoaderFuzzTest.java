package io.caucus.kv.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A damaged or hostile cluster file: the loader either returns a configuration or refuses with a
 * {@link ConfigException} naming the file; never another exception (a YAML parser error, a stack overflow on deep
 * nesting, a number that does not fit), and never an allocation far beyond the file's own size (alias expansion).
 *
 * <p>The files the cluster file names (TLS files, the node password, the admin token) resolve from a directory that
 * holds a valid password file, so fuzzed inputs also reach the checks behind them. The default suite runs the saved
 * inputs; to fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl caucus-kv -am test -Dtest=ConfigLoaderFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (docs/security.md).
 */
class ConfigLoaderFuzzTest {

    private static final Path CLUSTER_FILE = clusterFileBesideAPasswordFile();
    /** What loading may allocate beyond a fixed multiple of the file: far below an alias bomb's expansion. */
    private static final long ALLOCATION_ALLOWANCE_BYTES = 32L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @FuzzTest(maxDuration = "30s")
    void clusterFiles(byte[] file) throws Exception {
        String yaml = new String(file, StandardCharsets.UTF_8);
        assertAllocatesLessThan(ALLOCATION_ALLOWANCE_BYTES + 1024L * file.length, () -> load(yaml));
    }

    private static void load(String yaml) {
        try {
            ClusterConfig config = ConfigLoader.parse(CLUSTER_FILE, yaml);
            assertThat(config.nodes()).isNotEmpty();
        } catch (ConfigException refused) {
            assertThat(refused.getMessage()).startsWith(CLUSTER_FILE.toString());
        }
    }

    private static Path clusterFileBesideAPasswordFile() {
        try {
            Path directory = Files.createTempDirectory("caucus-config-fuzz");
            directory.toFile().deleteOnExit();
            for (String name : new String[] {"node-password", "admin-token"}) {
                Path secret = Files.writeString(directory.resolve(name), "0123456789abcdef0123456789abcdef\n");
                secret.toFile().deleteOnExit();
            }
            return directory.resolve("cluster.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A run that loads classes (and Jazzer instruments them, on this thread) allocates for that too, so a run over
     * the bound is measured again.
     */
    private static void assertAllocatesLessThan(long bound, ThrowingRunnable load) throws Exception {
        if (allocatedBy(load) >= bound) {
            assertThat(allocatedBy(load)).isLessThan(bound);
        }
    }

    private static long allocatedBy(ThrowingRunnable load) throws Exception {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        load.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
