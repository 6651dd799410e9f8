package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChildProcessesTest {

    @Test
    void aChildTakesTheParentsAotCacheAndItsQuietLoggingButNoOtherOption() {
        List<String> parent = List.of("--enable-native-access=ALL-UNNAMED", "-XX:AOTCache=/t/caucus-1.aot",
                "-Xlog:aot*=off,cds*=off", "-Xmx3g", "-XX:StartFlightRecording=duration=30s");
        assertThat(ChildProcesses.aotFlags(parent))
                .containsExactly("-XX:AOTCache=/t/caucus-1.aot", "-Xlog:aot*=off,cds*=off");
    }

    @Test
    void noCacheNoFlags() {
        assertThat(ChildProcesses.aotFlags(List.of("-Xmx256m", "-XX:+UseSerialGC"))).isEmpty();
    }
}
