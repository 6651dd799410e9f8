package io.caucus.kv.admin;

import io.caucus.transport.tls.TlsSource;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * A JDK {@link SSLContext} whose every new engine comes from the {@link TlsSource}'s current material: the JDK's
 * HTTPS server takes one context when it is configured and asks it for an engine per connection, so this is how
 * rotated certificates reach new admin connections while open ones keep theirs.
 */
final class ReloadingSslContext extends SSLContext {

    ReloadingSslContext(TlsSource source) {
        super(new Spi(source), source.jdkContext().getProvider(), "TLS");
    }

    private static final class Spi extends SSLContextSpi {
        private final TlsSource source;

        Spi(TlsSource source) {
            this.source = source;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("initialised from the TLS files, not by init()");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return source.jdkContext().getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return source.jdkContext().getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return source.jdkContext().createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return source.jdkContext().createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return source.jdkContext().getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return source.jdkContext().getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return source.jdkContext().getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return source.jdkContext().getSupportedSSLParameters();
        }
    }
}
