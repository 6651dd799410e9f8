package io.caucus.server.internal;

import io.caucus.core.MemberAddresses;
import io.caucus.server.HostPort;
import io.caucus.server.NodeAddresses;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text form of an address as a configuration entry carries it: {@code host:port}, an IPv6 literal in
 * brackets. The host is kept as given (a name stays a name), so each member resolves it when it dials.
 */
public final class PeerAddresses {

    private PeerAddresses() {
    }

    /** The addresses as a configuration entry carries them: each given kind as text. */
    public static MemberAddresses inLog(NodeAddresses addresses) {
        Map<String, String> byKind = new TreeMap<>();
        byKind.put(MemberAddresses.RAFT, HostPort.format(addresses.raft()));
        addresses.clientAddress().ifPresent(client -> byKind.put(MemberAddresses.CLIENT, HostPort.format(client)));
        addresses.adminAddress().ifPresent(admin -> byKind.put(MemberAddresses.ADMIN, HostPort.format(admin)));
        return new MemberAddresses(byKind);
    }

    /** True if both name the same host (as written) and port, resolved or not. */
    static boolean same(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() == b.getPort() && a.getHostString().equals(b.getHostString());
    }
}
