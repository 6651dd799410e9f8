package io.caucus.kv.admin;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.NodeId;
import io.caucus.core.NodeStatus;
import io.caucus.kv.cluster.ClusterDirectory;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.server.HostPort;
import io.caucus.kv.protocol.KvMetrics;
import io.caucus.server.DurationHistogram;
import io.caucus.server.RuntimeMetrics;
import io.caucus.transport.tls.TlsSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The live cluster view: {@code GET /} is a page (plain HTML and JavaScript, no build step) that polls
 * {@code GET /view/cluster} once a second; {@code GET /view/node} is this node's part of it.
 *
 * <p>{@code /view/cluster} asks every member's {@code /view/node} at that moment, in parallel, and reports a
 * member that does not answer within {@link #PEER_TIMEOUT} as down, so the page never shows a dead node's last
 * answer as if it were current. Counters are totals since each node started; the page turns them into rates
 * and windowed percentiles from the difference between two polls, which keeps the nodes stateless here.
 */
public final class ClusterView {

    /** Longer than a healthy admin answer on a loaded machine, short enough that a poll stays under a second. */
    static final Duration PEER_TIMEOUT = Duration.ofMillis(700);
    private static final String PAGE_RESOURCE = "cluster-view.html";

    private final Supplier<NodeStatus> status;
    private final KvMetrics metrics;
    private final ClusterDirectory directory;
    private final Function<NodeId, Optional<InetSocketAddress>> adminAddress;
    private final HttpClient http;
    /** "https" when the admin ports speak TLS. */
    private final String scheme;
    private final byte[] page;

    /** A view that finds the members' admin addresses in the cluster file only. */
    public ClusterView(Supplier<NodeStatus> status, KvMetrics metrics, ClusterDirectory directory, TlsSource tls) {
        this(status, metrics, id -> Optional.empty(), directory, tls);
    }

    /**
     * @param adminAddress a member's admin address as the log gives it ({@code CaucusNode::adminAddress}), asked
     *                     before the cluster file
     * @param directory    the members' admin addresses in the cluster file
     * @param tls          the admin ports' TLS material (this node's certificate also authenticates it to the
     *                     others), or null for plain HTTP
     */
    public ClusterView(Supplier<NodeStatus> status, KvMetrics metrics,
                       Function<NodeId, Optional<InetSocketAddress>> adminAddress, ClusterDirectory directory,
                       TlsSource tls) {
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(PEER_TIMEOUT);
        if (tls != null) {
            client.sslContext(new ReloadingSslContext(tls));
        }
        this.http = client.build();
        this.scheme = tls == null ? "http" : "https";
        this.status = status;
        this.metrics = metrics;
        this.directory = directory;
        this.adminAddress = adminAddress;
        this.page = loadPage();
    }

    List<HttpContext> register(HttpServer server) {
        return List.of(
                server.createContext("/view/node", exchange -> answerGet(exchange, () -> AdminJson.write(nodeView()))),
                server.createContext("/view/cluster", exchange -> answerGet(exchange,
                        () -> AdminJson.write(clusterView()))));
    }

    /** Serves the page for {@code GET /}; answers false (and nothing) for any other path. */
    boolean servePage(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/") && !path.equals("/index.html")) {
            return false;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, page.length);
        try (var out = exchange.getResponseBody()) {
            out.write(page);
        }
        return true;
    }

    /** One node as the page shows it; {@code fsyncCumulative} counts log fsyncs at or under each bound. */
    record NodeView(String id, String role, long term, String leader, long commit, long applied, long lastIndex,
                    List<String> voters, List<String> outgoingVoters, List<String> learners,
                    Map<String, AdminHttpServer.Follower> followers, long writes, long reads, long forwarded,
                    long logSyncs, List<Double> fsyncBoundsSeconds, List<Long> fsyncCumulative,
                    long snapshotsTaken, long snapshotsInstalled) {
    }

    /** One member as the serving node sees it at this moment: its view, or down with the reason. */
    record Member(String id, String admin, boolean up, String error, Object view) {
    }

    /** The answer of {@code /view/cluster}. */
    record Cluster(String servedBy, long timeMillis, List<Member> members) {
    }

    NodeView nodeView() {
        NodeStatus now = status.get();
        Map<String, AdminHttpServer.Follower> followers = new LinkedHashMap<>();
        now.followers().forEach((id, follower) -> followers.put(id.value(), new AdminHttpServer.Follower(
                follower.matchIndex(), follower.nextIndex(), follower.state(), follower.recentlyActive())));
        RuntimeMetrics runtime = metrics.runtimeMetrics();
        List<Double> bounds = new ArrayList<>();
        for (double bound : DurationHistogram.UPPER_BOUNDS_SECONDS) {
            bounds.add(bound);
        }
        List<Long> cumulative = new ArrayList<>();
        if (runtime != null) {
            for (long count : runtime.logSyncDurations().cumulativeCounts()) {
                cumulative.add(count);
            }
        }
        return new NodeView(now.id().value(), AdminHttpServer.role(now.role()), now.term(),
                MembershipJson.id(now.leader()), now.commitIndex(), now.appliedIndex(), now.lastIndex(),
                MembershipJson.ids(now.configuration().voters()),
                MembershipJson.ids(now.configuration().outgoingVoters()),
                MembershipJson.ids(now.configuration().learners()), followers,
                metrics.requestsOfKind("write"), metrics.requestsOfKind("read"), metrics.requestsOfKind("forwarded"),
                runtime == null ? 0 : runtime.logSyncs(), bounds, cumulative,
                runtime == null ? 0 : runtime.snapshotsTaken(), runtime == null ? 0 : runtime.snapshotsInstalled());
    }

    /**
     * Every member of the configuration in force, and every node of the cluster file (a node not yet added, or
     * removed, still shows), each asked at once; this node answers from memory.
     */
    Cluster clusterView() {
        NodeView self = nodeView();
        Set<NodeId> ids = new LinkedHashSet<>();
        ids.add(new NodeId(self.id()));
        directory.current().nodes().forEach(node -> ids.add(node.id()));
        status.get().configuration().members().forEach(ids::add);
        List<CompletableFuture<Member>> answers = new ArrayList<>();
        for (NodeId id : ids) {
            Optional<InetSocketAddress> admin = adminAddress.apply(id)
                    .or(() -> directory.node(id).map(ClusterConfig.Node::http));
            String address = admin.map(HostPort::format).orElse(null);
            if (id.value().equals(self.id())) {
                answers.add(CompletableFuture.completedFuture(new Member(id.value(), address, true, null, self)));
            } else if (admin.isEmpty()) {
                answers.add(CompletableFuture.completedFuture(new Member(id.value(), null, false,
                        "no admin address in the log or the cluster file", null)));
            } else {
                answers.add(ask(id, admin.get()));
            }
        }
        List<Member> members = answers.stream().map(CompletableFuture::join).toList();
        return new Cluster(self.id(), System.currentTimeMillis(), members);
    }

    private CompletableFuture<Member> ask(NodeId id, InetSocketAddress admin) {
        String address = HostPort.format(admin);
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://" + address + "/view/node"))
                .timeout(PEER_TIMEOUT).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                return new Member(id.value(), address, false, "no answer: " + rootMessage(failure), null);
            }
            if (response.statusCode() != 200) {
                return new Member(id.value(), address, false, "HTTP " + response.statusCode(), null);
            }
            try {
                return new Member(id.value(), address, true, null, AdminJson.parseObject(response.body()));
            } catch (IllegalArgumentException e) {
                return new Member(id.value(), address, false, "unreadable answer: " + e.getMessage(), null);
            }
        });
    }

    private static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
    }

    private static void answerGet(HttpExchange exchange, Supplier<String> body) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                AdminHttpServer.respond(exchange, 405, "application/json",
                        AdminJson.write(Map.of("error", "use GET " + exchange.getRequestURI().getPath())));
                return;
            }
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            AdminHttpServer.respond(exchange, 200, "application/json", body.get());
        }
    }

    private static byte[] loadPage() {
        try (InputStream in = ClusterView.class.getResourceAsStream(PAGE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the cluster view page " + PAGE_RESOURCE
                        + " is missing from the class path: a broken build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
