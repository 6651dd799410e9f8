package io.caucus.kv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.ProcessCluster;
import io.caucus.kv.RedisServerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** {@code caucus demo} as a real process: it starts three servers, reports a leader, and stops them on SIGTERM. */
class DemoProcessIT {

    @Test
    void startsAClusterReportsItsLeaderAndStopsItsChildren() throws Exception {
        runDemo(false);
    }

    /** With --tls: certificates made in code, and Debian's redis-cli --tls reads and writes through two nodes. */
    @Test
    void withTlsRedisCliTlsWorksAgainstIt() throws Exception {
        runDemo(true);
    }

    private void runDemo(boolean tls) throws Exception {
        Path directory = Files.createDirectories(Path.of("target", "demo-process-test" + (tls ? "-tls" : "")))
                .toAbsolutePath();
        Path output = directory.resolve("demo.out");
        Files.deleteIfExists(output);
        // A fresh cluster each run: a node keeps the addresses its log recorded, and this run's ports are new.
        Directories.deleteTree(directory.resolve("cluster"));
        int base = freeBase();
        ChildProcesses demo = new ChildProcesses();
        Thread hook = new Thread(demo::stopAll);
        Runtime.getRuntime().addShutdownHook(hook);
        List<Long> childPids = new ArrayList<>();
        try {
            List<String> arguments = new ArrayList<>(List.of("demo", "--dir", directory.resolve("cluster").toString(),
                    "--base-port", Integer.toString(base)));
            if (tls) {
                arguments.add("--tls");
            }
            Process process = demo.start("demo", arguments, output);
            String leaderLine = poll(() -> Files.readAllLines(output).stream()
                    .filter(line -> line.matches(".*leader n[1-3] \\|.*")).findFirst().orElse(null), output);
            Matcher pids = Pattern.compile("\\(pid (\\d+)\\)").matcher(leaderLine);
            while (pids.find()) {
                childPids.add(Long.parseLong(pids.group(1)));
            }
            assertThat(childPids).hasSize(3);
            if (tls) {
                Path ca = directory.resolve("cluster").resolve("tls").resolve("ca.pem");
                assertThat(Files.readString(output)).contains("redis-cli --tls --cacert " + ca + " -p " + base);
                assertThat(redisCliTls(ca, base + 1, output, "SET", "demo", "works")).isEqualTo("OK");
                assertThat(redisCliTls(ca, base, output, "GET", "demo")).isEqualTo("works");
            } else {
                assertThat(Files.readString(output)).contains("redis-cli -p " + base);
                try (Jedis jedis = new Jedis("127.0.0.1", base + 1, ProcessCluster.CLIENT_TIMEOUT_MILLIS)) {
                    assertThat(jedis.set("demo", "works")).isEqualTo("OK");
                    assertThat(jedis.get("demo")).isEqualTo("works");
                }
            }
            process.destroy(); // SIGTERM, as Ctrl-C would
            poll(() -> childPids.stream().noneMatch(DemoProcessIT::alive) ? true : null, output);
        } finally {
            demo.stopAll();
            childPids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    /**
     * redis-cli --tls against the demo, asked again while leadership settles (SET and GET are idempotent); a
     * timeout shows what the demo printed.
     */
    private static String redisCliTls(Path ca, int port, Path demoOutput, String... command)
            throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(RedisServerProcess.redisCli(), "--tls", "--cacert",
                ca.toString(), "-p", Integer.toString(port)));
        line.addAll(List.of(command));
        return poll(() -> {
            String answer = run(line);
            return answer.matches("^(NOLEADER|NOTLEADER|UNKNOWN) .*") ? null : answer;
        }, demoOutput);
    }

    /** Runs {@code command} to its end and returns what it printed, stripped. */
    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + command.getFirst(), e);
        }
        return printed;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    interface Check<T> {
        T get() throws IOException;
    }

    /** Polls {@code check} until it answers non-null; a timeout shows what the demo printed. */
    private static <T> T poll(Check<T> check, Path output) throws IOException {
        try {
            return Awaitility.await("the demo").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Files.exists(output) ? check.get() : null, Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out; demo output:\n"
                    + (Files.exists(output) ? Files.readString(output) : ""), e);
        }
    }

    /** A base port whose nine demo ports (base+0..2, +700..702, +1700..1702) are free right now. */
    private static int freeBase() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            if (allFree(base)) {
                return base;
            }
        }
        throw new IOException("no free demo port range found");
    }

    private static boolean allFree(int base) {
        for (int offset : new int[] {0, 1, 2, 700, 701, 702, 1700, 1701, 1702}) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", base + offset));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
