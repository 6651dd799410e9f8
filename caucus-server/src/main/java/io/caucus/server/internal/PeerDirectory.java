package io.caucus.server.internal;

import io.caucus.core.NodeId;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each node's Raft traffic goes. Raft paper §6 leaves addresses to the implementation; here a member
 * added with {@code addLearner(id, address)} has its address written into the configuration entry, so every
 * member learns it from the log ({@link #learn}), and the log's address wins over any other. A member the
 * log gives no address for (the founders, named in every node's start-up list) is found among the
 * addresses this node was started with, then through the embedder's resolver (caucus-kv re-reads its
 * cluster file). Thread-safe.
 */
public final class PeerDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(PeerDirectory.class);

    /** A resolver that knows nothing beyond the start-up addresses. */
    public static final Function<NodeId, Optional<InetSocketAddress>> NO_RESOLVER = id -> Optional.empty();

    private final Map<NodeId, InetSocketAddress> known = new ConcurrentHashMap<>();
    private final Function<NodeId, Optional<InetSocketAddress>> resolver;

    public PeerDirectory(Map<NodeId, InetSocketAddress> startAddresses,
                         Function<NodeId, Optional<InetSocketAddress>> resolver) {
        known.putAll(startAddresses);
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** The address of {@code node}: a known one, else whatever the resolver finds now (then remembered). */
    public Optional<InetSocketAddress> address(NodeId node) {
        InetSocketAddress address = known.get(node);
        if (address != null) {
            return Optional.of(address);
        }
        Optional<InetSocketAddress> resolved;
        try {
            resolved = resolver.apply(node);
        } catch (RuntimeException e) {
            // An unreadable address source must not stop the node: the caller retries later.
            LOG.warn("cannot resolve the address of {}: {}", node, e.toString());
            return Optional.empty();
        }
        resolved.ifPresent(found -> known.putIfAbsent(node, found));
        return resolved;
    }

    /** The address only if already known, without asking the resolver. */
    public Optional<InetSocketAddress> knownAddress(NodeId node) {
        return Optional.ofNullable(known.get(node));
    }

    /**
     * Takes the addresses a configuration entry carries (member id to {@code host:port}); an address that
     * cannot be read is skipped with a warning, and the node is found as if the log gave none.
     */
    public void learn(Map<NodeId, String> addresses) {
        addresses.forEach((node, text) -> {
            InetSocketAddress address;
            try {
                address = PeerAddresses.parse(text);
            } catch (IllegalArgumentException e) {
                LOG.warn("ignoring the address the log gives for {}: {}", node, e.getMessage());
                return;
            }
            InetSocketAddress before = known.get(node);
            if (before == null || !PeerAddresses.same(before, address)) {
                known.put(node, address);
                LOG.info("{} is at {}, as the configuration in the log says", node, text);
            }
        });
    }

    /** Records (or moves) a node's address, as given by the operator with a change. */
    public void remember(NodeId node, InetSocketAddress address) {
        known.put(node, Objects.requireNonNull(address, "address of " + node));
    }
}
