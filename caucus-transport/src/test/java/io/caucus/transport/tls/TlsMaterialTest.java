package io.caucus.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.transport.tls.TlsFiles.ClientAuthMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real X.509 material from a throwaway CA: accepted when sound, refused naming the file and reason otherwise. */
class TlsMaterialTest {

    private static final Instant NOW = Instant.now();
    private static final Instant YESTERDAY = NOW.minus(Duration.ofDays(1));
    private static final Instant NEXT_YEAR = NOW.plus(Duration.ofDays(365));

    @TempDir
    Path dir;

    private final CertificateAuthority ca = CertificateAuthority.create("test CA", YESTERDAY, NEXT_YEAR);

    private TlsFiles write(CertificateAuthority.Issued issued) {
        ca.writeCertificate(dir.resolve("ca.pem"));
        issued.write(dir.resolve("node.pem"), dir.resolve("node.key"));
        return new TlsFiles(dir.resolve("ca.pem"), dir.resolve("node.pem"), dir.resolve("node.key"),
                ClientAuthMode.REQUIRE);
    }

    private CertificateAuthority.Issued node(Instant notBefore, Instant notAfter) {
        return ca.issue("n1", List.of("n1"), List.of("127.0.0.1"), notBefore, notAfter);
    }

    @Test
    void soundMaterialLoadsWithItsChainAndTrust() {
        TlsMaterial material = TlsMaterial.load(write(node(YESTERDAY, NEXT_YEAR)), NOW);
        assertThat(material.chain()).hasSize(1);
        assertThat(material.chain().getFirst().getSubjectX500Principal().getName()).isEqualTo("CN=n1");
        assertThat(material.trusted()).containsExactly(ca.certificate());
        assertThat(TlsContexts.server(material, ClientAuthMode.REQUIRE)).isNotNull();
        assertThat(TlsContexts.client(material)).isNotNull();
    }

    @Test
    void aMissingFileIsNamed() {
        TlsFiles files = write(node(YESTERDAY, NEXT_YEAR));
        TlsFiles missingKey = new TlsFiles(files.ca(), files.cert(), dir.resolve("nope.key"), ClientAuthMode.NONE);
        assertThatThrownBy(() -> TlsMaterial.load(missingKey, NOW)).isInstanceOf(TlsException.class)
                .hasMessage("TLS key file " + dir.resolve("nope.key") + ": no such file");
    }

    @Test
    void anExpiredOrNotYetValidCertificateIsRefused() {
        TlsFiles expired = write(node(NOW.minus(Duration.ofDays(30)), YESTERDAY));
        assertThatThrownBy(() -> TlsMaterial.load(expired, NOW)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("TLS cert file " + expired.cert() + ": certificate 'CN=n1' expired on ");
        TlsFiles early = write(node(NOW.plus(Duration.ofDays(2)), NEXT_YEAR));
        assertThatThrownBy(() -> TlsMaterial.load(early, NOW)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("TLS cert file " + early.cert() + ": certificate 'CN=n1' is not valid before ");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        TlsFiles files = write(node(YESTERDAY, NEXT_YEAR));
        node(YESTERDAY, NEXT_YEAR).write(dir.resolve("other.pem"), files.key());
        assertThatThrownBy(() -> TlsMaterial.load(files, NOW)).isInstanceOf(TlsException.class)
                .hasMessage("TLS key file " + files.key() + ": the key does not belong to the certificate 'CN=n1' in "
                        + files.cert());
    }

    @Test
    void filesThatAreNotWhatTheyShouldBeAreRefused() throws Exception {
        TlsFiles files = write(node(YESTERDAY, NEXT_YEAR));
        TlsFiles swapped = new TlsFiles(files.ca(), files.key(), files.cert(), ClientAuthMode.NONE);
        assertThatThrownBy(() -> TlsMaterial.load(swapped, NOW)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("TLS cert file " + files.key() + ": expected PEM certificates");
        Files.writeString(files.ca(), "not a certificate\n");
        assertThatThrownBy(() -> TlsMaterial.load(files, NOW)).isInstanceOf(TlsException.class)
                .hasMessage("TLS ca file " + files.ca() + ": no certificate in it (expected PEM, BEGIN CERTIFICATE)");
    }

    @Test
    void anUnreadableFileIsRefused() throws Exception {
        TlsFiles files = write(node(YESTERDAY, NEXT_YEAR));
        Files.setPosixFilePermissions(files.key(), PosixFilePermissions.fromString("---------"));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(files.key()), "running as root");
        assertThatThrownBy(() -> TlsMaterial.load(files, NOW)).isInstanceOf(TlsException.class)
                .hasMessage("TLS key file " + files.key() + ": cannot be read (permission denied)");
    }

    @Test
    void clientCertificatesNeedACa() {
        assertThatThrownBy(() -> new TlsFiles(null, dir.resolve("c"), dir.resolve("k"), ClientAuthMode.OPTIONAL))
                .hasMessage("clientAuth optional needs a ca to check client certificates against");
    }
}
