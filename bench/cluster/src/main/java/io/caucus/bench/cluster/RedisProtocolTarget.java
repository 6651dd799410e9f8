package io.caucus.bench.cluster;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Caucus and redis-server through Jedis: one TCP connection per client, spread round-robin over the
 * endpoints given (the script gives Caucus only its leader, so no request pays for forwarding).
 */
record RedisProtocolTarget(List<String> endpoints, AtomicInteger nextEndpoint) implements LoadTarget {

    private static final int TIMEOUT_MILLIS = 10_000;

    RedisProtocolTarget(List<String> endpoints) {
        this(List.copyOf(endpoints), new AtomicInteger());
    }

    @Override
    public Connection connect() {
        String endpoint = endpoints.get(Math.floorMod(nextEndpoint.getAndIncrement(), endpoints.size()));
        int colon = endpoint.lastIndexOf(':');
        return new JedisConnection(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)));
    }

    @Override
    public void close() {
    }

    private static final class JedisConnection implements Connection {
        private final String host;
        private final int port;
        private Jedis jedis;

        JedisConnection(String host, int port) {
            this.host = host;
            this.port = port;
            this.jedis = new Jedis(host, port, TIMEOUT_MILLIS);
        }

        @Override
        public void write(byte[] key, byte[] value) {
            String reply = call(() -> jedis.set(key, value));
            if (!"OK".equals(reply)) {
                throw new IllegalStateException("SET answered " + reply);
            }
        }

        @Override
        public void read(byte[] key) {
            call(() -> jedis.get(key));
        }

        /** A broken connection is counted as an error and replaced, so one failure does not end the client. */
        private <T> T call(java.util.function.Supplier<T> request) {
            try {
                return request.get();
            } catch (JedisConnectionException e) {
                jedis.close();
                jedis = new Jedis(host, port, TIMEOUT_MILLIS);
                throw e;
            }
        }

        @Override
        public void close() {
            jedis.close();
        }
    }
}
