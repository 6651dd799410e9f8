package io.caucus.kv.cluster;

import io.caucus.core.NodeId;
import io.caucus.kv.config.ClusterConfig;
import io.caucus.kv.config.ConfigException;
import io.caucus.kv.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster file as the running server knows it: the addresses of the nodes it lists. The log's addresses come
 * first (every member's are replicated with the configuration: {@code CaucusNode.clientAddress}, {@code
 * adminAddress}); this is the second source, for a member whose addresses the log lacks (a founder of a cluster
 * started before the founders' addresses were recorded). When asked for a node the file did not list as read,
 * it reads the file again, at most once a second. Tunables are never reloaded; only addresses. Thread-safe.
 */
public final class ClusterDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterDirectory.class);
    private static final long RELOAD_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private volatile ClusterConfig config;
    private volatile long nextReloadNanos = System.nanoTime();
    /** The file's modification time when it was last read (empty if unknown). */
    private volatile Optional<FileTime> readModified;
    /** The last reason the file could not be read again, logged once. */
    private String lastRefusal;

    public ClusterDirectory(ClusterConfig config) {
        this.config = config;
        this.readModified = modifiedTime();
    }

    public ClusterConfig current() {
        return config;
    }

    /**
     * The nodes the file lists, read again if it changed since it was last read (at most once a second): a sharded
     * node learns of a node added to its file without a restart (docs/operations.md, "Growing a sharded cluster").
     */
    public List<ClusterConfig.Node> nodes() {
        if (changedOnDisk()) {
            reloadIfDue();
        }
        return config.nodes();
    }

    /** The node's addresses: from the file as read last, else as it reads now (if a second has passed). */
    public Optional<ClusterConfig.Node> node(NodeId id) {
        Optional<ClusterConfig.Node> known = find(config, id);
        if (known.isPresent()) {
            return known;
        }
        reloadIfDue();
        return find(config, id);
    }

    private synchronized void reloadIfDue() {
        long now = System.nanoTime();
        if (now - nextReloadNanos < 0 || !Files.isRegularFile(config.source())) {
            return;
        }
        nextReloadNanos = now + RELOAD_INTERVAL_NANOS;
        Optional<FileTime> modified = modifiedTime();
        try {
            config = ConfigLoader.load(config.source());
            readModified = modified;
            lastRefusal = null;
        } catch (ConfigException e) {
            if (!e.getMessage().equals(lastRefusal)) { // once per fault, not once a second
                LOG.warn("cannot re-read the cluster file for a new node's address: {}", e.getMessage());
                lastRefusal = e.getMessage();
            }
        }
    }

    /** Whether the file's modification time is not the one it had when last read. */
    private boolean changedOnDisk() {
        return !modifiedTime().equals(readModified);
    }

    private Optional<FileTime> modifiedTime() {
        try {
            return Optional.of(Files.getLastModifiedTime(config.source()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<ClusterConfig.Node> find(ClusterConfig config, NodeId id) {
        return config.nodes().stream().filter(node -> node.id().equals(id)).findFirst();
    }
}
