package io.caucus.transport;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a peer's host name into an IP address, before every dial of a peer given by name: a peer that comes
 * back under the same name with a new address (a Kubernetes pod rescheduled) is found again without a restart.
 * The JDK caches answers (the security property {@code networkaddress.cache.ttl}, 30 seconds by default).
 */
@FunctionalInterface
public interface HostResolver {

    /** The system's resolver: /etc/hosts, then DNS. */
    HostResolver SYSTEM = InetAddress::getByName;

    /** May block; never called on an event loop. */
    InetAddress resolve(String host) throws UnknownHostException;
}
