package io.caucus.kv.admin;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who may use the admin port. Without a token and without client certificates, everyone (the port is open, as
 * before). Otherwise every request except a GET of an open path ({@code /health} and {@code /metrics} by default)
 * needs {@code Authorization: Bearer <token>} or a client certificate, which the TLS layer has already checked
 * against the admin port's ca; anything else is answered 401 and does nothing.
 *
 * @param token      the bearer token, or null for none
 * @param byCertificate whether a verified client certificate authenticates a request
 * @param openPaths  paths any client may GET
 * @param maxBodyBytes the largest request body taken; a larger announced one is answered 413 before it is read,
 *                   and a chunked one is cut off (and the connection closed) once it passes this
 */
public record AdminGuard(byte[] token, boolean byCertificate, Set<String> openPaths, int maxBodyBytes) {

    public static final Set<String> DEFAULT_OPEN_PATHS = Set.of("/health", "/metrics");
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    public static final AdminGuard OPEN = new AdminGuard(null, false, DEFAULT_OPEN_PATHS, DEFAULT_MAX_BODY_BYTES);

    public AdminGuard {
        openPaths = Set.copyOf(openPaths);
    }

    /** Whether requests need credentials at all. */
    public boolean required() {
        return token != null || byCertificate;
    }

    /**
     * The filter that enforces this on every admin context, counting refusals in {@code refused} and bodies over
     * the limit with {@code oversize}.
     */
    Filter filter(LongAdder refused, Runnable oversize) {
        return new Filter() {
            @Override
            public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
                String length = exchange.getRequestHeaders().getFirst("Content-Length");
                if (length != null && !withinLimit(length)) {
                    oversize.run();
                    exchange.getResponseHeaders().set("Connection", "close");
                    AdminHttpServer.respond(exchange, 413, "application/json", AdminJson.write(Map.of("error",
                            "request body larger than adminMaxBodyBytes (" + maxBodyBytes + " bytes)")));
                    exchange.close();
                    return;
                }
                exchange.setStreams(new LimitedInput(exchange.getRequestBody(), maxBodyBytes, oversize), null);
                if (allows(exchange)) {
                    chain.doFilter(exchange);
                    return;
                }
                refused.increment();
                exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"caucus-admin\"");
                exchange.getRequestBody().close();
                AdminHttpServer.respond(exchange, 401, "application/json", AdminJson.write(Map.of("error",
                        "authentication required: send 'Authorization: Bearer <token>' (the cluster file's"
                                + " adminTokenFile) or a client certificate signed by the admin port's ca")));
            }

            @Override
            public String description() {
                return "admin authentication";
            }
        };
    }

    private boolean withinLimit(String contentLength) {
        try {
            return Long.parseLong(contentLength.strip()) <= maxBodyBytes;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A request body that fails (and so closes the connection) once it passes the limit, for chunked bodies. */
    private static final class LimitedInput extends java.io.FilterInputStream {
        private final int limit;
        private final Runnable oversize;
        private long read;

        LimitedInput(java.io.InputStream in, int limit, Runnable oversize) {
            super(in);
            this.limit = limit;
            this.oversize = oversize;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            count(Math.max(n, 0));
            return n;
        }

        private void count(int n) throws IOException {
            read += n;
            if (read > limit) {
                oversize.run();
                throw new IOException("request body larger than adminMaxBodyBytes (" + limit + " bytes)");
            }
        }
    }

    private boolean allows(HttpExchange exchange) {
        if (!required()) {
            return true;
        }
        if (exchange.getRequestMethod().equals("GET") && openPaths.contains(exchange.getRequestURI().getPath())) {
            return true;
        }
        return hasToken(exchange) || hasCertificate(exchange);
    }

    private boolean hasToken(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (token == null || header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        byte[] offered = header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(offered, token); // constant time: no guessing byte by byte
    }

    private boolean hasCertificate(HttpExchange exchange) {
        if (!byCertificate || !(exchange instanceof HttpsExchange https)) {
            return false;
        }
        try {
            return https.getSSLSession().getPeerCertificates().length > 0; // verified by the handshake
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
