package io.caucus.kv.admin;

import io.caucus.server.HostPort;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Reads a node's {@code /status} (or another of its admin answers) as a JSON object. */
public final class StatusClient {

    private final AdminConnection connection;
    private final HttpClient http;

    public StatusClient() {
        this(AdminConnection.PLAIN);
    }

    public StatusClient(AdminConnection connection) {
        this.connection = connection;
        this.http = connection.newClient(Duration.ofSeconds(1));
    }

    /** The node's status fields, or empty if it does not answer. */
    public Optional<Map<String, Object>> fetch(InetSocketAddress address) {
        return fetch(address, "/status");
    }

    /** The fields of the node's JSON answer at {@code path} (e.g. {@code /digest}), or empty if it does not answer. */
    public Optional<Map<String, Object>> fetch(InetSocketAddress address, String path) {
        HttpRequest request = connection.request(HostPort.format(address), path)
                .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return Optional.empty();
            }
            return Optional.of(AdminJson.parseObject(response.body()));
        } catch (IllegalArgumentException | java.io.IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
