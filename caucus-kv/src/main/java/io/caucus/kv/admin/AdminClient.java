package io.caucus.kv.admin;

import io.caucus.server.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sends one admin request (see {@link MembershipEndpoints}) for the {@code caucus} subcommands: to each node
 * in turn until one answers (a node that does not lead forwards to the leader itself), following a 421's
 * leader hint once. A request is tried on the next node only when nothing was changed (unreachable, 503).
 */
public final class AdminClient {

    /** The answer of the node that answered: HTTP status and the JSON body as maps and lists. */
    public record Reply(int status, Map<String, Object> body, String from) {
        public boolean ok() {
            return status == 200;
        }

        public String error() {
            return String.valueOf(body.getOrDefault("error", "HTTP " + status));
        }

        public String message() {
            return String.valueOf(body.getOrDefault("message", body));
        }
    }

    private final List<InetSocketAddress> nodes;
    private final Duration timeout;
    private final HttpClient http;
    private final AdminConnection connection;

    public AdminClient(List<InetSocketAddress> nodes, Duration timeout) {
        this(nodes, timeout, AdminConnection.PLAIN);
    }

    public AdminClient(List<InetSocketAddress> nodes, Duration timeout, AdminConnection connection) {
        this.connection = connection;
        this.http = connection.newClient(Duration.ofSeconds(2));
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no node to send the request to");
        }
        this.nodes = List.copyOf(nodes);
        this.timeout = timeout;
    }

    /**
     * A client that asks {@code where} (a {@link Reply#from()}: the node that answered, a leader found by its 421)
     * first and the others after it, for a command that goes on asking the node that took its change.
     */
    public AdminClient preferring(String where) {
        InetSocketAddress first = HostPort.parse(where);
        List<InetSocketAddress> ordered = new ArrayList<>(List.of(first));
        nodes.stream().filter(node -> !HostPort.format(node).equals(where)).forEach(ordered::add);
        return new AdminClient(ordered, timeout, connection);
    }

    /**
     * @param method    GET, POST or DELETE
     * @param pathQuery e.g. {@code /members/n4/promote} or {@code /leader/transfer?to=n2}
     * @param body      JSON, or empty
     * @throws IllegalStateException if no node could be reached at all
     */
    public Reply send(String method, String pathQuery, String body) {
        List<String> unreachable = new ArrayList<>();
        Reply last = null;
        for (InetSocketAddress node : nodes) {
            Reply reply = sendTo(node, method, pathQuery, body, unreachable);
            if (reply != null && reply.status() == 421 && reply.body().get("leaderHttp") instanceof String leader) {
                Reply fromLeader = sendTo(HostPort.parse(leader), method, pathQuery, body, unreachable);
                reply = fromLeader != null ? fromLeader : reply;
            }
            if (reply != null && reply.status() != 503) {
                return reply;
            }
            last = reply != null ? reply : last;
        }
        if (last != null) {
            return last;
        }
        throw new IllegalStateException("no node answered: " + String.join("; ", unreachable));
    }

    private Reply sendTo(InetSocketAddress node, String method, String pathQuery, String body,
                         List<String> unreachable) {
        String where = HostPort.format(node);
        HttpRequest request = connection.request(where, pathQuery).timeout(timeout)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), parse(response.body()), where);
        } catch (java.net.http.HttpTimeoutException e) {
            if (method.equals("GET")) {
                unreachable.add(where + ": " + e.getMessage());
                return null;
            }
            // The request may have been carried out: never send it elsewhere.
            return new Reply(504, Map.of("error", "UNKNOWN", "message", "no answer from " + where + " within "
                    + timeout + "; the change may have taken effect"), where);
        } catch (IOException e) {
            unreachable.add(where + ": " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Map<String, Object> parse(String json) {
        try {
            return AdminJson.parseObject(json);
        } catch (IllegalArgumentException e) {
            return Map.of("error", "BAD_REPLY", "message", e.getMessage() + ": " + json);
        }
    }
}
