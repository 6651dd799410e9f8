package io.caucus.kv.cli;

import io.caucus.transport.tls.CertificateAuthority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The throwaway certificates of {@code caucus demo --tls}: a CA and one certificate per node naming its id,
 * {@code localhost} and 127.0.0.1 (so redis-cli, curl and the nodes themselves accept it), plus {@code client.pem}
 * for trying client certificates (the chaos tester's clients present it). Made with BouncyCastle in this process, no openssl needed; the CA's key is never
 * written, so nothing more can be signed with it. Kept across runs, like the demo's data.
 */
public final class DemoCertificates {

    public static final String DIRECTORY = "tls";
    /** The cluster file's tls section for certificates in {@link #DIRECTORY} beside it. */
    public static final String TLS_YAML = """
            tls:
              peer: {ca: tls/ca.pem, cert: "tls/{id}.pem", key: "tls/{id}.key"}
              client: {ca: tls/ca.pem, cert: "tls/{id}.pem", key: "tls/{id}.key", clientAuth: optional}
              admin: {ca: tls/ca.pem, cert: "tls/{id}.pem", key: "tls/{id}.key"}
            """;
    private static final Duration VALIDITY = Duration.ofDays(365);

    private DemoCertificates() {
    }

    /** Writes the CA and the certificates into {@code directory} unless its ca.pem is already there. */
    public static void ensure(Path directory, List<String> nodeIds) throws IOException {
        if (Files.exists(directory.resolve("ca.pem"))) {
            return;
        }
        Files.createDirectories(directory);
        Instant from = Instant.now().minus(Duration.ofHours(1));
        Instant to = from.plus(VALIDITY);
        CertificateAuthority ca = CertificateAuthority.create("Caucus demo CA", from, to);
        for (String name : concat(nodeIds, "client")) {
            ca.issue(name, List.of(name, "localhost"), List.of("127.0.0.1"), from, to)
                    .write(directory.resolve(name + ".pem"), directory.resolve(name + ".key"));
        }
        ca.writeCertificate(directory.resolve("ca.pem")); // last: its presence means the set is complete
    }

    private static List<String> concat(List<String> ids, String extra) {
        return java.util.stream.Stream.concat(ids.stream(), java.util.stream.Stream.of(extra)).toList();
    }
}
