package io.caucus.server.internal;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.NodeId;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the transport's peers equal to the members of the configuration in force plus the leader this node
 * knows (minus this node): a peer is dialled when a configuration entry naming it is appended and dropped when
 * one without it is (entries take effect when appended, Raft paper §6). The leader is kept even when it is
 * not a member: a leader removing itself manages the cluster until C_new is committed (§6), so its followers
 * must still answer it. A node the core answers although neither is linked too, while the configuration and leader
 * followed stay the same ({@link #reach}). A member whose address cannot be resolved yet is retried at
 * most once a second, so an unreadable address source costs nothing per turn. Node thread only.
 */
final class TransportPeers {

    /** What the runtime needs of a transport; PeerTransport in production. */
    interface Links {
        void addPeer(NodeId peer, InetSocketAddress address);

        void removePeer(NodeId peer);

        Set<NodeId> peers();
    }

    private static final Logger LOG = LoggerFactory.getLogger(TransportPeers.class);
    private static final long RESOLVE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final NodeId self;
    private final PeerDirectory directory;
    private final Links links;
    private ClusterConfiguration followed;
    private NodeId followedLeader;
    private final Set<NodeId> unresolved = new TreeSet<>();
    private final Map<NodeId, InetSocketAddress> dialled = new HashMap<>();
    private long nextResolveNanos;
    /** Nodes answered outside the configuration whose address is unknown here, with when to look again. */
    private final Map<NodeId, Long> unreachableAnswered = new HashMap<>();

    /** {@code links} already dials its peers at the addresses {@code directory} holds for them now. */
    TransportPeers(NodeId self, PeerDirectory directory, Links links) {
        this.self = self;
        this.directory = directory;
        this.links = links;
        // The start-up peers: remembered, so that a configuration moving one of them is seen as a move.
        for (NodeId peer : links.peers()) {
            directory.knownAddress(peer).ifPresent(address -> dialled.put(peer, address));
        }
    }

    /** Brings the peers in line with {@code configuration} and {@code leader}; cheap when neither changed. */
    void follow(ClusterConfiguration configuration, NodeId leader, long nowNanos) {
        if (configuration.equals(followed) && java.util.Objects.equals(leader, followedLeader)) {
            if (!unresolved.isEmpty() && nowNanos - nextResolveNanos >= 0) {
                connect(new TreeSet<>(unresolved), nowNanos);
            }
            return;
        }
        followed = configuration;
        followedLeader = leader;
        Set<NodeId> wanted = new TreeSet<>(configuration.members());
        if (leader != null) {
            wanted.add(leader);
        }
        wanted.remove(self);
        for (NodeId peer : new HashSet<>(links.peers())) {
            if (!wanted.contains(peer)) {
                links.removePeer(peer);
                LOG.atInfo().addKeyValue("node", self)
                        .log("stopped talking to {}: not a member of {}", peer, configuration);
            }
        }
        unresolved.retainAll(wanted);
        unreachableAnswered.clear();
        dialled.keySet().retainAll(links.peers());
        Set<NodeId> added = new TreeSet<>(wanted);
        added.removeAll(links.peers());
        added.addAll(moved(wanted));
        connect(added, nowNanos);
    }

    /**
     * Links {@code recipient} if it is not linked yet, so that a message to it is not dropped. The core addresses
     * nodes outside the configuration in force here only to answer them: above all a candidate whose
     * configuration names this node while this node has not caught up with that configuration. Servers answer
     * requests without consulting their own configuration (thesis §4.1): without the answer such a candidate can
     * miss the vote it needs, and a cluster whose only up-to-date candidate is that one elects no leader. The
     * link lasts until the configuration or leader followed next changes ({@link #follow} drops it then).
     */
    void reach(NodeId recipient, long nowNanos) {
        if (recipient.equals(self) || dialled.containsKey(recipient) || unresolved.contains(recipient)) {
            return;
        }
        Long retryAt = unreachableAnswered.get(recipient);
        if (retryAt != null && nowNanos - retryAt < 0 || links.peers().contains(recipient)) {
            return;
        }
        Optional<InetSocketAddress> address = directory.address(recipient);
        if (address.isPresent()) {
            links.addPeer(recipient, address.get());
            dialled.put(recipient, address.get());
            unreachableAnswered.remove(recipient);
            LOG.atInfo().addKeyValue("node", self).log("talking to {} at {} to answer it (it is not a member of the "
                    + "configuration here, {})", recipient, address.get(), followed);
        } else {
            if (retryAt == null) {
                LOG.atWarn().addKeyValue("node", self).log("cannot answer {}: it is not a member of the configuration "
                        + "here and its Raft address is unknown (add it to this node's address list)", recipient);
            }
            unreachableAnswered.put(recipient, nowNanos + RESOLVE_RETRY_NANOS);
        }
    }

    /** Linked peers whose address in the directory is no longer the one dialled (the log gave another). */
    private Set<NodeId> moved(Set<NodeId> wanted) {
        Set<NodeId> moved = new TreeSet<>();
        for (NodeId peer : wanted) {
            InetSocketAddress used = dialled.get(peer);
            Optional<InetSocketAddress> now = directory.knownAddress(peer);
            if (used != null && now.isPresent() && !PeerAddresses.same(used, now.get())) {
                moved.add(peer);
            }
        }
        return moved;
    }

    private void connect(Set<NodeId> peers, long nowNanos) {
        for (NodeId peer : peers) {
            Optional<InetSocketAddress> address = directory.address(peer);
            if (address.isPresent()) {
                links.addPeer(peer, address.get());
                dialled.put(peer, address.get());
                unresolved.remove(peer);
                LOG.atInfo().addKeyValue("node", self).log("talking to {} at {}", peer, address.get());
            } else if (unresolved.add(peer)) {
                LOG.atWarn().addKeyValue("node", self)
                        .log("the configuration names {} but its Raft address is unknown here (the log gives none: "
                                + "it was added without one), so this node cannot reach it; add it to this node's "
                                + "address list (caucus-kv: the cluster file)", peer);
            }
        }
        nextResolveNanos = nowNanos + RESOLVE_RETRY_NANOS;
    }

    /** Members this node cannot reach for want of an address (for status and tests). */
    Set<NodeId> unresolved() {
        return Set.copyOf(unresolved);
    }
}
