package io.caucus.bench.cluster;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;

/**
 * A Redis Cluster (a sharded Caucus cluster, bench/shards/run.sh) through one shared {@link JedisCluster}, as an
 * application would use it: Jedis learns the slot map from CLUSTER SLOTS, sends each key to its slot's master (a
 * Caucus group's leader) and follows -MOVED by reloading the map. Each node's connection pool holds up to one
 * connection per client, so no client ever waits for a connection; a client borrows one per request rather than
 * owning one, as JedisCluster's pools work.
 */
final class RedisClusterTarget implements LoadTarget {

    private static final int TIMEOUT_MILLIS = 10_000;
    /** Enough for a leader change: each -MOVED or broken connection reloads the slot map and retries. */
    private static final int MAX_ATTEMPTS = 5;

    private final JedisCluster cluster;

    RedisClusterTarget(List<String> endpoints, int clients) {
        Set<HostAndPort> seeds = new LinkedHashSet<>();
        for (String endpoint : endpoints) {
            seeds.add(HostAndPort.from(endpoint));
        }
        GenericObjectPoolConfig<redis.clients.jedis.Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(clients);
        pool.setMaxIdle(clients);
        pool.setJmxEnabled(false);
        this.cluster = new JedisCluster(seeds, DefaultJedisClientConfig.builder().timeoutMillis(TIMEOUT_MILLIS).build(),
                MAX_ATTEMPTS, Duration.ofMillis((long) TIMEOUT_MILLIS * MAX_ATTEMPTS), pool);
    }

    @Override
    public Connection connect() {
        return new Connection() {
            @Override
            public void write(byte[] key, byte[] value) {
                String reply = cluster.set(key, value);
                if (!"OK".equals(reply)) {
                    throw new IllegalStateException("SET answered " + reply);
                }
            }

            @Override
            public void read(byte[] key) {
                cluster.get(key);
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void close() {
        cluster.close();
    }
}
