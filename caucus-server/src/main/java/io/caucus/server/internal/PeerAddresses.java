package io.caucus.server.internal;

import io.caucus.core.MemberAddresses;
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
        byKind.put(MemberAddresses.RAFT, format(addresses.raft()));
        addresses.clientAddress().ifPresent(client -> byKind.put(MemberAddresses.CLIENT, format(client)));
        addresses.adminAddress().ifPresent(admin -> byKind.put(MemberAddresses.ADMIN, format(admin)));
        return new MemberAddresses(byKind);
    }

    static String format(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * The unresolved address {@code text} names.
     *
     * @throws IllegalArgumentException if {@code text} is not {@code host:port} with a port of 1-65535
     */
    static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number in '" + text + "'");
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("expected host:port with a port of 1-65535, got '" + text + "'");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** True if both name the same host (as written) and port, resolved or not. */
    static boolean same(InetSocketAddress a, InetSocketAddress b) {
        return a.getPort() == b.getPort() && a.getHostString().equals(b.getHostString());
    }
}
