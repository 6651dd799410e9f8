import io.caucus.kv.cli.DemoCertificates;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes the TLS=1 run's CA and node certificates, as {@code caucus demo --tls} does (its own code): run with the
 * java launcher's source mode and caucus-kv on the class path, {@code java -cp ... TlsCertificates.java DIR n1 n2 n3}.
 */
public final class TlsCertificates {

    private TlsCertificates() {
    }

    public static void main(String[] args) throws Exception {
        DemoCertificates.ensure(Path.of(args[0]), List.of(args).subList(1, args.length));
    }
}
