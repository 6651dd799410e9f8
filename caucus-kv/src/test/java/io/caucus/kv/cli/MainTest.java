package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.testing.LoopbackPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void aBadConfigurationIsRefusedWithTheFileAndFieldNamed(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, "nodes:\n  - {id: n1, raft: 127.0.0.1:1, client: 127.0.0.1:2, http: nowhere}\n");
        assertThat(run("server", "--config", file.toString(), "--id", "n1")).isEqualTo(2);
        assertThat(err.toString()).contains("caucus: " + file + ": nodes[0] (n1): field 'http': expected host:port");
    }

    @Test
    void anUnknownIdIsRefused(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, DemoCommand.clusterYaml(20000, directory, 0));
        assertThat(run("server", "--config", file.toString(), "--id", "n7")).isEqualTo(2);
        assertThat(err.toString()).contains("no node with id 'n7'");
    }

    @Test
    void theDemosShardedFileSaysShards(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, DemoCommand.clusterYaml(20000, directory, 8));
        assertThat(io.caucus.kv.config.ConfigLoader.load(file).sharding().shards()).isEqualTo(8);
    }

    @Test
    void aDemoRunAgainOnItsDataWithOtherPortsIsRefused(@TempDir Path directory) throws Exception {
        Files.writeString(directory.resolve("cluster.yaml"), DemoCommand.clusterYaml(20000, directory.resolve("data"), 0));
        Files.createDirectories(directory.resolve("data").resolve("n1"));
        assertThat(run("demo", "--dir", directory.toString(), "--base-port", "20100")).isEqualTo(2);
        assertThat(err.toString()).contains("holds a demo cluster started with other ports")
                .contains("run again with the same --base-port");
        assertThat(Files.readString(directory.resolve("cluster.yaml"))).as("the old file is kept")
                .contains("127.0.0.1:20700");
    }

    @Test
    void statusPrintsARowPerNodeEvenWhenNoneAnswersAndExitsOne(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("cluster.yaml");
        Files.writeString(file, DemoCommand.clusterYaml(1, directory, 0)); // ports 1-3: nothing listens there
        assertThat(run("status", "--config", file.toString())).isEqualTo(1);
        assertThat(out.toString().lines()).hasSize(4);
        assertThat(out.toString()).contains("n1         unreachable").contains("127.0.0.1:3");
    }

    @Test
    void aPortInUseIsReportedWithoutAStackTrace(@TempDir Path directory) throws Exception {
        try (ServerSocket taken = bound()) {
            int port = taken.getLocalPort();
            List<Integer> free = LoopbackPorts.reserve(2);
            int raftPort = free.get(0);
            int httpPort = free.get(1);
            Path file = directory.resolve("cluster.yaml");
            Files.writeString(file, "nodes:\n  - {id: n1, raft: 127.0.0.1:" + raftPort + ", client: 127.0.0.1:"
                    + port + ", http: 127.0.0.1:" + httpPort + "}\n");
            int code = run("server", "--config", file.toString(), "--id", "n1", "--data",
                    directory.resolve("data").toString());
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).startsWith("caucus: cannot start n1").contains(String.valueOf(port))
                    .doesNotContain("\tat ");
        }
    }

    private static ServerSocket bound() throws java.io.IOException {
        ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress("127.0.0.1", 0));
        return socket;
    }

    @Test
    void missingOptionsAreUsageErrors() {
        assertThat(run("server", "--id", "n1")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--config=<config>'");
    }
}
