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
 */
public record AdminGuard(byte[] token, boolean byCertificate, Set<String> openPaths) {

    public static final Set<String> DEFAULT_OPEN_PATHS = Set.of("/health", "/metrics");
    public static final AdminGuard OPEN = new AdminGuard(null, false, DEFAULT_OPEN_PATHS);

    public AdminGuard {
        openPaths = Set.copyOf(openPaths);
    }

    /** Whether requests need credentials at all. */
    public boolean required() {
        return token != null || byCertificate;
    }

    /** The filter that enforces this on every admin context, counting refusals in {@code refused}. */
    Filter filter(LongAdder refused) {
        return new Filter() {
            @Override
            public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
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
