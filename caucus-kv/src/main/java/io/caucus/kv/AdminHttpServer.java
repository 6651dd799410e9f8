package io.caucus.kv;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
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
 * The admin port: {@code /status}, {@code /health}, {@code /metrics} and {@code /digest} (a fingerprint of the
 * replica's data, see {@link StateDigest}; 503 when the server was built without one).
 *
 * <p>Why the JDK's built-in HTTP server rather than Netty's HTTP codec: admin traffic is a few requests a
 * second from operators and scrapers, and the JDK server needs no pipeline code and no dependency. It runs
 * on its own single thread so a slow scraper never delays the data path.
 */
final class AdminHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    AdminHttpServer(InetSocketAddress address, Supplier<NodeStatus> status, KvMetrics metrics) throws IOException {
        this(address, status, metrics, () -> null);
    }

    /** {@code digest} answers null when no digest is available. */
    AdminHttpServer(InetSocketAddress address, Supplier<NodeStatus> status, KvMetrics metrics,
                    Supplier<StateDigest> digest) throws IOException {
        this.server = HttpServer.create(address, 64);
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "caucus-admin-http");
            thread.setDaemon(true);
            return thread;
        });
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
        server.createContext("/digest", exchange -> {
            StateDigest now = digest.get();
            if (now == null) {
                respond(exchange, 503, "application/json", "{\"error\":\"no digest on this server\"}\n");
            } else {
                respond(exchange, 200, "application/json", now.toJson());
            }
        });
        server.createContext("/", exchange -> respond(exchange, 404, "application/json",
                "{\"error\":\"not found; try /status, /health, /metrics or /digest\"}\n"));
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
                .append(",\"members\":[");
        String separator = "";
        for (NodeId member : status.configuration().members()) {
            json.append(separator).append(quoted(member));
            separator = ",";
        }
        json.append("],\"followers\":{");
        separator = "";
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

    private static String role(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /** Node ids hold only [A-Za-z0-9._-] (see NodeId), so quoting needs no escaping. */
    private static String quoted(NodeId id) {
        return id == null ? "null" : "\"" + id.value() + "\"";
    }

    private static void respond(HttpExchange exchange, int code, String type, String body) throws IOException {
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
