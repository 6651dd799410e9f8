package io.caucus.kv.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.SnapshotMetadata;
import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvQuery;
import io.caucus.server.CaucusException;
import io.caucus.server.CaucusNode;
import io.caucus.server.NotLeaderException;
import io.caucus.server.ShutdownException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 *
 * <p>{@code GET /backup}: a consistent copy of the whole key-value state, for {@code caucus backup}. The node first
 * does a linearizable read (ReadIndex, thesis §6.4), so the snapshot it then takes holds every write acknowledged
 * before the request (a follower confirms the read with its leader, thesis §6.4.1; one whose leader's wire protocol
 * is too old for that answers 421 {@code NOTLEADER}); then it streams the snapshot's data, with its index and
 * term in the headers {@code X-Caucus-Snapshot-Index} and {@code X-Caucus-Snapshot-Term}. Refusals before the
 * data starts are JSON as above (503 {@code NOLEADER} when no leader confirms the read); a failure while
 * streaming cuts the answer short, which the client sees as an incomplete body.
 */
public final class SnapshotEndpoint {

    private final CaucusNode node;
    private final Duration wait;

    public SnapshotEndpoint(CaucusNode node, Duration wait) {
        this.node = node;
        this.wait = wait;
    }

    java.util.List<com.sun.net.httpserver.HttpContext> register(HttpServer server) {
        return java.util.List.of(server.createContext("/snapshot", this::handle),
                server.createContext("/backup", this::backup));
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

    private void backup(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            if (!exchange.getRequestMethod().equals("GET")) {
                respond(exchange, 405, error("BAD_REQUEST", "use GET /backup"));
                return;
            }
            SnapshotMetadata snapshot;
            try {
                readBarrier();
                snapshot = snapshotNow();
            } catch (Failure failure) {
                respond(exchange, failure.status, error(failure.code, failure.getMessage()));
                return;
            }
            try (InputStream data = node.openSnapshot(snapshot)) {
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                exchange.getResponseHeaders().set("X-Caucus-Node", node.id().value());
                exchange.getResponseHeaders().set("X-Caucus-Snapshot-Index", Long.toString(snapshot.lastIncludedIndex()));
                exchange.getResponseHeaders().set("X-Caucus-Snapshot-Term", Long.toString(snapshot.lastIncludedTerm()));
                exchange.sendResponseHeaders(200, 0); // chunked: a cut-short answer lacks its last chunk
                try (OutputStream out = exchange.getResponseBody()) {
                    data.transferTo(out);
                }
            }
        }
    }

    /** A linearizable read: once it returns, this node has applied every write acknowledged before it began. */
    private void readBarrier() throws Failure {
        try {
            node.read(EntryCodec.encode(new KvQuery.WatchIndex(0)))
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw switch (e.getCause()) {
                case ShutdownException shutdown -> new Failure(503, "SHUTDOWN", "the node is shutting down");
                case NotLeaderException notLeader -> new Failure(421, "NOTLEADER", node.id() + " cannot confirm a read with its leader "
                        + "(ask the leader instead); the leader is "
                        + (notLeader.leader() == null ? "unknown" : notLeader.leader().value()));
                case CaucusException refused -> new Failure(503, "NOLEADER",
                        "no leader confirmed a linearizable read, so a backup now could miss writes: " + refused.getMessage());
                default -> new Failure(500, "BACKUP_FAILED", "the read before the backup failed: " + e.getCause());
            };
        } catch (TimeoutException e) {
            throw new Failure(503, "NOLEADER", "no linearizable read within " + wait + "; retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(503, "SHUTDOWN", "interrupted while waiting for the read");
        }
    }

    private String take() throws Failure {
        SnapshotMetadata snapshot = snapshotNow();
        return AdminJson.write(new Taken(node.id().value(), snapshot.lastIncludedIndex(), snapshot.lastIncludedTerm()));
    }

    private SnapshotMetadata snapshotNow() throws Failure {
        try {
            return node.takeSnapshot().get(wait.toMillis(), TimeUnit.MILLISECONDS);
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
