package io.caucus.kv.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.SnapshotMetadata;
import io.caucus.server.CaucusNode;
import io.caucus.server.ShutdownException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /snapshot}: this node snapshots its own state machine now and compacts its log (Raft paper §7).
 * Unlike membership changes it is never forwarded: every node keeps its own snapshots. Answers
 * {@code {"node", "index", "term"}} once the snapshot is durable; 501 if the state machine takes no snapshots,
 * 503 if the node is shutting down, 504 if it did not finish in time (it may still finish), 500 for a state
 * machine or disk error.
 */
public final class SnapshotEndpoint {

    private final CaucusNode node;
    private final Duration wait;

    public SnapshotEndpoint(CaucusNode node, Duration wait) {
        this.node = node;
        this.wait = wait;
    }

    com.sun.net.httpserver.HttpContext register(HttpServer server) {
        return server.createContext("/snapshot", this::handle);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestMethod().equals("POST")) {
                respond(exchange, 405, error("BAD_REQUEST", "use POST /snapshot"));
                return;
            }
            String answer;
            int status = 200;
            try {
                answer = take();
            } catch (Failure failure) {
                status = failure.status;
                answer = error(failure.code, failure.getMessage());
            }
            respond(exchange, status, answer);
        }
    }

    private String take() throws Failure {
        try {
            SnapshotMetadata snapshot = node.takeSnapshot().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return AdminJson.write(new Taken(node.id().value(), snapshot.lastIncludedIndex(),
                    snapshot.lastIncludedTerm()));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw switch (cause) {
                case UnsupportedOperationException unsupported ->
                        new Failure(501, "UNSUPPORTED", "this node's state machine takes no snapshots");
                case ShutdownException shutdown -> new Failure(503, "SHUTDOWN", "the node is shutting down");
                default -> new Failure(500, "SNAPSHOT_FAILED", "the snapshot failed: " + cause);
            };
        } catch (TimeoutException e) {
            throw new Failure(504, "UNKNOWN", "no snapshot within " + wait + "; it may still complete");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(503, "SHUTDOWN", "interrupted while waiting for the snapshot");
        }
    }

    /** The answer once the snapshot is durable. */
    record Taken(String node, long index, long term) {
    }

    /** The answer when there is no snapshot: a stable code and a message for people. */
    record Refused(String error, String message) {
    }

    private static String error(String code, String message) {
        return AdminJson.write(new Refused(code, message));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        AdminHttpServer.respond(exchange, status, "application/json", body);
    }

    private static final class Failure extends Exception {
        final int status;
        final String code;

        Failure(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }
}
