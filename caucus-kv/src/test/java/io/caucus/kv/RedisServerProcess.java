package io.caucus.kv;

import static org.awaitility.Awaitility.await;

import io.caucus.core.testing.LoopbackPorts;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import redis.clients.jedis.Jedis;

/**
 * A real {@code redis-server} child process on a free loopback port, without persistence ({@code --save ''
 * --appendonly no}), stopped by {@link #close()} or, should the test JVM die first, by a shutdown hook. If
 * {@code redis-server} is not on the PATH, {@link #start} runs {@code scripts/ensure-packages.sh redis-server}
 * from the repository root first.
 */
public final class RedisServerProcess implements AutoCloseable {

    final int port;
    final Path log;
    private final Process process;
    private final Thread hook;

    private RedisServerProcess(int port, Path log, Process process) {
        this.port = port;
        this.log = log;
        this.process = process;
        this.hook = new Thread(process::destroyForcibly, "redis-server-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code redis-server} named {@code name} with its files (a log) in {@code directory}.
     *
     * @param extraArguments more configuration, as {@code --name value} pairs
     */
    public static RedisServerProcess start(Path directory, String name, String... extraArguments)
            throws IOException, InterruptedException {
        String executable = executable();
        Files.createDirectories(directory);
        Path log = directory.resolve(name + ".log");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // the free port may be taken before redis binds it
            int port = LoopbackPorts.reserve(1).getFirst();
            List<String> command = new ArrayList<>(List.of(executable, "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toAbsolutePath().toString(),
                    "--daemonize", "no"));
            command.addAll(List.of(extraArguments));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            RedisServerProcess server = new RedisServerProcess(port, log, process);
            boolean answered = false;
            try {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                        .until(() -> !process.isAlive() || answersPing(port));
                answered = process.isAlive();
            } catch (ConditionTimeoutException e) {
                // reported below, with the log's path
            }
            if (answered) {
                return server;
            }
            server.close();
            last = new IOException("redis-server on port " + port + " did not answer PING within 30 s (exit "
                    + (process.isAlive() ? "-" : process.exitValue()) + "); see " + log);
        }
        throw last;
    }

    /** Whether a server on {@code port} answers: PONG, or a demand for AUTH (started with requirepass or users). */
    private static boolean answersPing(int port) {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 1000)) {
            return "PONG".equals(jedis.ping());
        } catch (redis.clients.jedis.exceptions.JedisDataException e) {
            return true;
        } catch (RuntimeException e) {
            return false; // not listening yet
        }
    }

    /** redis-server on the PATH; if missing, installs it with scripts/ensure-packages.sh and looks again. */
    private static String executable() throws IOException, InterruptedException {
        return installedExecutable("redis-server", "redis-server");
    }

    /**
     * redis-cli on the PATH, installed as {@link #executable()} installs redis-server when missing, so that a test
     * that speaks through redis-cli runs on a fresh machine under a plain {@code ./mvnw verify}.
     */
    public static String redisCli() throws IOException, InterruptedException {
        return installedExecutable("redis-cli", "redis-tools");
    }

    private static String installedExecutable(String name, String debianPackage)
            throws IOException, InterruptedException {
        Optional<Path> found = onPath(name);
        if (found.isPresent()) {
            return found.get().toString();
        }
        Path script = repositoryRoot().resolve("scripts/ensure-packages.sh");
        Process install = new ProcessBuilder("bash", script.toString(), debianPackage).inheritIO().start();
        int exit = install.waitFor();
        return onPath(name).orElseThrow(() -> new IllegalStateException(name + " is not on the PATH ("
                + System.getenv("PATH") + ") and `" + script + " " + debianPackage + "` did not install it (exit "
                + exit + "): install the Debian package " + debianPackage + " (Redis 7.0's)")).toString();
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** The nearest directory at or above the working directory (caucus-kv/ under Maven) with scripts/. */
    static Path repositoryRoot() {
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/ensure-packages.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no scripts/ensure-packages.sh in " + start + " or any directory above it");
    }

    /** The loopback port it listens on. */
    public int port() {
        return port;
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: without persistence redis exits at once
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway
        }
    }
}
