package io.caucus.transport;

import static io.caucus.transport.TransportFixture.FAST;
import static io.caucus.transport.TransportFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.transport.TransportFixture.Node;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Peers given by host name, looked up through an injected resolver (no real DNS). */
class HostResolutionTest {

    /** A name table the test rewrites, as a DNS server's records change when a pod moves. */
    private static final class Names implements HostResolver {
        final Map<String, InetAddress> table = new ConcurrentHashMap<>();
        final AtomicInteger lookups = new AtomicInteger();

        @Override
        public InetAddress resolve(String host) throws UnknownHostException {
            lookups.incrementAndGet();
            InetAddress address = table.get(host);
            if (address == null) {
                throw new UnknownHostException(host + ": no such name (yet)");
            }
            return address;
        }
    }

    private final TransportFixture fixture = new TransportFixture();

    @AfterEach
    void closeAll() {
        fixture.close();
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal); // a literal: no lookup
    }

    @Test
    void aNameIsLookedUpAgainAfterEachFailedDialUntilItPointsWhereThePeerListens() throws Exception {
        Names names = new Names();
        Node b = fixture.start("b", FAST);
        Node a = fixture.start("a", FAST, 0, names);
        a.transport().addPeer(b.id(), InetSocketAddress.createUnresolved("b.pods", b.address().getPort()));
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));

        await("a tries to resolve the name that does not exist yet", () -> names.lookups.get() >= 2);
        names.table.put("b.pods", ip("127.0.0.2")); // where b was: nothing listens there now
        long attempts = a.transport().metrics().connectAttempts();
        await("a dials the stale address and fails", () -> a.transport().metrics().connectAttempts() > attempts + 1,
                a.transport()::metrics);
        assertThat(b.received()).isEmpty();

        names.table.put("b.pods", ip("127.0.0.1")); // b's new address
        await("a finds b at its new address", () -> b.received().size() == 1, a.transport()::metrics);
        assertThat(b.received()).containsExactly(Messages.heartbeat(a.id(), b.id(), 1));
    }

    @Test
    void anIpLiteralIsDialledWithoutTheResolver() {
        Names names = new Names();
        Node b = fixture.start("b", FAST);
        Node a = fixture.start("a", FAST, 0, names);
        a.transport().addPeer(b.id(), InetSocketAddress.createUnresolved("127.0.0.1", b.address().getPort()));
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));
        await("b receives", () -> b.received().size() == 1, a.transport()::metrics);
        assertThat(names.lookups.get()).isZero();
    }
}
