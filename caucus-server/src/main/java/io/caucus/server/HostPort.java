package io.caucus.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Addresses written as {@code host:port}, the one form the cluster file, the admin API, the command line and the
 * configuration entries in the log use:
 * a name ({@code localhost:7000}), an IPv4 literal ({@code 127.0.0.1:7000}) or an IPv6 literal in brackets
 * ({@code [::1]:7000}). {@link #format} writes what {@link #parse} reads.
 */
public final class HostPort {

    private HostPort() {
    }

    /**
     * Parses {@code host:port}, resolving a name locally (/etc/hosts, DNS).
     *
     * @throws IllegalArgumentException naming what is wrong: no port, a port that is not 1-65535, an IPv6 address
     *                                  without brackets, or a host that does not resolve
     */
    public static InetSocketAddress parse(String text) {
        InetSocketAddress address = parseAcceptingLateNames(text);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unknown host '" + address.getHostString() + "'");
        }
        return address;
    }

    /**
     * Like {@link #parse}, but a name that does not resolve yet is kept as an unresolved address instead of
     * refused: a peer's DNS record may appear after this node starts (Kubernetes publishes a pod's name once
     * it has an address), and the transport looks the name up again before every dial.
     */
    public static InetSocketAddress parseAcceptingLateNames(String text) {
        InetSocketAddress named = parseUnresolved(text);
        try {
            return new InetSocketAddress(InetAddress.getByName(named.getHostString()), named.getPort());
        } catch (UnknownHostException e) {
            return named;
        }
    }

    /**
     * Reads {@code host:port} without looking the host up: the form a configuration entry in the log carries, which
     * each member resolves when it dials.
     *
     * @throws IllegalArgumentException naming what is wrong: no port, a port that is not 1-65535, or an IPv6 address
     *                                  without brackets
     */
    public static InetSocketAddress parseUnresolved(String text) {
        String trimmed = text.trim();
        String host;
        String port;
        if (trimmed.startsWith("[")) {
            int close = trimmed.indexOf(']');
            if (close < 2 || close + 1 >= trimmed.length() || trimmed.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expected host:port (an IPv6 address as [::1]:7000), got '"
                        + trimmed + "'");
            }
            host = trimmed.substring(1, close);
            port = trimmed.substring(close + 2);
        } else {
            int colon = trimmed.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected host:port, got '" + trimmed + "'");
            }
            host = trimmed.substring(0, colon);
            port = trimmed.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("expected host:port with an IPv6 address in brackets "
                        + "(like [::1]:7000), got '" + trimmed + "'");
            }
        }
        if (port.isEmpty()) {
            throw new IllegalArgumentException("expected host:port, got '" + trimmed + "'");
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number in '" + trimmed + "'");
        }
        if (number < 1 || number > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, got " + number);
        }
        return InetSocketAddress.createUnresolved(host, number);
    }

    /**
     * {@code host:port} for {@code address}: the name it was made with, else its literal address; an IPv6 literal
     * in brackets, so that the text parses back and fits in a URI ({@code http://[::1]:8080/status}).
     */
    public static String format(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
