package io.caucus.kv;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A real {@code redis-server} child process on a free loopback port, without persistence ({@code --save ''
 * --appendonly no}), stopped by {@link #close()} or, should the test JVM die first, by a shutdown hook. If
 * {@code redis-server} is not on the PATH, {@link #start} runs {@code scripts/ensure-packages.sh redis-server}
 * from the repository root first.
 */
final class RedisServerProcess implements AutoCloseable {

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
    static RedisServerProcess start(Path directory, String name, String... extraArguments)
            throws IOException, InterruptedException {
        String executable = executable();
        Files.createDirectories(directory);
        Path log = directory.resolve(name + ".log");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // the free port may be taken before redis binds it
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(executable, "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toAbsolutePath().toString(),
                    "--daemonize", "no"));
            command.addAll(List.of(extraArguments));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            RedisServerProcess server = new RedisServerProcess(port, log, process);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (process.isAlive() && System.nanoTime() < deadline) {
                try (Jedis jedis = new Jedis("127.0.0.1", port, 1000)) {
                    if ("PONG".equals(jedis.ping())) {
                        return server;
                    }
                } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                    return server; // it answers, but wants AUTH first (started with requirepass or users)
                } catch (RuntimeException e) {
                    // not listening yet
                }
                Thread.sleep(50);
            }
            server.close();
            last = new IOException("redis-server on port " + port + " did not answer PING within 30 s (exit "
                    + (process.isAlive() ? "-" : process.exitValue()) + "); see " + log);
        }
        throw last;
    }

    /** redis-server on the PATH; if missing, installs it with scripts/ensure-packages.sh and looks again. */
    private static String executable() throws IOException, InterruptedException {
        Optional<Path> found = onPath("redis-server");
        if (found.isPresent()) {
            return found.get().toString();
        }
        Path script = repositoryRoot().resolve("scripts/ensure-packages.sh");
        Process install = new ProcessBuilder("bash", script.toString(), "redis-server").inheritIO().start();
        int exit = install.waitFor();
        return onPath("redis-server").orElseThrow(() -> new IllegalStateException("redis-server is not on the PATH ("
                + System.getenv("PATH") + ") and `" + script + " redis-server` did not install it (exit " + exit
                + "): install the Debian package redis-server (or put a redis-server 7.0 on the PATH)")).toString();
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    /** The last lines of the server's log, for failure messages. */
    String logTail() {
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
