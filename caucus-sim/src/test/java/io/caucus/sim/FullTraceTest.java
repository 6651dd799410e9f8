package io.caucus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.sim.client.ClientWorkload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole trace of a few fixed seeds (every message sent, dropped and delivered, every persist, role change,
 * apply and snapshot), run twice: a seed must replay byte for byte. Each trace is written to
 * {@code target/sim-traces/seed-N.trace} with its SHA-256 in {@code seed-N.sha256}, so that a refactoring of the
 * core that claims to change no behaviour can be checked by comparing the hashes before and after it.
 */
class FullTraceTest {

    private static final Path TRACES = Path.of("target/sim-traces");
    /** Larger than any of these seeds' event counts, so that the ring keeps the whole run. */
    private static final int CAPACITY = 4_000_000;
    private static final long FAULT_TICKS = RandomFaultsTest.FAULT_TICKS;

    /** Seeds covering 3, 5 and 7 nodes, membership changes and transfers, both disk models and compaction. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void aSeedReplaysByteForByteAndItsWholeTraceIsKept(long seed) throws IOException {
        String first = fullTrace(seed);
        String second = fullTrace(seed);

        assertThat(second).as("seed %d replayed", seed).isEqualTo(first);
        Files.createDirectories(TRACES);
        Files.writeString(TRACES.resolve("seed-" + seed + ".trace"), first, StandardCharsets.UTF_8);
        Files.writeString(TRACES.resolve("seed-" + seed + ".sha256"), sha256(first) + "  seed-" + seed + ".trace\n",
                StandardCharsets.UTF_8);
    }

    private static String fullTrace(long seed) {
        Simulation sim = new Simulation(RandomFaultRun.configOf(seed).withTraceCapacity(CAPACITY));
        RandomFaultRun.run(sim, FAULT_TICKS, ClientWorkload.ReadMode.READ_INDEX);
        String trace = sim.trace().render();
        assertThat(trace.lines().count()).as("the ring kept every event of seed %d", seed)
                .isEqualTo(sim.trace().recorded());
        return trace;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
