package io.caucus.chaos;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The network between the nodes: one {@link FaultProxy} per directed link for Raft traffic, and one per
 * directed link for the client-port traffic a follower forwards to the leader ({@code CAUCUS.SUBMIT}), so a
 * partition stops forwarding too. Each node is given a configuration file in which every other node's raft
 * and client addresses are the proxies of its own outgoing links (see {@link ChaosCluster}).
 *
 * <p>Invariant: the raft proxy of a link is open iff the link is not cut; a forwarding proxy carries requests
 * and their replies on one connection, so it is open iff neither direction is cut.
 */
final class ProxyNetwork implements AutoCloseable {

    private final EventLoopGroup loop = new NioEventLoopGroup(1);
    private final Map<Link, FaultProxy> raft = new LinkedHashMap<>();
    private final Map<Link, FaultProxy> forwarding = new LinkedHashMap<>();
    private final Set<Link> cut = new HashSet<>();

    /** @param raftAddresses and {@code clientAddresses}: each node's real listening addresses, by id */
    ProxyNetwork(Map<String, InetSocketAddress> raftAddresses, Map<String, InetSocketAddress> clientAddresses) {
        for (String from : raftAddresses.keySet()) {
            for (String to : raftAddresses.keySet()) {
                if (!from.equals(to)) {
                    Link link = new Link(from, to);
                    raft.put(link, new FaultProxy("raft " + link, raftAddresses.get(to), loop));
                    forwarding.put(link, new FaultProxy("forward " + link, clientAddresses.get(to), loop));
                }
            }
        }
    }

    /** Where {@code from} dials {@code to}'s raft port. */
    InetSocketAddress raftAddress(String from, String to) {
        return raft.get(new Link(from, to)).address();
    }

    /** Where {@code from} dials {@code to}'s client port when forwarding. */
    InetSocketAddress forwardingAddress(String from, String to) {
        return forwarding.get(new Link(from, to)).address();
    }

    /** The node a forwarding proxy at {@code address} leads to, if one is there. */
    Optional<String> forwardingTarget(InetSocketAddress address) {
        return forwarding.entrySet().stream()
                .filter(entry -> ChaosCluster.sameEndpoint(entry.getValue().address(), address))
                .map(entry -> entry.getKey().to()).findFirst();
    }

    /** Cuts exactly {@code links} and heals every other link. */
    synchronized void cutExactly(Set<Link> links) {
        for (Link link : links) {
            if (!raft.containsKey(link)) {
                throw new IllegalArgumentException("no such link " + link + "; links are " + raft.keySet());
            }
        }
        cut.clear();
        cut.addAll(links);
        raft.forEach((link, proxy) -> proxy.setOpen(!cut.contains(link)));
        forwarding.forEach((link, proxy) -> proxy.setOpen(!cut.contains(link) && !cut.contains(link.reversed())));
    }

    synchronized void healAll() {
        cutExactly(Set.of());
    }

    synchronized Set<Link> cutLinks() {
        return Set.copyOf(cut);
    }

    List<Link> links() {
        return List.copyOf(raft.keySet());
    }

    @Override
    public void close() {
        raft.values().forEach(FaultProxy::close);
        forwarding.values().forEach(FaultProxy::close);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
