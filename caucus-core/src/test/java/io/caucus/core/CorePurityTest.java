package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core must stay a pure state machine so the simulator runs exactly the code the servers run: no I/O,
 * networking, clocks, threads or concurrency, and no randomness but the injected generator.
 */
class CorePurityTest {

    private static final Pattern FORBIDDEN = Pattern.compile(
            "\\bjava\\.(io|nio|net|time|util\\.concurrent)\\b"
                    + "|\\bThread\\b|\\bsynchronized\\b|\\bExecutor\\w*\\b"
                    + "|System\\.(currentTimeMillis|nanoTime|getProperty|getenv|exit)"
                    + "|Math\\.random|new\\s+(java\\.util\\.)?Random\\s*\\(|ThreadLocalRandom|SecureRandom");

    @Test
    void coreSourcesUseNoIoTimeThreadsOrHiddenRandomness() throws IOException {
        Path sources = Path.of("src/main/java");
        assertThat(sources).isDirectory();
        List<String> violations = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String code = stripComment(lines.get(i));
                Matcher matcher = FORBIDDEN.matcher(code);
                if (matcher.find()) {
                    violations.add(sources.relativize(file) + ":" + (i + 1) + ": " + matcher.group());
                }
            }
        }
        assertThat(violations).as("forbidden APIs in caucus-core").isEmpty();
    }

    @Test
    void theCheckItselfCatchesAViolation() {
        assertThat(FORBIDDEN.matcher("import java.util.concurrent.CompletableFuture;").find()).isTrue();
        assertThat(FORBIDDEN.matcher("long now = System.nanoTime();").find()).isTrue();
        assertThat(FORBIDDEN.matcher("Random r = new Random(1);").find()).isTrue();
        assertThat(FORBIDDEN.matcher("import java.util.random.RandomGenerator;").find()).isFalse();
    }

    private static String stripComment(String line) {
        String trimmed = line.trim();
        if (trimmed.startsWith("*") || trimmed.startsWith("/*") || trimmed.startsWith("//")) {
            return "";
        }
        int comment = line.indexOf("//");
        return comment >= 0 ? line.substring(0, comment) : line;
    }
}
