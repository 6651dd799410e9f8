package io.caucus.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * A rough throughput benchmark (not a test): {@code connections} clients each send {@code requests} SETs in
 * pipelined batches of {@code depth} to one port, then the same number of GETs. Usage:
 * {@code KvBench port connections requests depth}, against a running cluster (e.g. {@code ./caucus demo}).
 */
public final class KvBench {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int connections = Integer.parseInt(args[1]);
        int requests = Integer.parseInt(args[2]);
        int depth = Integer.parseInt(args[3]);
        for (String phase : List.of("SET", "GET")) {
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    try (Jedis jedis = new Jedis("127.0.0.1", port, 60_000)) {
                        for (int sent = 0; sent < requests; sent += depth) {
                            Pipeline pipeline = jedis.pipelined();
                            for (int i = sent; i < Math.min(requests, sent + depth); i++) {
                                String key = "bench-" + client + "-" + i;
                                if (phase.equals("SET")) {
                                    pipeline.set(key, "value-" + i);
                                } else {
                                    pipeline.get(key);
                                }
                            }
                            pipeline.sync();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: %d ops in %.2f s = %.0f ops/s (%d connections, pipeline depth %d)%n", phase,
                    (long) connections * requests, seconds, connections * requests / seconds, connections, depth);
            pool.shutdown();
        }
    }
}
