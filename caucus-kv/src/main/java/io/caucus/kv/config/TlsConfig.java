package io.caucus.kv.config;

import io.caucus.core.NodeId;
import io.caucus.transport.tls.TlsFiles;
import io.caucus.transport.tls.TlsFiles.ClientAuthMode;
import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS of each kind of port, from the cluster file's {@code tls} section; a port kind without an entry is plaintext.
 * The same file serves every node, so a path may contain {@code {id}}, replaced by the node's id
 * ({@code certs/{id}.pem}); relative paths are resolved from the cluster file's directory.
 *
 * @param peer   the Raft port: mutual TLS (clientAuth is always require)
 * @param client the Redis port
 * @param admin  the admin HTTP port
 */
public record TlsConfig(Port peer, Port client, Port admin) {

    public static final TlsConfig NONE = new TlsConfig(null, null, null);

    /** One port kind's files, as written in the cluster file (before {@code {id}} is replaced). */
    public record Port(Path base, String ca, String cert, String key, ClientAuthMode clientAuth) {

        /** The files of node {@code id}. */
        public TlsFiles files(NodeId id) {
            return new TlsFiles(ca == null ? null : resolve(ca, id), resolve(cert, id), resolve(key, id), clientAuth);
        }

        private Path resolve(String template, NodeId id) {
            return base.resolve(template.replace("{id}", id.value()));
        }
    }

    public Optional<Port> peerPort() {
        return Optional.ofNullable(peer);
    }

    public Optional<Port> clientPort() {
        return Optional.ofNullable(client);
    }

    public Optional<Port> adminPort() {
        return Optional.ofNullable(admin);
    }
}
