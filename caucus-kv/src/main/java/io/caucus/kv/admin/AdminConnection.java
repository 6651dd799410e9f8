package io.caucus.kv.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * How a client reaches admin ports: plain HTTP, or HTTPS with {@code tls} (trusting the admin port's CA, presenting a
 * client certificate if it holds one), and a bearer token or none.
 *
 * @param tls   null for plain HTTP
 * @param token the bearer token, or null
 */
public record AdminConnection(SSLContext tls, String token) {

    public static final AdminConnection PLAIN = new AdminConnection(null, null);

    /** An HTTP client for these admin ports. */
    public HttpClient newClient(Duration connectTimeout) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(connectTimeout);
        if (tls != null) {
            builder.sslContext(tls);
        }
        return builder.build();
    }

    /** A request to {@code hostPort} + {@code pathQuery} with the scheme and credentials of this connection. */
    public HttpRequest.Builder request(String hostPort, String pathQuery) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create((tls == null ? "http://" : "https://")
                + hostPort + pathQuery));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }
}
