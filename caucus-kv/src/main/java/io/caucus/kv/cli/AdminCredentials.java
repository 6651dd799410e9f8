package io.caucus.kv.cli;

import io.caucus.kv.admin.AdminConnection;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.transport.tls.TlsContexts;
import io.caucus.transport.tls.TlsException;
import io.caucus.transport.tls.TlsFiles;
import io.caucus.transport.tls.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/** The options of every subcommand that talks to admin ports: HTTPS trust, a client certificate, a token. */
final class AdminCredentials {

    @Option(names = "--cacert", description = "PEM file of the CA that signed the admin ports' certificates: use"
            + " HTTPS (default with a --config whose tls.admin is set: its ca).")
    Path cacert;

    @Option(names = "--cert", description = "PEM client certificate to present (with --key).")
    Path cert;

    @Option(names = "--key", description = "PEM private key of --cert.")
    Path key;

    @Option(names = "--token", description = "File holding the admin bearer token (the cluster's adminTokenFile).")
    Path token;

    /** The connection these options describe, completed from {@code cluster}'s tls.admin when given. */
    AdminConnection connection(ClusterConfig cluster) {
        boolean configuredTls = cluster != null && cluster.tls().admin() != null;
        Path ca = cacert != null ? cacert
                : configuredTls ? cluster.tls().admin().files(cluster.nodes().getFirst().id()).ca() : null;
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("give --cert and --key together");
        }
        SSLContext tls = ca != null || cert != null || configuredTls ? sslContext(ca) : null;
        return new AdminConnection(tls, token == null ? null : readToken());
    }

    private SSLContext sslContext(Path ca) {
        try {
            if (cert != null) {
                return TlsContexts.jdk(TlsMaterial.load(new TlsFiles(ca, cert, key, TlsFiles.ClientAuthMode.NONE),
                        Instant.now()));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, TlsContexts.trustManagers(ca == null ? List.of() : TlsMaterial.readCertificates(ca)),
                    null);
            return context;
        } catch (TlsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot set up HTTPS: " + e.getMessage(), e);
        }
    }

    private String readToken() {
        try {
            return Files.readString(token).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("--token: cannot read " + token + ": " + e, e);
        }
    }
}
