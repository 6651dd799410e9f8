package io.caucus.kv.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.kv.state.StateDigest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The admin port: {@code /status}, {@code /health}, {@code /metrics}, {@code /digest} (a fingerprint of the
 * replica's data, see {@link StateDigest}; 503 when the server was built without one), the membership
 * endpoints ({@link MembershipEndpoints}) and {@code POST /snapshot} ({@link SnapshotEndpoint}).
 *
 * <p>Why the JDK's built-in HTTP server rather than Netty's HTTP codec: admin traffic is a few requests a
 * second from operators and scrapers, and the JDK server needs no pipeline code and no dependency. It runs
 * on its own few threads so a slow scraper never delays the data path; there are several because a
 * membership change holds its thread until the change commits.
 */
public final class AdminHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    /** Threads serving admin requests: a few changes may wait for their commit while status is still served. */
    private static final int THREADS = 4;

    AdminHttpServer(InetSocketAddress address, Supplier<NodeStatus> status, KvMetrics metrics) throws IOException {
        this(address, status, metrics, null, null, () -> null);
    }

    /**
     * @param membership the membership endpoints, or null to serve none
     * @param snapshot   the snapshot endpoint, or null to serve none
     * @param digest     answers null when no digest is available
     */
    public AdminHttpServer(InetSocketAddress address, Supplier<NodeStatus> status, KvMetrics metrics,
                           MembershipEndpoints membership, SnapshotEndpoint snapshot, Supplier<StateDigest> digest)
            throws IOException {
        this.server = HttpServer.create(address, 64);
        this.executor = Executors.newFixedThreadPool(THREADS,
                Thread.ofPlatform().daemon().name("caucus-admin-http-", 0).factory());
        server.setExecutor(executor);
        server.createContext("/status", exchange -> respond(exchange, 200, "application/json",
                statusJson(status.get())));
        server.createContext("/health", exchange -> {
            NodeStatus now = status.get();
            boolean healthy = isHealthy(now);
            respond(exchange, healthy ? 200 : 503, "application/json", "{\"healthy\":" + healthy
                    + ",\"role\":\"" + role(now.role()) + "\",\"leader\":" + quoted(now.leader())
                    + ",\"commit\":" + now.commitIndex() + ",\"applied\":" + now.appliedIndex() + "}\n");
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", metrics.render(status.get())));
        if (membership != null) {
            membership.register(server);
        }
        if (snapshot != null) {
            snapshot.register(server);
        }
        server.createContext("/digest", exchange -> {
            StateDigest now = digest.get();
            if (now == null) {
                respond(exchange, 503, "application/json", "{\"error\":\"no digest on this server\"}\n");
            } else {
                respond(exchange, 200, "application/json", now.toJson());
            }
        });
        server.createContext("/", exchange -> respond(exchange, 404, "application/json",
                "{\"error\":\"not found; try /status, /health, /metrics, /digest, /members, /leader/transfer or /snapshot\"}\n"));
        server.start();
    }

    /** Healthy: a leader is known and this node has applied everything it knows to be committed. */
    static boolean isHealthy(NodeStatus status) {
        return status.leader() != null && status.appliedIndex() >= status.commitIndex();
    }

    static String statusJson(NodeStatus status) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"id\":").append(quoted(status.id()))
                .append(",\"role\":\"").append(role(status.role())).append('"')
                .append(",\"term\":").append(status.term())
                .append(",\"leader\":").append(quoted(status.leader()))
                .append(",\"commit\":").append(status.commitIndex())
                .append(",\"applied\":").append(status.appliedIndex())
                .append(",\"lastIndex\":").append(status.lastIndex())
                .append(",\"members\":").append(MembershipJson.ids(status.configuration().members()))
                .append(",\"voters\":").append(MembershipJson.ids(status.configuration().voters()))
                .append(",\"outgoingVoters\":").append(MembershipJson.ids(status.configuration().outgoingVoters()))
                .append(",\"learners\":").append(MembershipJson.ids(status.configuration().learners()))
                .append(",\"part\":\"").append(part(status)).append('"');
        json.append(",\"followers\":{");
        String separator = "";
        for (Map.Entry<NodeId, NodeStatus.FollowerStatus> follower : status.followers().entrySet()) {
            json.append(separator).append(quoted(follower.getKey())).append(":{\"match\":")
                    .append(follower.getValue().matchIndex()).append(",\"next\":")
                    .append(follower.getValue().nextIndex()).append(",\"state\":\"")
                    .append(follower.getValue().state()).append("\",\"recentlyActive\":")
                    .append(follower.getValue().recentlyActive()).append('}');
            separator = ",";
        }
        return json.append("}}\n").toString();
    }

    /** This node's part in the configuration in force: voter, learner, or none (not yet added, or removed). */
    static String part(NodeStatus status) {
        NodeId self = status.id();
        if (status.configuration().isVoter(self)) {
            return "voter";
        }
        return status.configuration().learners().contains(self) ? "learner" : "none";
    }

    private static String role(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /** Node ids hold only [A-Za-z0-9._-] (see NodeId), so quoting needs no escaping. */
    private static String quoted(NodeId id) {
        return id == null ? "null" : "\"" + id.value() + "\"";
    }

    /** Sends {@code body} as the whole answer; the admin endpoints all answer through here. */
    static void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
