package io.caucus.bench.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Caucus and redis-server through Jedis: one TCP connection per client, spread round-robin over the
 * endpoints given (the script gives Caucus only its leader, so no request pays for forwarding); over TLS, trusting
 * one CA, when {@code tlsCa} is given.
 */
record RedisProtocolTarget(List<String> endpoints, AtomicInteger nextEndpoint, JedisClientConfig config)
        implements LoadTarget {

    private static final int TIMEOUT_MILLIS = 10_000;

    /** @param tlsCa the PEM file of the CA the servers' certificates chain to; null for plaintext */
    RedisProtocolTarget(List<String> endpoints, Path tlsCa) {
        this(List.copyOf(endpoints), new AtomicInteger(), config(tlsCa));
    }

    private static JedisClientConfig config(Path tlsCa) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().timeoutMillis(TIMEOUT_MILLIS);
        return tlsCa == null ? config.build() : config.ssl(true).sslSocketFactory(trusting(tlsCa)).build();
    }

    private static SSLSocketFactory trusting(Path caFile) {
        try (InputStream pem = Files.newInputStream(caFile)) {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int n = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
                trusted.setCertificateEntry("ca" + n++, ca);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-ca " + caFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Connection connect() {
        String endpoint = endpoints.get(Math.floorMod(nextEndpoint.getAndIncrement(), endpoints.size()));
        int colon = endpoint.lastIndexOf(':');
        return new JedisConnection(new HostAndPort(endpoint.substring(0, colon),
                Integer.parseInt(endpoint.substring(colon + 1))), config);
    }

    @Override
    public void close() {
    }

    private static final class JedisConnection implements Connection {
        private final HostAndPort address;
        private final JedisClientConfig config;
        private Jedis jedis;

        JedisConnection(HostAndPort address, JedisClientConfig config) {
            this.address = address;
            this.config = config;
            this.jedis = new Jedis(address, config);
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
                jedis = new Jedis(address, config);
                throw e;
            }
        }

        @Override
        public void close() {
            jedis.close();
        }
    }
}
