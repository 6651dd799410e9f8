package io.caucus.examples.counter;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.NodeId;
import io.caucus.server.CaucusException;
import io.caucus.server.CaucusNode;
import io.caucus.server.NotLeaderException;
import io.caucus.server.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;

/**
 * A service that embeds Caucus: a counter replicated by three processes, each serving HTTP.
 *
 * <pre>
 * java -cp ... io.caucus.examples.counter.ReplicatedCounter ID DATA_DIR ID=RAFT_HOST:PORT/HTTP_HOST:PORT...
 * curl -L --data 5 127.0.0.1:8001/add     # adds 5 (a follower redirects to the leader), prints the total
 * curl -L 127.0.0.1:8002/value            # a linearizable read, answered by the leader
 * curl '127.0.0.1:8003/value?local'       # this replica's own applied value (may lag the leader's)
 * </pre>
 */
public final class ReplicatedCounter {

    /** The replicated state: Caucus applies the same commands in the same order on every process. */
    static final class Counter implements StateMachine {
        private volatile long value; // written only by the node's apply thread; volatile for local reads

        @Override
        public byte[] apply(long index, byte[] command) {
            value += Long.parseLong(new String(command, UTF_8));
            return Long.toString(value).getBytes(UTF_8);
        }

        @Override
        public byte[] query(byte[] query) {
            return Long.toString(value).getBytes(UTF_8);
        }

        @Override
        public Snapshot snapshot(long appliedIndex) {
            long captured = value; // a point-in-time view; written out on another thread
            return out -> out.write(Long.toString(captured).getBytes(UTF_8));
        }

        @Override
        public void restore(long lastIncludedIndex, InputStream data) throws IOException {
            value = Long.parseLong(new String(data.readAllBytes(), UTF_8));
        }
    }

    private ReplicatedCounter() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: ReplicatedCounter ID DATA_DIR ID=RAFT_HOST:PORT/HTTP_HOST:PORT...");
            System.exit(2);
        }
        Map<NodeId, InetSocketAddress> raft = new LinkedHashMap<>();
        Map<NodeId, InetSocketAddress> http = new LinkedHashMap<>();
        for (String member : List.of(args).subList(2, args.length)) {
            String[] parts = member.split("[=/]"); // ID=RAFT/HTTP
            raft.put(NodeId.of(parts[0]), address(parts[1]));
            http.put(NodeId.of(parts[0]), address(parts[2]));
        }
        Counter counter = new Counter();
        CaucusNode node = CaucusNode.builder()
                .id(args[0])
                .peers(raft)
                .clientAddresses(http) // a NotLeaderException then names the leader's HTTP address
                .dataDirectory(Path.of(args[1]))
                .stateMachine(counter)
                .start();

        HttpServer server = HttpServer.create(http.get(node.id()), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor()); // handlers wait on futures
        server.createContext("/add", exchange -> {
            String delta = new String(exchange.getRequestBody().readAllBytes(), UTF_8).trim();
            if (delta.matches("-?[0-9]{1,18}")) { // checked here: a command that throws in apply stops the node
                answer(exchange, node.submit(delta.getBytes(UTF_8)));
            } else {
                reply(exchange, 400, "the body must be a whole number, not '" + delta + "'");
            }
        });
        server.createContext("/value", exchange -> {
            if ("local".equals(exchange.getRequestURI().getQuery())) {
                reply(exchange, 200, Long.toString(counter.value));
            } else {
                answer(exchange, node.read(new byte[0]));
            }
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            node.close();
        }));
        System.out.println(node.id() + " serving on " + server.getAddress());
    }

    /** 200 with the result; 307 to the leader off the leader; 503 when no leader is known or time ran out. */
    private static void answer(HttpExchange exchange, CompletableFuture<byte[]> result) throws IOException {
        try {
            reply(exchange, 200, new String(result.get(), UTF_8));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NotLeaderException notLeader
                    && notLeader.leaderClientAddress().isPresent()) {
                InetSocketAddress leader = notLeader.leaderClientAddress().get();
                // 307, not 302: the client repeats the same method and body at the leader.
                exchange.getResponseHeaders().set("Location",
                        "http://" + leader.getHostString() + ":" + leader.getPort() + exchange.getRequestURI());
                reply(exchange, 307, notLeader.getMessage());
            } else if (e.getCause() instanceof CaucusException failure) {
                // outcomeKnown: the command certainly did not apply, so a retry cannot count it twice.
                reply(exchange, 503, failure.getMessage() + (failure.outcomeKnown() ? "" : " (may have applied)"));
            } else {
                reply(exchange, 500, String.valueOf(e.getCause()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(exchange, 503, "interrupted");
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = (body + "\n").getBytes(UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
