package io.caucus.examples.counters;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caucus.core.NodeId;
import io.caucus.server.CaucusException;
import io.caucus.server.CaucusHost;
import io.caucus.server.NotLeaderException;
import io.caucus.server.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;

/**
 * A service that embeds {@link CaucusHost}: named counters spread over {@code GROUPS} Raft groups by a hash of the
 * name, every group replicated by the three processes, each process serving HTTP. One process runs every group on
 * one log and one connection per peer; each group elects its own leader, so the groups' leaders spread over the
 * processes and so does the work.
 *
 * <pre>
 * java -cp ... io.caucus.examples.counters.ShardedCounters ID DATA_DIR GROUPS ID=RAFT_HOST:PORT/HTTP_HOST:PORT...
 * curl -L --data 5 127.0.0.1:8001/counters/apples   # adds 5 to "apples" (redirected to its group's leader)
 * curl -L 127.0.0.1:8002/counters/apples            # a linearizable read at the group's leader
 * curl '127.0.0.1:8003/counters/apples?local'       # this replica's own applied value (may lag)
 * </pre>
 */
public final class ShardedCounters {

    /** One group's counters: the commands of a group apply in the same order on every process. */
    static final class Counters implements StateMachine {
        private final Map<String, Long> values = new ConcurrentHashMap<>(); // written only by the apply thread

        /** A command is "name delta"; the result is the counter's new value. */
        @Override
        public byte[] apply(long index, byte[] command) {
            String[] parts = new String(command, UTF_8).split(" ", 2);
            long value = values.merge(parts[0], Long.parseLong(parts[1]), Long::sum);
            return Long.toString(value).getBytes(UTF_8);
        }

        /** A query is a name; the answer its value (0 if never added to). */
        @Override
        public byte[] query(byte[] query) {
            return Long.toString(local(new String(query, UTF_8))).getBytes(UTF_8);
        }

        long local(String name) {
            return values.getOrDefault(name, 0L);
        }

        @Override
        public Snapshot snapshot(long appliedIndex) {
            Map<String, Long> captured = new HashMap<>(values); // a point-in-time view, written out on another thread
            return out -> {
                DataOutputStream data = new DataOutputStream(out);
                data.writeInt(captured.size());
                for (Map.Entry<String, Long> entry : captured.entrySet()) {
                    data.writeUTF(entry.getKey());
                    data.writeLong(entry.getValue());
                }
                data.flush();
            };
        }

        @Override
        public void restore(long lastIncludedIndex, InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            values.clear();
            for (int i = data.readInt(); i > 0; i--) {
                values.put(data.readUTF(), data.readLong());
            }
        }
    }

    private ShardedCounters() {
    }

    /** The group that holds counter {@code name}: a stable hash, so every process agrees. */
    static long groupOf(String name, int groups) {
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(UTF_8));
        return 1 + crc.getValue() % groups;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: ShardedCounters ID DATA_DIR GROUPS ID=RAFT_HOST:PORT/HTTP_HOST:PORT...");
            System.exit(2);
        }
        int groups = Integer.parseInt(args[2]);
        Map<NodeId, InetSocketAddress> raft = new LinkedHashMap<>();
        Map<NodeId, InetSocketAddress> http = new LinkedHashMap<>();
        for (String member : List.of(args).subList(3, args.length)) {
            String[] parts = member.split("[=/]"); // ID=RAFT/HTTP
            raft.put(NodeId.of(parts[0]), address(parts[1]));
            http.put(NodeId.of(parts[0]), address(parts[2]));
        }
        Map<Long, Counters> counters = new ConcurrentHashMap<>();
        CaucusHost host = CaucusHost.builder()
                .id(args[0])
                .peers(raft)
                .clientAddresses(http) // a group's NotLeaderException then names its leader's HTTP address
                .dataDirectory(Path.of(args[1]))
                .groups(group -> new CaucusHost.GroupDefinition(raft.keySet(),
                        counters.computeIfAbsent(group, id -> new Counters())))
                .start();
        for (long group = 1; group <= groups; group++) {
            host.group(group); // every process runs every group
        }

        HttpServer server = HttpServer.create(http.get(host.id()), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor()); // handlers wait on futures
        server.createContext("/counters/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring("/counters/".length());
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                reply(exchange, 400, "a counter's name is 1 to 64 letters, digits, '_', '.' or '-'");
                return;
            }
            long group = groupOf(name, groups);
            if ("POST".equals(exchange.getRequestMethod())) {
                String delta = new String(exchange.getRequestBody().readAllBytes(), UTF_8).trim();
                if (delta.matches("-?[0-9]{1,18}")) { // checked here: a command that throws in apply stops the group
                    answer(exchange, host.group(group).submit((name + " " + delta).getBytes(UTF_8)));
                } else {
                    reply(exchange, 400, "the body must be a whole number, not '" + delta + "'");
                }
            } else if ("local".equals(exchange.getRequestURI().getQuery())) {
                reply(exchange, 200, Long.toString(counters.get(group).local(name)));
            } else {
                answer(exchange, host.group(group).read(name.getBytes(UTF_8)));
            }
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            host.close();
        }));
        System.out.println(host.id() + " serving " + groups + " groups on " + server.getAddress());
    }

    /** 200 with the result; 307 to the group's leader off it; 503 when no leader is known or time ran out. */
    private static void answer(HttpExchange exchange, CompletableFuture<byte[]> result) throws IOException {
        try {
            reply(exchange, 200, new String(result.get(), UTF_8));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NotLeaderException notLeader
                    && notLeader.leaderClientAddress().isPresent()) {
                InetSocketAddress leader = notLeader.leaderClientAddress().get();
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
