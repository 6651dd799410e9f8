package io.caucus.kv;

import static io.caucus.kv.RawRespClient.CLOSED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.core.testing.LoopbackPorts;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigException;
import io.caucus.kv.config.ConfigLoader;
import io.caucus.kv.config.NodeTls;
import io.caucus.transport.tls.CertificateAuthority;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The Redis port over TLS, against a {@link KvServer} on a scripted node, with real certificates: Debian's
 * {@code redis-cli --tls} and Jedis over SSL, with and without client certificates; a plaintext client, a client
 * without a certificate where one is required and a client certificate from another CA are refused; a node
 * refuses to start with material it cannot use, naming the file.
 */
class ClientTlsIT {

    @TempDir
    Path directory;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TlsFixture tls;
    private int port;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) {
            closeable.close();
        }
    }

    private ClusterConfig config(String clientAuth) throws Exception {
        List<Integer> ports = LoopbackPorts.reserve(3);
        port = ports.get(1);
        tls = new TlsFixture(directory, "client test CA");
        tls.issue("n1");
        return ConfigLoader.parse(directory.resolve("cluster.yaml"), "nodes:\n  - {id: n1, raft: 127.0.0.1:" + ports.get(0)
                + ", client: 127.0.0.1:" + ports.get(1) + ", http: 127.0.0.1:" + ports.get(2) + "}\n"
                + "tls:\n  client: " + tls.portYaml(clientAuth) + "\n");
    }

    private KvServer server;

    private void start(String clientAuth) throws Exception {
        ClusterConfig config = config(clientAuth);
        FakeNode node = new FakeNode("n1");
        server = new KvServer(config, config.node("n1"), node, node.stateMachine::digest,
                node.stateMachine::nextExpiryMillis);
        toClose.add(server);
    }

    private Jedis jedis(SSLContext context) {
        Jedis jedis = new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder().ssl(true)
                .sslSocketFactory(context.getSocketFactory()).socketTimeoutMillis(10_000).build());
        toClose.add(jedis);
        return jedis;
    }

    private String redisCli(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(RedisServerProcess.redisCli(), "--tls", "--cacert", tls.caFile().toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    @Test
    void redisCliAndJedisSpeakRespOverTlsWithOrWithoutAClientCertificate() throws Exception {
        start("optional");
        CertificateAuthority.Issued app = tls.issue("app");
        assertThat(redisCli("SET", "greeting", "hello")).isEqualTo("OK");
        assertThat(redisCli("--cert", directory.resolve("app.pem").toString(), "--key",
                directory.resolve("app.key").toString(), "GET", "greeting")).isEqualTo("hello");
        assertThat(jedis(tls.sslContext(null)).incr("visits")).isEqualTo(1L);
        assertThat(jedis(tls.sslContext(app)).incr("visits")).isEqualTo(2L);
        // A certificate that does not chain to the configured CA is refused even where one is optional. (redis-cli
        // sends the certificate it is given; the JDK's client would not offer one the server's CA did not sign.)
        CertificateAuthority foreign = CertificateAuthority.create("foreign CA", TlsFixture.NOT_BEFORE,
                TlsFixture.NOT_AFTER);
        foreign.issue("app", List.of("app"), List.of(), TlsFixture.NOT_BEFORE, TlsFixture.NOT_AFTER)
                .write(directory.resolve("stranger.pem"), directory.resolve("stranger.key"));
        assertThat(redisCli("--cert", directory.resolve("stranger.pem").toString(), "--key",
                directory.resolve("stranger.key").toString(), "GET", "greeting")).doesNotContain("hello");
    }

    @Test
    void aPlaintextClientOnTheTlsPortGetsNoAnswer() throws Exception {
        start("none");
        RawRespClient plain = new RawRespClient(port);
        toClose.add(plain);
        assertThat(plain.call("PING")).isEqualTo(CLOSED);
        assertThat(redisCli("PING")).isEqualTo("PONG"); // and the port still serves TLS clients
        assertThat(server.metrics().limitHits("tls_handshake")).isEqualTo(1);
    }

    @Test
    void requiredClientCertificatesRefuseClientsWithout() throws Exception {
        start("require");
        assertThatThrownBy(() -> jedis(tls.sslContext(null)).ping()).isInstanceOf(JedisConnectionException.class);
        assertThat(redisCli("PING")).doesNotContain("PONG");
        CertificateAuthority.Issued app = tls.issue("app");
        assertThat(jedis(tls.sslContext(app)).ping()).isEqualTo("PONG");
        assertThat(redisCli("--cert", directory.resolve("app.pem").toString(), "--key",
                directory.resolve("app.key").toString(), "PING")).isEqualTo("PONG");
    }

    @Test
    void aRotatedCertificateServesNewConnectionsWhileOpenOnesKeepTheirs() throws Exception {
        start("none");
        Jedis open = jedis(tls.sslContext(null));
        assertThat(open.set("k", "before")).isEqualTo("OK");
        assertThat(serverCertificateSubject()).isEqualTo("CN=n1");
        tls.ca.issue("n1-rotated", List.of("n1"), List.of("127.0.0.1"), TlsFixture.NOT_BEFORE, TlsFixture.NOT_AFTER)
                .write(directory.resolve("n1.pem"), directory.resolve("n1.key"));
        assertThat(serverCertificateSubject()).isEqualTo("CN=n1-rotated");
        assertThat(open.get("k")).isEqualTo("before");
        assertThat(redisCli("GET", "k")).isEqualTo("before");
    }

    /** The subject of the certificate a new connection to the Redis port is served. */
    private String serverCertificateSubject() throws Exception {
        try (SSLSocket socket = (SSLSocket) tls.sslContext(null).getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    @Test
    void aNodeRefusesToStartWithMaterialItCannotUseNamingTheFile() throws Exception {
        ClusterConfig config = config("none");
        NodeId n1 = NodeId.of("n1");
        Path key = directory.resolve("n1.key");
        Path cert = directory.resolve("n1.pem");
        Files.move(key, directory.resolve("moved.key"));
        assertThatThrownBy(() -> NodeTls.load(config, n1)).isInstanceOf(ConfigException.class)
                .hasMessage(directory.resolve("cluster.yaml") + ": tls.client of node n1: TLS key file " + key
                        + ": no such file");
        tls.issue("other").write(directory.resolve("other.pem"), key); // a key of another certificate
        assertThatThrownBy(() -> NodeTls.load(config, n1)).hasMessageEndingWith(
                "TLS key file " + key + ": the key does not belong to the certificate 'CN=n1' in " + cert);
        tls.ca.issue("n1", List.of("n1"), List.of(), Instant.now().minus(Duration.ofDays(9)),
                Instant.now().minus(Duration.ofDays(1))).write(cert, key);
        assertThatThrownBy(() -> NodeTls.load(config, n1)).hasMessageContaining(
                "TLS cert file " + cert + ": certificate 'CN=n1' expired on ");
    }
}
