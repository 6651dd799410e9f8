package io.caucus.chaos;

import io.caucus.kv.admin.AdminJson;
import io.caucus.kv.cli.ChildProcesses;
import io.caucus.kv.cli.DemoCertificates;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.kv.shard.ShardLayout;
import io.caucus.kv.slots.SlotMap;
import io.caucus.server.HostPort;
import io.caucus.transport.tls.TlsContexts;
import io.caucus.transport.tls.TlsFiles;
import io.caucus.transport.tls.TlsMaterial;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A cluster of real {@code caucus server} processes on loopback whose peer traffic goes through a
 * {@link ProxyNetwork}. Each node gets its own configuration file: itself with its real addresses, every other
 * node with the proxy addresses of the links leading there. Processes are killed with SIGKILL and paused with
 * SIGSTOP/SIGCONT. Every process is stopped by {@link #close()} and, should this JVM die first, by a shutdown
 * hook.
 *
 * <p>With TLS, every port of every node speaks it, with the certificates {@code caucus demo --tls} makes (each names
 * its node, {@code localhost} and 127.0.0.1, so a proxied peer is still recognised); the proxies pass the encrypted
 * bytes through, and the clients and admin requests trust the run's CA and present its client certificate.
 */
final class ChaosCluster implements AutoCloseable {

    /** One node's real listening addresses. */
    record NodeAddresses(InetSocketAddress raft, InetSocketAddress client, InetSocketAddress http) {
    }

    private final Path directory;
    private final Map<String, NodeAddresses> nodes = new LinkedHashMap<>();
    private final ProxyNetwork network;
    private final ChildProcesses children = new ChildProcesses();
    private final Set<String> paused = ConcurrentHashMap.newKeySet();
    private final Set<String> joined = ConcurrentHashMap.newKeySet();
    /** Nodes removed from the cluster and stopped for good: never started again, left out of {@link #ids}. */
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    /** The clients' TLS (trusting the run's CA, presenting its client certificate), or null for plaintext. */
    private final SSLContext tls;
    private final HttpClient http;
    private final Thread hook = new Thread(this::stopProcesses, "chaos-cluster-stop");

    ChaosCluster(Path directory, int size, ChaosOptions options) throws IOException {
        this.directory = Files.createDirectories(directory);
        // The reserved ports stay bound until the proxies have their own ephemeral ports, so no proxy takes one.
        List<ServerSocket> reserved = reservePorts(3 * size);
        try {
            for (int i = 0; i < size; i++) {
                nodes.put("n" + (i + 1), new NodeAddresses(loopback(reserved.get(3 * i).getLocalPort()),
                        loopback(reserved.get(3 * i + 1).getLocalPort()),
                        loopback(reserved.get(3 * i + 2).getLocalPort())));
            }
            Map<String, InetSocketAddress> raft = new LinkedHashMap<>();
            Map<String, InetSocketAddress> client = new LinkedHashMap<>();
            nodes.forEach((id, addresses) -> {
                raft.put(id, addresses.raft());
                client.put(id, addresses.client());
            });
            this.network = new ProxyNetwork(raft, client);
        } finally {
            for (ServerSocket socket : reserved) {
                socket.close();
            }
        }
        this.tls = options.tls() ? makeCertificates() : null;
        HttpClient.Builder httpBuilder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        this.http = (tls == null ? httpBuilder : httpBuilder.sslContext(tls)).build();
        for (String id : nodes.keySet()) {
            Files.writeString(configFile(id), configYaml(id, options));
        }
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private SSLContext makeCertificates() throws IOException {
        Path certificates = directory.resolve(DemoCertificates.DIRECTORY);
        DemoCertificates.ensure(certificates, List.copyOf(nodes.keySet()));
        return TlsContexts.jdk(TlsMaterial.load(new TlsFiles(certificates.resolve("ca.pem"),
                certificates.resolve("client.pem"), certificates.resolve("client.key"), TlsFiles.ClientAuthMode.NONE),
                Instant.now()));
    }

    /** The clients' TLS context, or null when the cluster is plaintext. */
    SSLContext clientTls() {
        return tls;
    }

    /** A Jedis connection's settings: over TLS with {@code tls} (null: plaintext). */
    static DefaultJedisClientConfig.Builder jedisConfig(SSLContext tls) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder();
        return tls == null ? config : config.ssl(true).sslSocketFactory(tls.getSocketFactory());
    }

    private String configYaml(String self, ChaosOptions options) {
        StringBuilder yaml = new StringBuilder("# node ").append(self)
                .append(": the other nodes' raft and client addresses are chaos proxies\nnodes:\n");
        nodes.forEach((id, addresses) -> {
            boolean isSelf = id.equals(self);
            yaml.append("  - id: ").append(id).append('\n')
                    .append("    raft: ").append(HostPort.format(isSelf ? addresses.raft() : network.raftAddress(self, id)))
                    .append('\n')
                    .append("    client: ").append(HostPort.format(isSelf ? addresses.client()
                            : network.forwardingAddress(self, id))).append('\n')
                    .append("    http: ").append(HostPort.format(addresses.http())).append('\n');
        });
        if (options.sharded()) {
            yaml.append("shards: ").append(options.shards()).append('\n');
        }
        return yaml.append("tickIntervalMillis: ").append(options.tickIntervalMillis()).append('\n')
                .append("requestTimeoutMillis: ").append(options.requestTimeoutMillis()).append('\n')
                .append("fsync: ").append(options.fsync()).append('\n')
                .append("dataDirectory: ").append(directory.resolve("data")).append('\n')
                .append(options.tls() ? DemoCertificates.TLS_YAML : "").toString();
    }

    /** The nodes of the cluster, but for those stopped for good ({@link #stopForGood}). */
    List<String> ids() {
        return nodes.keySet().stream().filter(id -> !gone.contains(id)).toList();
    }

    /**
     * SIGKILL, if it runs, and never start it again: a node removed from the cluster whose replicas have moved away
     * (or that was removed while down). From then on {@link #ids} leaves it out, so no fault, client or check picks it.
     */
    void stopForGood(String id) throws InterruptedException {
        gone.add(id);
        kill(id);
    }

    boolean isGone(String id) {
        return gone.contains(id);
    }

    ProxyNetwork network() {
        return network;
    }

    InetSocketAddress clientAddress(String id) {
        return nodes.get(id).client();
    }

    /**
     * The node whose client port {@code address} leads to: its own, or a forwarding proxy of a link to it (the
     * address other nodes know it by, and so the one their {@code -MOVED} replies name); empty for any other.
     */
    Optional<String> nodeReachedAt(InetSocketAddress address) {
        for (Map.Entry<String, NodeAddresses> node : nodes.entrySet()) {
            if (sameEndpoint(node.getValue().client(), address)) {
                return Optional.of(node.getKey());
            }
        }
        return network.forwardingTarget(address);
    }

    static boolean sameEndpoint(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() == b.getPort() && (a.getHostString().equals(b.getHostString())
                || a.getAddress() != null && a.getAddress().equals(b.getAddress()));
    }

    /**
     * The slot map a sharded cluster starts with, as its nodes compute it from their cluster file ({@link
     * ShardLayout#initialMap}); no slot moves in a sharded cluster yet, so it is the map in force all run long.
     */
    SlotMap initialSlotMap() {
        return ShardLayout.of(ConfigLoader.load(configFile(nodes.keySet().iterator().next()))).initialMap();
    }

    /** Whether the node answers {@code CLUSTER INFO} with {@code cluster_state:ok} (every slot has a leader). */
    boolean clusterOk(String id) {
        if (!isLive(id)) {
            return false;
        }
        InetSocketAddress address = clientAddress(id);
        try (Jedis jedis = new Jedis(new HostAndPort(address.getHostString(), address.getPort()),
                jedisConfig(tls).connectionTimeoutMillis(2000).socketTimeoutMillis(5000).build())) {
            return jedis.clusterInfo().contains("cluster_state:ok");
        } catch (JedisException e) {
            return false; // not listening yet, or refusing: not ok
        }
    }

    Path directory() {
        return directory;
    }

    private Path configFile(String id) {
        return directory.resolve(id + ".yaml");
    }

    /**
     * Starts the node's process. A node that was ever wiped and rejoined is always started with {@code --join}:
     * killed before the leader sent it anything, it must not bootstrap itself as a voter of the file's nodes.
     */
    void start(String id) {
        if (gone.contains(id)) {
            throw new IllegalStateException(id + " was removed from the cluster and stopped for good: it never runs"
                    + " again under its id");
        }
        List<String> args = new ArrayList<>(List.of("server", "--config", configFile(id).toString(), "--id", id,
                "--data", dataDirectory(id).toString()));
        if (joined.contains(id)) {
            args.add("--join");
        }
        children.start(id, args, directory.resolve(id + ".log"));
    }

    /**
     * Kills the node, deletes its data and starts it again with {@code --join}, under the same id: the way an
     * operator replaces a node whose disk was lost. Only safe for a node that is no longer a member.
     */
    void wipeAndStartJoining(String id) throws InterruptedException {
        kill(id);
        Path data = dataDirectory(id);
        if (Files.exists(data)) {
            try (var paths = Files.walk(data)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot wipe " + data, e);
            }
        }
        joined.add(id);
        start(id);
    }

    private Path dataDirectory(String id) {
        return directory.resolve("data").resolve(id);
    }

    void startAll() {
        nodes.keySet().forEach(this::start);
    }

    boolean isRunning(String id) {
        Process process = children.get(id);
        return process != null && process.isAlive();
    }

    boolean isPaused(String id) {
        return paused.contains(id);
    }

    /** Running and not paused: a node that can answer. */
    boolean isLive(String id) {
        return isRunning(id) && !isPaused(id);
    }

    /** SIGKILL, and wait until the process is gone. */
    void kill(String id) throws InterruptedException {
        children.kill(id);
        paused.remove(id);
    }

    /** SIGSTOP: the JVM freezes mid-whatever, timers included, and resumes unaware on SIGCONT. */
    void pause(String id) {
        signal(id, "STOP");
        paused.add(id);
    }

    void resume(String id) {
        if (paused.remove(id)) {
            signal(id, "CONT");
        }
    }

    private void signal(String id, String signal) {
        Process process = children.get(id);
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("cannot send SIG" + signal + " to " + id + ": it is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " (" + id + ") failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal + " for " + id, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending SIG" + signal + " to " + id, e);
        }
    }

    /** The node's {@code /status} fields, or empty if it does not answer (down, paused, busy). */
    Optional<Map<String, Object>> status(String id) {
        return getJson(id, "/status");
    }

    /** The node's {@code /digest} fields ({@code applied}, {@code keys}, {@code sha256}), or empty. */
    Optional<Map<String, Object>> digest(String id) {
        return getJson(id, "/digest");
    }

    /** A sharded node's {@code /groups}: each group it runs, with its replicas and the leader it knows. */
    Optional<Map<String, Object>> groups(String id) {
        return getJson(id, "/groups");
    }

    /**
     * True once every node sees each data group led by its preferred replica (the first in the slot map), where the
     * leader balancer leaves it: until then leadership moves and a MOVED may name a node that no longer leads.
     */
    @SuppressWarnings("unchecked")
    boolean leadersSettled() {
        for (String id : ids()) {
            Optional<Map<String, Object>> view = groups(id);
            if (view.isEmpty()) {
                return false;
            }
            for (Map<String, Object> group : (List<Map<String, Object>>) view.get().get("groups")) {
                List<Object> replicas = (List<Object>) group.get("replicas");
                if (ShardLayout.isDataGroup(((Number) group.get("id")).longValue()) && !replicas.getFirst().equals(group.get("leader"))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A sharded node's {@code /slots}: the slot map it holds, with the moves under way. */
    Optional<Map<String, Object>> slots(String id) {
        return getJson(id, "/slots");
    }

    /** A sharded node's {@code /digests}: each data group's replica there, by group, as {@link #digest} gives one. */
    Optional<Map<String, Object>> groupDigests(String id) {
        return getJson(id, "/digests");
    }

    private Optional<Map<String, Object>> getJson(String id, String path) {
        if (!isLive(id)) {
            return Optional.empty();
        }
        try {
            HttpResponse<String> response = admin(id, "GET", path, Duration.ofSeconds(3));
            return response.statusCode() == 200 ? parseJson(response.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * One request to the node's admin HTTP port (not through the proxies: the operator's path). Membership
     * changes go to whichever node is asked and are forwarded to the leader by the node itself.
     */
    HttpResponse<String> admin(String id, String method, String path, Duration timeout)
            throws IOException, InterruptedException {
        InetSocketAddress address = nodes.get(id).http();
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme() + HostPort.format(address) + path))
                .timeout(timeout).method(method, body).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** {@code POST /members {"id": member}} on node {@code id}: add as a learner, address from the file. */
    HttpResponse<String> addMember(String id, String member, Duration timeout)
            throws IOException, InterruptedException {
        InetSocketAddress address = nodes.get(id).http();
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme() + HostPort.format(address) + "/members"))
                .timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(AdminJson.write(Map.of("id", member)))).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private String scheme() {
        return tls == null ? "http://" : "https://";
    }

    static Optional<Map<String, Object>> parseJson(String body) {
        try {
            return Optional.of(AdminJson.parseObject(body));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The membership as {@code GET /members} on a live node answers it (forwarded to the leader), or empty. */
    Optional<Map<String, Object>> members(String id) {
        return getJson(id, "/members");
    }

    /** The live node that says it leads in the highest term, if any answers so. */
    Optional<String> leader() {
        String leader = null;
        long leaderTerm = -1;
        for (String id : nodes.keySet()) {
            Optional<Map<String, Object>> status = status(id);
            if (status.isPresent() && "leader".equals(status.get().get("role"))) {
                long term = ((Number) status.get().get("term")).longValue();
                if (term > leaderTerm) {
                    leader = id;
                    leaderTerm = term;
                }
            }
        }
        return Optional.ofNullable(leader);
    }

    /** A leader that every node in {@code among} names, if they all answer and agree. */
    Optional<String> agreedLeader(List<String> among) {
        String agreed = null;
        for (String id : among) {
            Optional<Map<String, Object>> status = status(id);
            Object named = status.map(s -> s.get("leader")).orElse(null);
            if (named == null || agreed != null && !agreed.equals(named)) {
                return Optional.empty();
            }
            agreed = named.toString();
        }
        return Optional.ofNullable(agreed);
    }

    @Override
    public void close() {
        stopProcesses();
        network.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway
        }
    }

    private void stopProcesses() {
        for (String id : List.copyOf(paused)) {
            try {
                resume(id); // a stopped JVM would not run its shutdown hook
            } catch (IllegalStateException e) {
                paused.remove(id);
            }
        }
        children.stopAll();
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static List<ServerSocket> reservePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                sockets.add(socket);
            }
            return sockets;
        } catch (IOException e) {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
            throw e;
        }
    }
}
