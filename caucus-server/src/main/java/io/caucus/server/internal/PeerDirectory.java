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
 * Where each node's Raft traffic goes. A configuration entry holds only node ids (Raft paper §6 leaves
 * addresses to the implementation), so every node resolves a member's address here: first the addresses it
 * was started with or was told of ({@code addLearner(id, address)} on the node that proposes the change),
 * then the embedder's resolver (caucus-kv re-reads its cluster file). Thread-safe.
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

    /** Records (or moves) a node's address, as given by the operator with a change. */
    public void remember(NodeId node, InetSocketAddress address) {
        known.put(node, Objects.requireNonNull(address, "address of " + node));
    }
}
