package io.caucus.transport;

import static io.caucus.transport.TransportFixture.FAST;
import static io.caucus.transport.TransportFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.transport.TransportFixture.Node;
import io.caucus.transport.tls.CertificateAuthority;
import io.caucus.transport.tls.TlsFiles;
import io.caucus.transport.tls.TlsSource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS between peers with real certificates: members of one CA whose certificates name them talk; a node with
 * a certificate from another CA, a certificate of the same CA naming someone else, or no TLS at all, is refused and
 * delivers nothing.
 */
class PeerTlsTest {

    private static final Instant FROM = Instant.now().minus(Duration.ofHours(1));
    private static final Instant TO = Instant.now().plus(Duration.ofDays(30));

    @TempDir
    Path dir;

    private final TransportFixture fixture = new TransportFixture();
    private final CertificateAuthority cluster = CertificateAuthority.create("cluster CA", FROM, TO);

    @AfterEach
    void closeAll() {
        fixture.close();
    }

    /** Options whose TLS presents a certificate from {@code ca} naming {@code names}, trusting the cluster's CA. */
    private TransportOptions tls(String file, CertificateAuthority ca, List<String> names) {
        cluster.writeCertificate(dir.resolve("ca.pem"));
        ca.issue(file, names, List.of(), FROM, TO).write(dir.resolve(file + ".pem"), dir.resolve(file + ".key"));
        return FAST.withTls(TlsSource.load(file, new TlsFiles(dir.resolve("ca.pem"), dir.resolve(file + ".pem"),
                dir.resolve(file + ".key"), TlsFiles.ClientAuthMode.REQUIRE)));
    }

    @Test
    void membersWithCertificatesNamingThemExchangeMessages() {
        Node a = fixture.start("a", tls("a", cluster, List.of("a")));
        Node b = fixture.start("b", tls("b", cluster, List.of("b")));
        TransportFixture.connectAll(a, b);
        List<io.caucus.core.message.RaftMessage> aToB = Messages.oneOfEach(a.id(), b.id());
        aToB.forEach(a.transport()::send);
        b.transport().send(Messages.heartbeat(b.id(), a.id(), 1));
        await("b receives all of a's messages", () -> b.received().size() == aToB.size(), b::received);
        await("a receives b's heartbeat", () -> a.received().size() == 1, a::received);
        assertThat(a.transport().metrics().handshakesRefused() + b.transport().metrics().handshakesRefused()).isZero();
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedAtTheHandshake() {
        CertificateAuthority foreign = CertificateAuthority.create("other cluster CA", FROM, TO);
        Node b = fixture.start("b", tls("b", cluster, List.of("b")));
        Node c = fixture.start("c", tls("c", foreign, List.of("c")));
        TransportFixture.connectAll(b, c);
        c.transport().send(Messages.heartbeat(c.id(), b.id(), 9));
        await("b refuses c's connection", () -> b.transport().metrics().handshakesRefused() >= 1,
                b.transport()::metrics);
        assertThat(b.received()).isEmpty();
        assertThat(c.transport().isConnected(b.id())).isFalse();
    }

    @Test
    void aCertificateOfTheSameCaNamingAnotherNodeIsRefused() {
        Node b = fixture.start("b", tls("b", cluster, List.of("b")));
        Node c = fixture.start("c", tls("impostor", cluster, List.of("x")));
        TransportFixture.connectAll(b, c);
        c.transport().send(Messages.heartbeat(c.id(), b.id(), 9));
        b.transport().send(Messages.heartbeat(b.id(), c.id(), 1));
        await("b refuses c both ways", () -> b.transport().metrics().handshakesRefused() >= 2,
                b.transport()::metrics);
        assertThat(b.received()).isEmpty();
        assertThat(c.received()).isEmpty();
    }

    @Test
    void aCertificateNamingTheMembersAddressIsAccepted() {
        Node a = fixture.start("a", tls("a", cluster, List.of("127.0.0.1")));
        Node b = fixture.start("b", tls("b", cluster, List.of("b")));
        TransportFixture.connectAll(a, b);
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));
        await("b receives a's heartbeat", () -> b.received().size() == 1, b::received);
    }

    @Test
    void aPlaintextPeerIsRefused() {
        Node b = fixture.start("b", tls("b", cluster, List.of("b")));
        Node plain = fixture.start("c", FAST);
        TransportFixture.connectAll(b, plain);
        plain.transport().send(Messages.heartbeat(plain.id(), b.id(), 1));
        await("b refuses the plaintext connection", () -> b.transport().metrics().handshakesRefused() >= 1,
                b.transport()::metrics);
        assertThat(b.received()).isEmpty();
    }
}
