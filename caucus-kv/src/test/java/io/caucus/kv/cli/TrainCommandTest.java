package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code caucus train}, the launcher's AOT training workload, run in this JVM for a short time. */
class TrainCommandTest {

    private static final String LEAK_LEVEL = "io.netty.leakDetection.level";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** The command turns Netty's leak detector off as a server does, unless configured: this JVM's tests keep it. */
    @BeforeEach
    void keepLeakDetection() {
        System.setProperty(LEAK_LEVEL, ResourceLeakDetector.getLevel().name());
    }

    @AfterEach
    void forgetLeakLevel() {
        System.clearProperty(LEAK_LEVEL);
    }

    private int run(String... args) {
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void aShortRunAnswersRequestsOnEveryNodeAndDeletesItsScratchDirectory() throws Exception {
        List<Path> before = trainingDirectories();
        assertThat(run("train", "--seconds", "2", "--clients", "8")).as(err.toString()).isZero();
        Matcher answered = Pattern.compile("caucus train: (\\d+) requests in 2 s").matcher(out.toString());
        assertThat(answered.find()).as(out.toString()).isTrue();
        assertThat(Long.parseLong(answered.group(1))).isPositive();
        assertThat(trainingDirectories()).as("scratch directories left in java.io.tmpdir").isEqualTo(before);
    }

    @Test
    void aGivenDirectoryKeepsEveryNodesLog(@TempDir Path directory) throws Exception {
        assertThat(run("train", "--seconds", "1", "--clients", "2", "--dir", directory.toString()))
                .as(err.toString()).isZero();
        try (Stream<Path> nodes = Files.list(directory.resolve("data-0"))) {
            assertThat(nodes.map(path -> path.getFileName().toString())).containsExactlyInAnyOrder("n1", "n2", "n3");
        }
    }

    @Test
    void nonsenseDurationsAreRefused() {
        assertThat(run("train", "--seconds", "0")).isEqualTo(1);
        assertThat(err.toString()).contains("caucus: --seconds must be positive");
    }

    private static List<Path> trainingDirectories() throws Exception {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(path -> path.getFileName().toString().startsWith("caucus-train")).sorted().toList();
        }
    }
}
