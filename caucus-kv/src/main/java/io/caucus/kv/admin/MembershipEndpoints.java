package io.caucus.kv.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.NodeId;
import io.caucus.kv.cluster.ClusterDirectory;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigException;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.server.HostPort;
import io.caucus.server.CaucusException;
import io.caucus.server.CaucusNode;
import io.caucus.server.Membership;
import io.caucus.server.MembershipException;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NodeAddresses;
import io.caucus.server.NotLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.server.ShutdownException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import io.caucus.transport.tls.TlsSource;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The membership endpoints of the admin port. Any node takes them: one that does not lead forwards the
 * request to the leader's admin port (marked with {@link #FORWARDED_HEADER}, so it travels one hop at most)
 * and relays the answer; a node that receives a forwarded request but no longer leads answers 421 naming the
 * leader. Each change waits until it is committed (for a change of voters: until C_new is) and answers the
 * new membership.
 *
 * <pre>
 * GET    /members                 the membership (the leader's view, with each member's match index)
 * POST   /members                 {"id": "n4", "raft": "host:port", "client": ..., "admin": ...}: add as learner
 *                                 (each address the body omits: the cluster file's, "client" and "admin" optional)
 * POST   /members/{id}/addresses  {"raft": ..., "client": ..., "admin": ...}: replace a member's addresses (each
 *                                 one the body omits stays as the log has it; one entry, no quorum change)
 * POST   /members/{id}/promote    make a learner a voter (joint consensus)
 * DELETE /members/{id}            remove a voter or learner
 * POST   /leader/transfer?to=ID   hand leadership to a voter
 * </pre>
 *
 * Errors: 400 bad request, 404 unknown node, 405 wrong method, 409 change in progress / already a member /
 * learner behind / last voter / transfer went elsewhere, 421 not the leader (forwarded request), 503 no leader
 * (or the leader unreachable, or overloaded), 504 outcome unknown. The body is
 * {@code {"error": CODE, "message": ..., "leader": ..., "leaderHttp": ...}}.
 */
public final class MembershipEndpoints {

    static final String FORWARDED_HEADER = "X-Caucus-Forwarded-By";
    private static final int MAX_BODY_BYTES = 64 * 1024;
    /** Beyond the node's own request timeout, which fires first and reports the outcome as unknown. */
    private static final Duration WAIT_MARGIN = Duration.ofSeconds(2);

    private record Answer(int status, String body) {
    }

    /** One request, its body read once (forwarding sends it again). */
    private record Request(String method, URI uri, byte[] body, boolean forwarded, String authorization) {
    }

    private final CaucusNode node;
    private final ClusterDirectory directory;
    private final Duration wait;
    private final HttpClient http;
    /** "https" when the admin ports speak TLS, "http" otherwise. */
    private final String scheme;

    public MembershipEndpoints(CaucusNode node, ClusterDirectory directory, Duration requestTimeout) {
        this(node, directory, requestTimeout, null);
    }

    /**
     * @param tls the admin port's TLS, or null: forwarded requests then go over HTTPS, presenting this node's
     *            certificate (which authenticates them where client certificates do) and the client's own
     *            Authorization header
     */
    public MembershipEndpoints(CaucusNode node, ClusterDirectory directory, Duration requestTimeout, TlsSource tls) {
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        if (tls != null) {
            client.sslContext(new ReloadingSslContext(tls));
        }
        this.http = client.build();
        this.scheme = tls == null ? "http" : "https";
        this.node = node;
        this.directory = directory;
        this.wait = requestTimeout.plus(WAIT_MARGIN);
    }

    java.util.List<com.sun.net.httpserver.HttpContext> register(HttpServer server) {
        return java.util.List.of(
                server.createContext("/members", exchange -> respond(exchange, safely(exchange, this::members))),
                server.createContext("/leader/transfer", exchange -> respond(exchange, safely(exchange,
                        this::transfer))));
    }

    private Answer safely(HttpExchange exchange, Function<Request, Answer> handler) {
        try {
            return handler.apply(new Request(exchange.getRequestMethod(), exchange.getRequestURI(), body(exchange),
                    exchange.getRequestHeaders().containsKey(FORWARDED_HEADER),
                    exchange.getRequestHeaders().getFirst("Authorization")));
        } catch (BadRequest e) {
            return new Answer(e.status, MembershipJson.error(e.code, e.getMessage(), null, null));
        }
    }

    // ---------------------------------------------------------------- routes

    private Answer members(Request request) {
        List<String> path = segments(request.uri().getPath()); // "members", ...
        String method = request.method();
        if (path.size() == 1 && method.equals("GET")) {
            return list(request);
        }
        if (path.size() == 1 && method.equals("POST")) {
            Map<String, Object> fields = fields(request);
            NodeId id = nodeId(fields.get("id"), "id");
            NodeAddresses addresses = addresses(id, fields, fileEntry(id));
            return change(request, target -> target.addLearner(id, addresses));
        }
        if (path.size() == 3 && path.get(2).equals("addresses") && method.equals("POST")) {
            NodeId id = nodeId(path.get(1), "the path's node id");
            Map<String, Object> fields = fields(request);
            // What the body omits stays as the log has it: this server's copy of the file may predate the move.
            return change(request, target -> target.changeAddresses(id,
                    addresses(id, fields, logged(target.members().member(id)), fileEntry(id))));
        }
        if (path.size() == 3 && path.get(2).equals("promote") && method.equals("POST")) {
            NodeId id = nodeId(path.get(1), "the path's node id");
            return change(request, target -> target.promote(id));
        }
        if (path.size() == 2 && method.equals("DELETE")) {
            NodeId id = nodeId(path.get(1), "the path's node id");
            return change(request, target -> target.remove(id));
        }
        throw new BadRequest(path.size() <= 3 ? 405 : 404, "BAD_REQUEST", method + " "
                + request.uri().getPath() + " is not an endpoint; try GET or POST /members, "
                + "POST /members/{id}/addresses, POST /members/{id}/promote, DELETE /members/{id}");
    }

    private Answer transfer(Request request) {
        if (!request.method().equals("POST") || segments(request.uri().getPath()).size() != 2) {
            throw new BadRequest(405, "BAD_REQUEST", "use POST /leader/transfer?to=ID");
        }
        NodeId to = nodeId(query(request).get("to"), "query parameter 'to'");
        return change(request, target -> target.transferLeadership(to));
    }

    // ---------------------------------------------------------------- running or forwarding

    private Answer list(Request request) {
        NodeId leader = node.status().leader();
        if (leader != null && !leader.equals(node.id()) && !isForwarded(request)) {
            Answer forwarded = forward(request, leader, false);
            if (forwarded.status() == 200) {
                return forwarded;
            }
        }
        return new Answer(200, MembershipJson.render(node.members())); // this node's view, without match indexes
    }

    private Answer change(Request request, Function<CaucusNode, CompletableFuture<Membership>> change) {
        NodeId leader = node.status().leader();
        if (leader != null && !leader.equals(node.id()) && !isForwarded(request)) {
            return forward(request, leader, true);
        }
        try {
            return new Answer(200, MembershipJson.render(change.apply(node).get(wait.toMillis(),
                    TimeUnit.MILLISECONDS)));
        } catch (ExecutionException e) {
            return failure(e.getCause());
        } catch (TimeoutException e) {
            return error(504, "UNKNOWN", "no outcome within " + wait + "; the change may still take effect", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(503, "SHUTDOWN", "interrupted while waiting; the change may still take effect", null);
        }
    }

    private Answer forward(Request request, NodeId leader, boolean mutating) {
        InetSocketAddress leaderHttp = adminAddress(leader).orElse(null);
        if (leaderHttp == null) {
            return error(503, "NOLEADER", "the log gives no admin address for the leader " + leader + " and it is "
                    + "not in the cluster file " + directory.current().source() + "; nothing was changed", leader);
        }
        URI uri = URI.create(scheme + "://" + HostPort.format(leaderHttp) + request.uri().getRawPath()
                + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery()));
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(wait);
        if (request.authorization() != null) {
            builder.header("Authorization", request.authorization());
        }
        HttpRequest onward = builder
                .header(FORWARDED_HEADER, node.id().value())
                .header("Content-Type", "application/json")
                .method(request.method(), HttpRequest.BodyPublishers.ofByteArray(request.body())).build();
        try {
            HttpResponse<String> response = http.send(onward, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            return error(503, "NOLEADER", "cannot reach the leader " + leader + " at "
                    + HostPort.format(leaderHttp) + " (" + e + "); nothing was changed", leader);
        } catch (IOException e) {
            return mutating
                    ? error(504, "UNKNOWN", "the request was forwarded to the leader " + leader + " but its answer "
                            + "was lost (" + e + "); the change may have taken effect", leader)
                    : error(503, "NOLEADER", "the leader " + leader + " did not answer: " + e, leader);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(503, "SHUTDOWN", "interrupted while forwarding to " + leader, leader);
        }
    }

    private static boolean isForwarded(Request request) {
        return request.forwarded();
    }

    /** Maps a refusal or an unknown outcome to its HTTP status and code. */
    private Answer failure(Throwable failure) {
        if (!(failure instanceof CaucusException caucus)) {
            return error(500, "ERR", String.valueOf(failure), null);
        }
        return switch (caucus) {
            case NotLeaderException e -> error(421, "NOTLEADER", "this node is not the leader; nothing was changed;"
                    + " ask " + e.leader(), e.leader());
            case NoLeaderException e -> error(503, "NOLEADER", e.getMessage() + "; nothing was changed", null);
            case OverloadedException e -> error(503, "OVERLOADED", e.getMessage(), null);
            case ShutdownException e -> error(503, "SHUTDOWN", e.getMessage(), null);
            case OutcomeUnknownException e -> error(504, "UNKNOWN", e.getMessage(), null);
            case MembershipException e -> switch (e.reason()) {
                // The codes are part of the admin API: spelled out here, not taken from the enum's names.
                case CHANGE_IN_PROGRESS -> error(409, "CHANGE_IN_PROGRESS", e.getMessage(), null);
                case ALREADY_MEMBER -> error(409, "ALREADY_MEMBER", e.getMessage(), null);
                case LEARNER_BEHIND -> error(409, "LEARNER_BEHIND", e.getMessage(), null);
                case LAST_VOTER -> error(409, "LAST_VOTER", e.getMessage(), null);
                case ADDRESS_UNKNOWN -> error(409, "ADDRESS_UNKNOWN", e.getMessage(), null);
                case TRANSFER_FAILED -> error(409, "TRANSFER_FAILED", e.getMessage(), e.leader().orElse(null));
                case UNKNOWN_MEMBER -> error(404, "UNKNOWN_MEMBER", e.getMessage(), null);
            };
        };
    }

    /** Where {@code member}'s admin port is: the log's address first, then the cluster file's. */
    private Optional<InetSocketAddress> adminAddress(NodeId member) {
        return node.adminAddress(member).or(() -> directory.node(member).map(ClusterConfig.Node::http));
    }

    private Answer error(int status, String code, String message, NodeId leader) {
        InetSocketAddress leaderHttp = leader == null ? null : adminAddress(leader).orElse(null);
        return new Answer(status, MembershipJson.error(code, message, leader, leaderHttp));
    }

    // ---------------------------------------------------------------- request parsing

    /** Thrown for a request that names no endpoint or carries bad input; nothing was changed. */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        BadRequest(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }

    private static List<String> segments(String path) {
        return java.util.Arrays.stream(path.split("/")).filter(segment -> !segment.isEmpty()).toList();
    }

    private static NodeId nodeId(Object value, String where) {
        if (value == null) {
            throw new BadRequest(400, "BAD_REQUEST", where + " is missing: name a node id");
        }
        try {
            return NodeId.of(String.valueOf(value));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "BAD_REQUEST", where + ": " + e.getMessage());
        }
    }

    /** One source of a member's addresses by kind ("raft", "client", "admin"). */
    private interface AddressSource {
        Optional<InetSocketAddress> address(String kind);
    }

    /** The cluster file's entry for {@code id}, as this server read it. */
    private AddressSource fileEntry(NodeId id) {
        Optional<ClusterConfig.Node> listed = directory.node(id);
        return kind -> listed.map(node -> switch (kind) {
            case "raft" -> node.raft();
            case "client" -> node.client();
            default -> node.http();
        });
    }

    /** The member as the configuration in force carries it. */
    private static AddressSource logged(Optional<Membership.Member> member) {
        return kind -> member.flatMap(m -> switch (kind) {
            case "raft" -> m.raftAddress();
            case "client" -> m.clientAddress();
            default -> m.adminAddress();
        });
    }

    /**
     * The addresses a request gives for {@code id}; each one it omits comes from the first source that has it.
     * The Raft address is required.
     */
    private NodeAddresses addresses(NodeId id, Map<String, Object> fields, AddressSource... sources) {
        InetSocketAddress raft = address(fields, "raft", sources).orElseThrow(() -> new BadRequest(400,
                "BAD_REQUEST", "no raft address for " + id + ": give \"raft\": \"host:port\" or list " + id
                + " in the cluster file " + directory.current().source()));
        return new NodeAddresses(raft, address(fields, "client", sources).orElse(null),
                address(fields, "admin", sources).orElse(null));
    }

    private static Optional<InetSocketAddress> address(Map<String, Object> fields, String kind,
                                                       AddressSource... sources) {
        Optional<InetSocketAddress> given = address(fields, kind);
        for (AddressSource source : sources) {
            given = given.or(() -> source.address(kind));
        }
        return given;
    }

    private static Optional<InetSocketAddress> address(Map<String, Object> fields, String name) {
        if (fields.get(name) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ConfigLoader.address("request:", fields, name));
        } catch (ConfigException e) {
            throw new BadRequest(400, "BAD_REQUEST", e.getMessage());
        }
    }

    /** The JSON object in the body (if any), with the query parameters for what it does not give. */
    private static Map<String, Object> fields(Request request) {
        Map<String, Object> fields = new HashMap<>(query(request));
        String text = new String(request.body(), StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return fields;
        }
        try {
            fields.putAll(AdminJson.parseObject(text));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "BAD_REQUEST", "the body: " + e.getMessage());
        }
        return fields;
    }

    private static Map<String, String> query(Request request) {
        return AdminHttpServer.queryParameters(request.uri().getRawQuery());
    }

    /** The request body, bounded. */
    private static byte[] body(HttpExchange exchange) {
        byte[] bytes;
        try {
            bytes = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw new BadRequest(400, "BAD_REQUEST", "cannot read the request body: " + e);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new BadRequest(400, "BAD_REQUEST", "the body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        return bytes;
    }

    private static void respond(HttpExchange exchange, Answer answer) throws IOException {
        AdminHttpServer.respond(exchange, answer.status(), "application/json", answer.body());
    }
}
