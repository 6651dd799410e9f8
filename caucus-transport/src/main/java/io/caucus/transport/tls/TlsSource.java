package io.caucus.transport.tls;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One port's TLS contexts, re-read when its files change so certificates rotate without a restart. Each new
 * connection asks for the current context; when the files' modification times or sizes differ from those last
 * read, they are read and checked again first. Connections already open keep the context they were made with.
 * Material that fails the checks (say, a certificate written before its key) is not used: the previous contexts
 * stay, the failure is logged once per change of the files, and the next change is tried again.
 *
 * <p>Thread-safe without locks: two connections arriving during a change may both read the files, and either
 * result is kept.
 */
public final class TlsSource {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TlsSource.class);

    private final String name;
    private final TlsFiles files;
    private final AtomicReference<Loaded> current;
    /** The stamp whose material was refused, so a bad change is logged once and not re-read on every connection. */
    private final AtomicReference<List<Stamp>> refused = new AtomicReference<>(List.of());
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();

    /** A file as last seen; a file that cannot be looked at has no time and size -1. */
    private record Stamp(Path file, FileTime modified, long size) {
    }

    private record Loaded(List<Stamp> stamps, TlsMaterial material, SslContext server, SslContext client,
                          javax.net.ssl.SSLContext jdk) {
    }

    private TlsSource(String name, TlsFiles files, Loaded first) {
        this.name = name;
        this.files = files;
        this.current = new AtomicReference<>(first);
    }

    /**
     * Reads and checks {@code files} now.
     *
     * @param name what the port is, for log lines (e.g. "n1 client port")
     * @throws TlsException naming the file and the reason when the material cannot be used
     */
    public static TlsSource load(String name, TlsFiles files) {
        Objects.requireNonNull(files, "files");
        return new TlsSource(name, files, read(files, stamps(files)));
    }

    public TlsFiles files() {
        return files;
    }

    /** The context for a connection this port accepts, re-read first if the files changed. */
    public SslContext serverContext() {
        return fresh().server();
    }

    /** The context for a connection this node dials with the same material, re-read first if the files changed. */
    public SslContext clientContext() {
        return fresh().client();
    }

    /** The same material as a JDK context (both sides), re-read first if the files changed. */
    public javax.net.ssl.SSLContext jdkContext() {
        return fresh().jdk();
    }

    /** The certificates in use now (this node's first). */
    public TlsMaterial material() {
        return fresh().material();
    }

    /** Successful re-reads after the first. */
    public long reloads() {
        return reloads.get();
    }

    /** Changes of the files whose material was refused. */
    public long reloadFailures() {
        return reloadFailures.get();
    }

    private Loaded fresh() {
        Loaded loaded = current.get();
        List<Stamp> stamps = stamps(files);
        if (stamps.equals(loaded.stamps()) || stamps.equals(refused.get())) {
            return loaded;
        }
        try {
            Loaded next = read(files, stamps);
            current.compareAndSet(loaded, next);
            reloads.incrementAndGet();
            LOG.info("{}: TLS files changed; new connections use certificate '{}' (valid until {})", name, TlsMaterial.subject(next.material().chain().getFirst()),
                    next.material().chain().getFirst().getNotAfter().toInstant());
            return current.get();
        } catch (TlsException e) {
            if (!stamps.equals(refused.getAndSet(stamps))) {
                reloadFailures.incrementAndGet();
                LOG.warn("{}: TLS files changed but cannot be used, keeping the previous certificate: {}", name,
                        e.getMessage());
            }
            return loaded;
        }
    }

    private static Loaded read(TlsFiles files, List<Stamp> stamps) {
        TlsMaterial material = TlsMaterial.load(files, Instant.now());
        return new Loaded(stamps, material, TlsContexts.server(material, files.clientAuth()),
                TlsContexts.client(material), TlsContexts.jdk(material));
    }

    private static List<Stamp> stamps(TlsFiles files) {
        List<Stamp> stamps = new ArrayList<>(3);
        for (Path file : new Path[] {files.ca(), files.cert(), files.key()}) {
            if (file == null) {
                continue;
            }
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamps.add(new Stamp(file, attributes.lastModifiedTime(), attributes.size()));
            } catch (IOException e) {
                stamps.add(new Stamp(file, null, -1)); // reading it then says why, naming the file
            }
        }
        return List.copyOf(stamps);
    }
}
