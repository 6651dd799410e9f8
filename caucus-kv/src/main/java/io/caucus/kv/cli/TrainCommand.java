package io.caucus.kv.cli;

import io.caucus.core.NodeId;
import io.caucus.core.Role;
import io.caucus.kv.KvServer;
import io.caucus.kv.admin.StatusClient;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigLoader;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code caucus train}: the training run behind the launcher's AOT cache (JDK 25's {@code -XX:AOTCacheOutput},
 * JEPs 483, 514 and 515). It runs the work a node does in its first minute, so that the JVM records which classes
 * a node loads and links and how its hot methods behave: three nodes in this one JVM (a leader and two followers,
 * so both roles' code is trained) on loopback ports in a scratch directory, with fsync on, and client threads
 * speaking RESP to them (SETs as most clients send, some GETs, INCRs and DELs, a part of them through a follower,
 * which forwards), plus the admin endpoints. Then it stops the nodes and deletes the directory.
 *
 * <p>It is not a benchmark and reports no rate: its one output is the JVM's cache. Hidden from the usage text.
 */
@Command(name = "train", hidden = true, mixinStandardHelpOptions = true,
        description = "Run a short workload on an in-process 3-node cluster (the launcher's AOT training run).")
final class TrainCommand implements Callable<Integer> {

    private static final int NODES = 3;
    private static final int VALUE_BYTES = 100;
    private static final int KEYS = 100_000;

    @Option(names = "--seconds", defaultValue = "20", description = "How long the clients run (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--clients", defaultValue = "32", description = "Client connections (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--dir", description = "Scratch directory (default: a new temporary one, deleted at the end).")
    Path directory;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (seconds <= 0 || clients < 1) {
            throw new IllegalArgumentException("--seconds must be positive and --clients at least 1");
        }
        ServerCommand.disableLeakDetectionUnlessConfigured();
        Path scratch = directory != null ? Files.createDirectories(directory) : Files.createTempDirectory("caucus-train");
        List<KvServer> servers = new ArrayList<>();
        try {
            ClusterConfig cluster = startCluster(scratch, servers);
            KvServer leader = awaitLeader(servers);
            long requests = drive(cluster, leader);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("caucus train: %d requests in %.0f s%n", requests, seconds);
            out.flush();
            return requests > 0 ? 0 : 1;
        } finally {
            servers.forEach(KvServer::close);
            if (directory == null) {
                Directories.deleteTree(scratch);
            }
        }
    }

    /**
     * Three nodes on free loopback ports. A port found free may be taken before a node binds it (the launcher can
     * run while other programs start): then the cluster is started again on other ports, a few times at most.
     */
    private static ClusterConfig startCluster(Path scratch, List<KvServer> servers) throws IOException {
        UncheckedIOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            Path file = scratch.resolve("cluster-" + attempt + ".yaml");
            Files.writeString(file, clusterYaml(freePorts(3 * NODES), scratch.resolve("data-" + attempt)));
            ClusterConfig cluster = ConfigLoader.load(file);
            try {
                for (ClusterConfig.Node node : cluster.nodes()) {
                    servers.add(KvServer.start(cluster, node.id(), cluster.dataDirectoryOf(node.id())));
                }
                return cluster;
            } catch (UncheckedIOException portTaken) {
                servers.forEach(KvServer::close);
                servers.clear();
                last = portTaken;
            }
        }
        throw last;
    }

    static String clusterYaml(List<Integer> ports, Path dataDirectory) {
        StringBuilder yaml = new StringBuilder("fsync: true\ndataDirectory: ").append(dataDirectory).append("\nnodes:\n");
        for (int i = 0; i < NODES; i++) {
            yaml.append("  - id: n").append(i + 1).append('\n')
                    .append("    raft: 127.0.0.1:").append(ports.get(3 * i)).append('\n')
                    .append("    client: 127.0.0.1:").append(ports.get(3 * i + 1)).append('\n')
                    .append("    http: 127.0.0.1:").append(ports.get(3 * i + 2)).append('\n');
        }
        return yaml.toString();
    }

    private static List<Integer> freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                ports.add(socket.getLocalPort());
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private static KvServer awaitLeader(List<KvServer> servers) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (KvServer server : servers) {
                if (server.node().status().role() == Role.LEADER) {
                    return server;
                }
            }
            Thread.sleep(20); // polling for an election, not a timed wait for a result
        }
        throw new IllegalStateException("caucus train: no leader within 60 s");
    }

    /** Runs the clients for {@link #seconds}; returns the number of requests answered. */
    private long drive(ClusterConfig cluster, KvServer leader) throws InterruptedException {
        NodeId leaderId = leader.node().id();
        InetSocketAddress toLeader = cluster.node(leaderId).client();
        InetSocketAddress toFollower = cluster.nodes().stream().filter(node -> !node.id().equals(leaderId))
                .findFirst().orElseThrow().client();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        AtomicLong answered = new AtomicLong();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            // One client in eight goes through a follower: forwarded writes and follower reads.
            InetSocketAddress target = i % 8 == 7 ? toFollower : toLeader;
            long seed = i;
            threads.add(Thread.ofPlatform().name("caucus-train-" + i).start(() -> {
                try {
                    answered.addAndGet(runClient(target, seed, end));
                } catch (IOException | RuntimeException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        StatusClient admin = new StatusClient();
        while (System.nanoTime() < end) {
            for (ClusterConfig.Node node : cluster.nodes()) {
                admin.fetch(node.http());
                admin.fetch(node.http(), "/metrics");
            }
            Thread.sleep(1_000); // the admin endpoints' pace (a dashboard's), not a wait for a result
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (answered.get() == 0 && !failures.isEmpty()) {
            throw new IllegalStateException("caucus train: every client failed: " + failures.getFirst(), failures.getFirst());
        }
        return answered.get();
    }

    /** One client connection until {@code end}: mostly SETs of 100-byte values over 100k keys. */
    private static long runClient(InetSocketAddress address, long seed, long end) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] value = new byte[VALUE_BYTES];
        long answered = 0;
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setTcpNoDelay(true);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            InputStream in = new BufferedInputStream(socket.getInputStream());
            while (System.nanoTime() < end) {
                String key = "key:" + random.nextInt(KEYS);
                int pick = random.nextInt(100);
                if (pick < 75) {
                    random.nextBytes(value);
                    for (int i = 0; i < value.length; i++) {
                        value[i] = (byte) ('a' + (value[i] & 15));
                    }
                    send(out, "SET", key, new String(value, StandardCharsets.US_ASCII));
                } else if (pick < 90) {
                    send(out, "GET", key);
                } else if (pick < 95) {
                    send(out, "INCR", "counter:" + random.nextInt(100));
                } else {
                    send(out, "DEL", key);
                }
                readReply(in);
                answered++;
            }
        }
        return answered;
    }

    private static void send(OutputStream out, String... words) throws IOException {
        StringBuilder command = new StringBuilder().append('*').append(words.length).append("\r\n");
        for (String word : words) {
            command.append('$').append(word.length()).append("\r\n").append(word).append("\r\n");
        }
        out.write(command.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads one reply of the kinds these commands get (status, error, integer, bulk string). */
    private static void readReply(InputStream in) throws IOException {
        String line = readLine(in);
        if (line.isEmpty()) {
            throw new IOException("empty reply line");
        }
        switch (line.charAt(0)) {
            case '+', '-', ':' -> { }
            case '$' -> {
                int length = Integer.parseInt(line.substring(1));
                if (length >= 0) {
                    in.readNBytes(length + 2);
                }
            }
            default -> throw new IOException("unexpected reply: " + line);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            line.append((char) c);
        }
        in.read(); // '\n'
        return line.toString();
    }
}
