package io.caucus.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.transport.tls.TlsFiles.ClientAuthMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation: changed files are read for the next connection; files that fail the checks leave the current ones. */
class TlsSourceTest {

    private static final Instant FROM = Instant.now().minus(Duration.ofHours(1));
    private static final Instant TO = Instant.now().plus(Duration.ofDays(30));

    @TempDir
    Path dir;

    private final CertificateAuthority ca = CertificateAuthority.create("test CA", FROM, TO);

    private TlsFiles files() {
        return new TlsFiles(dir.resolve("ca.pem"), dir.resolve("n1.pem"), dir.resolve("n1.key"),
                ClientAuthMode.REQUIRE);
    }

    private CertificateAuthority.Issued issue(String name) {
        return ca.issue(name, List.of("n1"), List.of("127.0.0.1"), FROM, TO);
    }

    private static String subject(TlsSource source) {
        return source.material().chain().getFirst().getSubjectX500Principal().getName();
    }

    @Test
    void changedFilesAreReadForTheNextConnectionAndBadOnesAreNotUsed() {
        ca.writeCertificate(files().ca());
        issue("first").write(files().cert(), files().key());
        TlsSource source = TlsSource.load("n1 test port", files());
        assertThat(subject(source)).isEqualTo("CN=first");
        assertThat(source.serverContext()).isSameAs(source.serverContext()); // unchanged files: no re-read

        issue("second").write(files().cert(), files().key());
        assertThat(subject(source)).isEqualTo("CN=second");
        assertThat(source.reloads()).isEqualTo(1);

        // A certificate written before its key: refused, so the previous pair stays in use, counted once.
        CertificateAuthority.Issued third = issue("third");
        CertificateAuthority.writePem(files().cert(), third.certificate());
        assertThat(subject(source)).isEqualTo("CN=second");
        assertThat(subject(source)).isEqualTo("CN=second");
        assertThat(source.reloadFailures()).isEqualTo(1);

        third.write(files().cert(), files().key());
        assertThat(subject(source)).isEqualTo("CN=third");
        assertThat(source.reloads()).isEqualTo(2);
    }

    @Test
    void unusableFilesAtTheStartAreRefused() {
        ca.writeCertificate(files().ca());
        assertThatThrownBy(() -> TlsSource.load("n1 test port", files())).isInstanceOf(TlsException.class)
                .hasMessage("TLS cert file " + files().cert() + ": no such file");
    }
}
