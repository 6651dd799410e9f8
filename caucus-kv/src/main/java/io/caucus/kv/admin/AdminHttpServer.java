package io.caucus.kv.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.caucus.transport.tls.TlsFiles;
import io.caucus.transport.tls.TlsSource;
import java.util.ArrayList;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLParameters;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.core.Role;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.kv.state.StateDigest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The admin port: {@code /status}, {@code /health}, {@code /metrics}, {@code /digest} (a fingerprint of the
 * replica's data, see {@link StateDigest}; 503 when the server was built without one), the membership
 * endpoints ({@link MembershipEndpoints}), {@code POST /snapshot} ({@link SnapshotEndpoint}) and the live cluster
 * view at {@code /} ({@link ClusterView}).
 *
 * <p>Why the JDK's built-in HTTP server rather than Netty's HTTP codec: admin traffic is a few requests a
 * second from operators and scrapers, and the JDK server needs no pipeline code and no dependency. It runs
 * on its own few threads so a slow scraper never delays the data path; there are several because a
 * membership change holds its thread until the change commits.
 */
public final class AdminHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final LongAdder refusedRequests = new LongAdder();

    /** Threads serving admin requests: a few changes may wait for their commit while status is still served. */
    private static final int THREADS = 4;

    /**
     * The JDK server's bound on the time a client takes to send a request in full, headers and body, in seconds.
     * Unbounded by default, so a client that announces a body and sends none would hold one of the {@link #THREADS}
     * for as long as it keeps the connection open, and four such clients would shut operators out. Only the request
     * is bounded: a response (a backup stream, a membership change waiting for its commit once it has read its
     * body) takes as long as it needs. The JDK reads it once, when its first server starts; an operator who sets it
     * on the command line keeps their value.
     */
    static final String MAX_REQUEST_SECONDS_PROPERTY = "sun.net.httpserver.maxReqTime";
    static final String DEFAULT_MAX_REQUEST_SECONDS = "30";

    static {
        if (System.getProperty(MAX_REQUEST_SECONDS_PROPERTY) == null) {
            System.setProperty(MAX_REQUEST_SECONDS_PROPERTY, DEFAULT_MAX_REQUEST_SECONDS);
        }
    }

    AdminHttpServer(InetSocketAddress address, Supplier<NodeStatus> status, KvMetrics metrics) throws IOException {
        this(address, status, metrics, null, null, () -> null, null, AdminGuard.OPEN, null);
    }

    /**
     * @param membership the membership endpoints, or null to serve none
     * @param snapshot   the snapshot endpoint, or null to serve none
     * @param digest     answers null when no digest is available
     * @param tls        HTTPS with this material (client certificates as its clientAuth says), or null for HTTP
     * @param guard      who may send which requests
     * @param view       the live cluster view at {@code /}, or null to serve none
     */
    public AdminHttpServer(InetSocketAddress address, Supplier<NodeStatus> status, KvMetrics metrics,
                           MembershipEndpoints membership, SnapshotEndpoint snapshot, Supplier<StateDigest> digest,
                           TlsSource tls, AdminGuard guard, ClusterView view)
            throws IOException {
        this(address, status, metrics, membership, snapshot, digest, tls, guard, view, Map.of(), null);
    }

    /**
     * As above, with each of {@code moreJson} answering {@code GET <path>} with the JSON of what it supplies (a sharded
     * node's {@code /groups} and {@code /digests}: docs/operations.md), and {@code slots} serving {@code /slots}.
     */
    public AdminHttpServer(InetSocketAddress address, Supplier<NodeStatus> status, KvMetrics metrics,
                           MembershipEndpoints membership, SnapshotEndpoint snapshot, Supplier<StateDigest> digest,
                           TlsSource tls, AdminGuard guard, ClusterView view, Map<String, Supplier<Object>> moreJson,
                           SlotsEndpoint slots)
            throws IOException {
        this.server = tls == null ? HttpServer.create(address, 64) : https(address, tls);
        this.executor = Executors.newFixedThreadPool(THREADS,
                Thread.ofPlatform().daemon().name("caucus-admin-http-", 0).factory());
        server.setExecutor(executor);
        List<HttpContext> contexts = new ArrayList<>();
        contexts.add(server.createContext("/status", exchange -> respond(exchange, 200, "application/json",
                statusJson(status.get()))));
        contexts.add(server.createContext("/health", exchange -> {
            NodeStatus now = status.get();
            boolean healthy = isHealthy(now);
            respond(exchange, healthy ? 200 : 503, "application/json", AdminJson.write(new Health(healthy,
                    role(now.role()), MembershipJson.id(now.leader()), now.commitIndex(), now.appliedIndex())));
        }));
        contexts.add(server.createContext("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", metrics.render(status.get()))));
        if (membership != null) {
            contexts.addAll(membership.register(server));
        }
        if (snapshot != null) {
            contexts.addAll(snapshot.register(server));
        }
        contexts.add(server.createContext("/digest", exchange -> {
            StateDigest now = digest.get();
            if (now == null) {
                respond(exchange, 503, "application/json", AdminJson.write(Map.of("error",
                        "no digest on this server")));
            } else {
                respond(exchange, 200, "application/json", digestJson(now));
            }
        }));
        if (view != null) {
            contexts.addAll(view.register(server));
        }
        if (slots != null) {
            contexts.addAll(slots.register(server));
        }
        moreJson.forEach((path, json) -> contexts.add(server.createContext(path, exchange -> respond(exchange, 200,
                "application/json", AdminJson.write(json.get())))));
        contexts.add(server.createContext("/", exchange -> {
            if (view == null || !view.servePage(exchange)) {
                respond(exchange, 404, "application/json", AdminJson.write(Map.of("error", "not found; try /, "
                        + "/status, /health, /metrics, /digest, /groups, /digests, /slots, /members, /leader/transfer, /snapshot, /backup or "
                        + "/view/cluster")));
            }
        }));
        Filter filter = guard.filter(refusedRequests, () -> metrics.limitHit("admin_body"));
        contexts.forEach(context -> context.getFilters().add(filter));
        server.start();
    }

    /** An HTTPS server whose connections take the current certificate, asking for client certificates as configured. */
    private static HttpsServer https(InetSocketAddress address, TlsSource tls) throws IOException {
        HttpsServer https = HttpsServer.create(address, 64);
        TlsFiles.ClientAuthMode clientAuth = tls.files().clientAuth();
        https.setHttpsConfigurator(new HttpsConfigurator(new ReloadingSslContext(tls)) {
            @Override
            public void configure(HttpsParameters parameters) {
                SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                if (clientAuth == TlsFiles.ClientAuthMode.REQUIRE) {
                    ssl.setNeedClientAuth(true);
                } else if (clientAuth == TlsFiles.ClientAuthMode.OPTIONAL) {
                    ssl.setWantClientAuth(true);
                }
                parameters.setSSLParameters(ssl);
            }
        });
        return https;
    }

    /** Requests refused for want of a token or client certificate. */
    public long refusedRequests() {
        return refusedRequests.sum();
    }

    /** Healthy: a leader is known and this node has applied everything it knows to be committed. */
    static boolean isHealthy(NodeStatus status) {
        return status.leader() != null && status.appliedIndex() >= status.commitIndex();
    }

    /** The answer of {@code /status}. {@code followers} is empty unless this node leads. */
    record Status(String id, String role, long term, String leader, long commit, long applied, long lastIndex,
                  List<String> members, List<String> voters, List<String> outgoingVoters, List<String> learners,
                  String part, Map<String, Follower> followers) {
    }

    /** The leader's view of one follower. */
    record Follower(long match, long next, String state, boolean recentlyActive) {
    }

    /** The answer of {@code /health}: 200 if healthy, else 503. */
    record Health(boolean healthy, String role, String leader, long commit, long applied) {
    }

    /** The answer of {@code /digest}. */
    public record Digest(long applied, int keys, String sha256) {
    }

    static String statusJson(NodeStatus status) {
        Map<String, Follower> followers = new LinkedHashMap<>();
        status.followers().forEach((id, follower) -> followers.put(id.value(), new Follower(follower.matchIndex(),
                follower.nextIndex(), follower.state(), follower.recentlyActive())));
        return AdminJson.write(new Status(status.id().value(), role(status.role()), status.term(),
                MembershipJson.id(status.leader()), status.commitIndex(), status.appliedIndex(), status.lastIndex(),
                MembershipJson.ids(status.configuration().members()),
                MembershipJson.ids(status.configuration().voters()),
                MembershipJson.ids(status.configuration().outgoingVoters()),
                MembershipJson.ids(status.configuration().learners()), part(status), followers));
    }

    static String digestJson(StateDigest digest) {
        return AdminJson.write(new Digest(digest.appliedIndex(), digest.keys(), digest.sha256()));
    }

    /** This node's part in the configuration in force: voter, learner, or none (not yet added, or removed). */
    static String part(NodeStatus status) {
        NodeId self = status.id();
        if (status.configuration().isVoter(self)) {
            return "voter";
        }
        return status.configuration().learners().contains(self) ? "learner" : "none";
    }

    static String role(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /** The parameters of a raw (still percent-encoded) query string; a parameter without '=' is ignored. */
    static Map<String, String> queryParameters(String raw) {
        Map<String, String> parameters = new java.util.HashMap<>();
        if (raw == null) {
            return parameters;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                parameters.put(java.net.URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return parameters;
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
