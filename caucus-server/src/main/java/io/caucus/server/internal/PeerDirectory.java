package io.caucus.server.internal;

import io.caucus.core.MemberAddresses;
import io.caucus.core.NodeId;
import io.caucus.server.HostPort;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each node is reached: its Raft address, where this node's Raft traffic goes, and its client and admin
 * addresses, which redirects and operators' tools hand out. Raft paper §6 leaves addresses to the
 * implementation; here the bootstrap configuration, {@code addLearner} and {@code changeAddresses} write a
 * member's addresses into the configuration, so every member learns them from the log ({@link #learn}), and the
 * log's address wins over any other. A member the log gives no Raft address for (a founder of a data directory
 * recorded before addresses were) is found among the addresses this node was started with, then through the
 * embedder's resolver (caucus-kv re-reads its cluster file); a client address, among the start-up ones.
 * Thread-safe: the node thread learns, any thread asks.
 */
public final class PeerDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(PeerDirectory.class);

    /** A resolver that knows nothing beyond the start-up addresses. */
    public static final Function<NodeId, Optional<InetSocketAddress>> NO_RESOLVER = id -> Optional.empty();

    private final Map<NodeId, InetSocketAddress> known = new ConcurrentHashMap<>();
    private final Function<NodeId, Optional<InetSocketAddress>> resolver;
    private final Map<NodeId, InetSocketAddress> startClientAddresses;
    /** Client and admin addresses as the configuration in force gives them; replaced whole at each change. */
    private volatile Map<NodeId, InetSocketAddress> loggedClientAddresses = Map.of();
    private volatile Map<NodeId, InetSocketAddress> loggedAdminAddresses = Map.of();

    public PeerDirectory(Map<NodeId, InetSocketAddress> startAddresses,
                         Function<NodeId, Optional<InetSocketAddress>> resolver) {
        this(startAddresses, Map.of(), resolver);
    }

    public PeerDirectory(Map<NodeId, InetSocketAddress> startAddresses,
                         Map<NodeId, InetSocketAddress> startClientAddresses,
                         Function<NodeId, Optional<InetSocketAddress>> resolver) {
        known.putAll(startAddresses);
        this.startClientAddresses = Map.copyOf(startClientAddresses);
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** Where clients reach {@code node}: the log's address, else the one this node was started with. */
    public Optional<InetSocketAddress> clientAddress(NodeId node) {
        InetSocketAddress logged = loggedClientAddresses.get(node);
        return Optional.ofNullable(logged != null ? logged : startClientAddresses.get(node));
    }

    /** Where operators reach {@code node} (its admin port), as the log gives it. */
    public Optional<InetSocketAddress> adminAddress(NodeId node) {
        return Optional.ofNullable(loggedAdminAddresses.get(node));
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
     * Takes the addresses the configuration in force carries; an address that cannot be read is skipped with a
     * warning, and the node is found as if the log gave none.
     */
    public void learn(Map<NodeId, MemberAddresses> addresses) {
        Map<NodeId, InetSocketAddress> clients = new HashMap<>();
        Map<NodeId, InetSocketAddress> admins = new HashMap<>();
        addresses.forEach((node, kinds) -> {
            kinds.raft().flatMap(text -> readable(node, MemberAddresses.RAFT, text)).ifPresent(address -> {
                InetSocketAddress before = known.get(node);
                if (before == null || !PeerAddresses.same(before, address)) {
                    known.put(node, address);
                    LOG.info("{} is at {}, as the configuration in the log says", node, HostPort.format(address));
                }
            });
            kinds.address(MemberAddresses.CLIENT).flatMap(text -> readable(node, MemberAddresses.CLIENT, text))
                    .ifPresent(address -> clients.put(node, address));
            kinds.address(MemberAddresses.ADMIN).flatMap(text -> readable(node, MemberAddresses.ADMIN, text))
                    .ifPresent(address -> admins.put(node, address));
        });
        loggedClientAddresses = Map.copyOf(clients);
        loggedAdminAddresses = Map.copyOf(admins);
    }

    private static Optional<InetSocketAddress> readable(NodeId node, String kind, String text) {
        try {
            return Optional.of(HostPort.parseUnresolved(text));
        } catch (IllegalArgumentException e) {
            LOG.warn("ignoring the {} address the log gives for {}: {}", kind, node, e.getMessage());
            return Optional.empty();
        }
    }

    /** Records (or moves) a node's address, as given by the operator with a change. */
    public void remember(NodeId node, InetSocketAddress address) {
        known.put(node, Objects.requireNonNull(address, "address of " + node));
    }
}
