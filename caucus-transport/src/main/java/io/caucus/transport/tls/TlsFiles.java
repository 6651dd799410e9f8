package io.caucus.transport.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one port's TLS material lives: PEM files, read by {@link TlsMaterial#load}.
 *
 * @param ca         certificates trusted to sign the other end's certificate (clients of this port, or the
 *                   servers this node dials); null: the JDK's default trust store, and client certificates are
 *                   neither asked for nor checked
 * @param cert       this node's certificate, optionally followed by its intermediate certificates
 * @param key        the private key of {@code cert} (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted)
 * @param clientAuth whether a connecting party must, may or need not present a certificate signed by {@code ca}
 */
public record TlsFiles(Path ca, Path cert, Path key, ClientAuthMode clientAuth) {

    public TlsFiles {
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (ca == null && clientAuth != ClientAuthMode.NONE) {
            throw new IllegalArgumentException("clientAuth " + clientAuth.configName()
                    + " needs a ca to check client certificates against");
        }
    }

    /** Whether the other end of a connection presents a certificate. */
    public enum ClientAuthMode {
        /** No certificate is asked for. */
        NONE,
        /** A certificate is asked for; one that is presented must chain to the ca, but none is needed. */
        OPTIONAL,
        /** A certificate chaining to the ca is required. */
        REQUIRE;

        /** The name used in configuration files. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
