package io.caucus.kv.cli;

import io.caucus.kv.admin.AdminJson;
import io.caucus.server.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code caucus backup --config FILE OUT}: a consistent copy of the whole key-value state, taken on the first node
 * that confirms a linearizable read (so it holds every write acknowledged before the command started; a follower
 * confirms it with its leader, thesis §6.4.1), written to OUT. Asks the nodes in turn until one answers. Exit code 0 once OUT is whole and durable, 1 otherwise (no OUT
 * is left behind then).
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Write a consistent copy of the whole key-value state to a file (taken on the first node that confirms a linearizable read).",
                "Restore it into a new cluster with 'caucus restore'."})
final class BackupCommand implements Callable<Integer> {

    @Mixin
    AdminTarget target;
    @Parameters(index = "0", paramLabel = "OUT", description = "The backup file to write (must not exist).")
    Path out;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (Files.exists(out)) {
            err.println("caucus: " + out + " exists; give a new file name");
            return 1;
        }
        io.caucus.kv.admin.AdminConnection connection = target.connection();
        HttpClient http = connection.newClient(Duration.ofSeconds(2));
        String lastRefusal = "no node to ask";
        for (InetSocketAddress node : target.nodes()) {
            HttpRequest request = connection.request(HostPort.format(node), "/backup").timeout(target.timeout())
                    .GET().build();
            try {
                HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = response.body()) {
                    if (response.statusCode() == 200) {
                        BackupFile.Header header = BackupFile.write(out, header(response, "X-Caucus-Node"),
                                Long.parseLong(header(response, "X-Caucus-Snapshot-Index")),
                                Long.parseLong(header(response, "X-Caucus-Snapshot-Term")), body);
                        spec.commandLine().getOut().printf("%s: backup of index %d (term %d) from %s, %d bytes, "
                                + "sha256 %s%n", out, header.index(), header.term(), header.node(), header.bytes(),
                                header.sha256());
                        spec.commandLine().getOut().flush();
                        return 0;
                    }
                    lastRefusal = refusal(node, response.statusCode(), body);
                }
            } catch (IOException e) {
                lastRefusal = HostPort.format(node) + ": " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("caucus: interrupted");
                return 1;
            }
        }
        err.println("caucus: no backup taken: " + lastRefusal);
        return 1;
    }

    private static String header(HttpResponse<?> response, String name) throws IOException {
        return response.headers().firstValue(name)
                .orElseThrow(() -> new IOException("the node's answer lacks the header " + name));
    }

    private static String refusal(InetSocketAddress node, int status, InputStream body) throws IOException {
        String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        try {
            Map<String, Object> error = AdminJson.parseObject(text);
            return error.get("error") + " (HTTP " + status + " from " + HostPort.format(node) + "): "
                    + error.get("message");
        } catch (IllegalArgumentException notJson) {
            return "HTTP " + status + " from " + HostPort.format(node);
        }
    }
}
