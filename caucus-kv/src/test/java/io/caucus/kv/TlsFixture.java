package io.caucus.kv;

import io.caucus.transport.tls.CertificateAuthority;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Real X.509 material for tests, from a throwaway CA made with BouncyCastle: {@code ca.pem} and, per node,
 * {@code <id>.pem} and {@code <id>.key} in one directory, each node's certificate naming its id and 127.0.0.1.
 */
final class TlsFixture {

    static final Instant NOT_BEFORE = Instant.now().minus(Duration.ofHours(1));
    static final Instant NOT_AFTER = Instant.now().plus(Duration.ofDays(30));

    final Path directory;
    final CertificateAuthority ca;

    TlsFixture(Path directory, String caName) {
        this.directory = directory;
        this.ca = CertificateAuthority.create(caName, NOT_BEFORE, NOT_AFTER);
        ca.writeCertificate(caFile());
    }

    Path caFile() {
        return directory.resolve("ca.pem");
    }

    /** Issues and writes {@code <name>.pem} and {@code <name>.key} naming {@code name} and 127.0.0.1. */
    CertificateAuthority.Issued issue(String name) {
        CertificateAuthority.Issued issued = ca.issue(name, List.of(name, "localhost"), List.of("127.0.0.1"),
                NOT_BEFORE, NOT_AFTER);
        issued.write(directory.resolve(name + ".pem"), directory.resolve(name + ".key"));
        return issued;
    }

    /** The cluster file's tls entry for one port kind, with the files this fixture writes. */
    String portYaml(String clientAuth) {
        return "{ca: ca.pem, cert: \"{id}.pem\", key: \"{id}.key\", clientAuth: " + clientAuth + "}";
    }

    /** A JDK SSL context trusting this CA and, if {@code client} is given, presenting its certificate. */
    SSLContext sslContext(CertificateAuthority.Issued client) throws Exception {
        return sslContext(ca, client);
    }

    static SSLContext sslContext(CertificateAuthority trusted, CertificateAuthority.Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted.certificate());
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.key(), new char[0], new Certificate[] {client.certificate()});
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(),
                null);
        return context;
    }
}
