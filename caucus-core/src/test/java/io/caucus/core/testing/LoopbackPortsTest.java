package io.caucus.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    private static final Path PORT_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    @Test
    void reservedPortsLieBelowTheKernelsEphemeralRange() throws IOException {
        assumeTrue(Files.isReadable(PORT_RANGE), "no Linux ephemeral port range to stay below");
        int firstEphemeral;
        try (BufferedReader reader = Files.newBufferedReader(PORT_RANGE)) {
            firstEphemeral = Integer.parseInt(reader.readLine().trim().split("\\s+")[0]);
        }
        assumeTrue(firstEphemeral > 11_000, "the range starts too low to choose below it");

        List<Integer> ports = LoopbackPorts.reserve(200);

        assertThat(ports).doesNotHaveDuplicates()
                .allSatisfy(port -> assertThat(port).isBetween(10_000, firstEphemeral - 1));
    }

    @Test
    void portsReservedOneAtATimeAreNeverTheSame() throws IOException {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ports.add(LoopbackPorts.reserve(1).getFirst());
        }

        assertThat(ports).doesNotHaveDuplicates();
    }
}
