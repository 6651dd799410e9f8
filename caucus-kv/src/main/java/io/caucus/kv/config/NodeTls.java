package io.caucus.kv.config;

import io.caucus.core.NodeId;
import io.caucus.transport.tls.TlsContexts;
import io.caucus.transport.tls.TlsException;
import io.caucus.transport.tls.TlsSource;
import java.util.Optional;

/**
 * One node's TLS material for each port kind the cluster file secures, read and checked when the node starts so
 * that a missing, expired, mismatched or unreadable file stops it with the file and the reason; null for a
 * plaintext port kind.
 */
public record NodeTls(TlsSource peer, TlsSource client, TlsSource admin) {

    public static final NodeTls NONE = new NodeTls(null, null, null);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeTls.class);

    /** Reads node {@code id}'s files of {@code config}; refuses with a {@link ConfigException} naming the file. */
    public static NodeTls load(ClusterConfig config, NodeId id) {
        TlsConfig tls = config.tls();
        NodeTls loaded = new NodeTls(source(config, id, "peer", tls.peerPort()),
                source(config, id, "client", tls.clientPort()), source(config, id, "admin", tls.adminPort()));
        if (loaded.any()) {
            LOG.atInfo().addKeyValue("node", id).log("TLS on the {} port(s) with {}", loaded.describePorts(),
                    TlsContexts.describeProvider());
        }
        return loaded;
    }

    private static TlsSource source(ClusterConfig config, NodeId id, String kind,
                                    Optional<TlsConfig.Port> port) {
        if (port.isEmpty()) {
            return null;
        }
        try {
            return TlsSource.load(id + " " + kind + " port", port.get().files(id));
        } catch (TlsException e) {
            throw new ConfigException(config.source() + ": tls." + kind + " of node " + id + ": " + e.getMessage());
        }
    }

    public boolean any() {
        return peer != null || client != null || admin != null;
    }

    private String describePorts() {
        StringBuilder ports = new StringBuilder();
        if (peer != null) {
            ports.append("raft (mutual)");
        }
        if (client != null) {
            ports.append(ports.isEmpty() ? "" : ", ").append("redis (client certificates: ")
                    .append(client.files().clientAuth().configName()).append(')');
        }
        if (admin != null) {
            ports.append(ports.isEmpty() ? "" : ", ").append("http (client certificates: ")
                    .append(admin.files().clientAuth().configName()).append(')');
        }
        return ports.toString();
    }
}
