package io.caucus.transport.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * Netty TLS contexts from checked {@link TlsMaterial}. The provider is OpenSSL (BoringSSL, from
 * netty-tcnative-boringssl-static) when its native library loads on this platform, since it costs less CPU per
 * byte and per handshake than the JDK's; the JDK provider otherwise. Both speak TLS 1.2 and 1.3.
 */
public final class TlsContexts {

    private TlsContexts() {
    }

    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The provider in use and, for the JDK's, why OpenSSL is not: for the log line at start. */
    public static String describeProvider() {
        if (OpenSsl.isAvailable()) {
            return "OpenSSL (" + OpenSsl.versionString() + ", netty-tcnative-boringssl-static)";
        }
        return "the JDK provider (OpenSSL unavailable: " + OpenSsl.unavailabilityCause() + ")";
    }

    /** The server side of a port: presents the chain, asks for client certificates as {@code clientAuth} says. */
    public static SslContext server(TlsMaterial material, TlsFiles.ClientAuthMode clientAuth) {
        SslContextBuilder builder = SslContextBuilder.forServer(material.key(), chain(material))
                .sslProvider(provider())
                .clientAuth(switch (clientAuth) {
                    case NONE -> ClientAuth.NONE;
                    case OPTIONAL -> ClientAuth.OPTIONAL;
                    case REQUIRE -> ClientAuth.REQUIRE;
                });
        if (!material.trusted().isEmpty()) {
            builder.trustManager(material.trusted().toArray(X509Certificate[]::new));
        }
        return build(builder);
    }

    /**
     * The dialling side: presents the chain (for servers that ask) and trusts the ca, or the JDK's default trust
     * store without one. Host names are not checked: nodes dial each other by address, and who the server is
     * (its certificate's names) is checked by the caller against what it dialled.
     */
    public static SslContext client(TlsMaterial material) {
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(provider())
                .keyManager(material.key(), chain(material));
        if (!material.trusted().isEmpty()) {
            builder.trustManager(material.trusted().toArray(X509Certificate[]::new));
        }
        return build(builder);
    }

    /**
     * The same material as a JDK {@link javax.net.ssl.SSLContext}, for servers and clients outside Netty (the admin
     * port's HTTPS server, the command line's HTTP client): presents the chain, trusts the ca (or the JDK's default
     * trust store without one).
     */
    public static javax.net.ssl.SSLContext jdk(TlsMaterial material) {
        try {
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("node", material.key(), new char[0], chain(material));
            javax.net.ssl.KeyManagerFactory keyManagers = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, new char[0]);
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers(material.trusted()), null);
            return context;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new TlsException("cannot build a JDK TLS context: " + e.getMessage(), e);
        }
    }

    /** Trust managers for {@code trusted}, or null (the JDK's default trust store) when it is empty. */
    public static javax.net.ssl.TrustManager[] trustManagers(java.util.List<X509Certificate> trusted)
            throws java.security.GeneralSecurityException, java.io.IOException {
        if (trusted.isEmpty()) {
            return null;
        }
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < trusted.size(); i++) {
            store.setCertificateEntry("ca" + i, trusted.get(i));
        }
        javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    private static X509Certificate[] chain(TlsMaterial material) {
        return material.chain().toArray(X509Certificate[]::new);
    }

    private static SslContext build(SslContextBuilder builder) {
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new TlsException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }
}
