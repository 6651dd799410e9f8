package io.caucus.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.MemberAddresses;
import io.caucus.core.NodeId;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TransportPeersTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N3 = NodeId.of("n3");
    private static final NodeId N4 = NodeId.of("n4");

    /** The transport's peer table, without sockets. */
    private static final class FakeLinks implements TransportPeers.Links {
        final Map<NodeId, InetSocketAddress> peers = new TreeMap<>();

        @Override
        public void addPeer(NodeId peer, InetSocketAddress address) {
            peers.put(peer, address);
        }

        @Override
        public void removePeer(NodeId peer) {
            peers.remove(peer);
        }

        @Override
        public Set<NodeId> peers() {
            return Set.copyOf(peers.keySet());
        }
    }

    private static InetSocketAddress address(int port) {
        return InetSocketAddress.createUnresolved("node", port);
    }

    @Test
    void peersFollowTheConfigurationButKeepTheLeaderUntilItIsReplaced() {
        FakeLinks links = new FakeLinks();
        PeerDirectory directory = new PeerDirectory(Map.of(N1, address(1), N2, address(2), N3, address(3),
                N4, address(4)), PeerDirectory.NO_RESOLVER);
        TransportPeers peers = new TransportPeers(N1, directory, links);

        peers.follow(ClusterConfiguration.ofVoters("n1", "n2", "n3"), N2, 0);
        assertThat(links.peers()).containsExactlyInAnyOrder(N2, N3);

        // n4 added as a learner: dialled at once.
        peers.follow(new ClusterConfiguration(Set.of(N1, N2, N3), Set.of(), Set.of(N4)), N2, 0);
        assertThat(links.peers()).containsExactlyInAnyOrder(N2, N3, N4);

        // The leader n2 removed itself: still answered while it manages the change (Raft paper §6)...
        peers.follow(new ClusterConfiguration(Set.of(N1, N3), Set.of(), Set.of(N4)), N2, 0);
        assertThat(links.peers()).containsExactlyInAnyOrder(N2, N3, N4);
        // ...and dropped once another node leads.
        peers.follow(new ClusterConfiguration(Set.of(N1, N3), Set.of(), Set.of(N4)), N3, 0);
        assertThat(links.peers()).containsExactlyInAnyOrder(N3, N4);
    }

    @Test
    void aCandidateOutsideTheConfigurationHereIsLinkedToBeAnsweredUntilTheConfigurationChanges() {
        FakeLinks links = new FakeLinks();
        PeerDirectory directory = new PeerDirectory(Map.of(N2, address(2), N3, address(3), N4, address(4)),
                PeerDirectory.NO_RESOLVER);
        TransportPeers peers = new TransportPeers(N1, directory, links);
        ClusterConfiguration stale = ClusterConfiguration.ofVoters("n1", "n2", "n3");
        peers.follow(stale, null, 0);

        // n4 asks for a vote from a newer configuration that names n1 (thesis §4.1): the answer must get out.
        peers.reach(N4, 0);
        assertThat(links.peers()).containsExactlyInAnyOrder(N2, N3, N4);
        peers.follow(stale, null, 1);
        assertThat(links.peers()).as("kept while nothing followed changes").contains(N4);

        peers.reach(N1, 2);
        peers.reach(N2, 2);
        assertThat(links.peers()).as("itself and members are not linked twice").containsExactlyInAnyOrder(N2, N3, N4);

        peers.follow(stale, N2, 3);
        assertThat(links.peers()).as("dropped when the leader followed changes").containsExactlyInAnyOrder(N2, N3);
    }

    @Test
    void aNodeToAnswerWithoutAnAddressIsLookedUpAgainAtMostOnceASecond() {
        FakeLinks links = new FakeLinks();
        AtomicInteger lookups = new AtomicInteger();
        Map<NodeId, InetSocketAddress> published = new java.util.concurrent.ConcurrentHashMap<>();
        PeerDirectory directory = new PeerDirectory(Map.of(N2, address(2)), id -> {
            lookups.incrementAndGet();
            return Optional.ofNullable(published.get(id));
        });
        TransportPeers peers = new TransportPeers(N1, directory, links);
        peers.follow(ClusterConfiguration.ofVoters("n1", "n2"), null, 0);

        peers.reach(N4, 0);
        peers.reach(N4, TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(lookups.get()).isEqualTo(1);
        assertThat(links.peers()).containsExactly(N2);

        published.put(N4, address(4));
        peers.reach(N4, TimeUnit.MILLISECONDS.toNanos(1001));
        assertThat(lookups.get()).isEqualTo(2);
        assertThat(links.peers()).containsExactlyInAnyOrder(N2, N4);
    }

    @Test
    void aMemberWithoutAnAddressIsAskedForAgainAtMostOnceASecond() {
        FakeLinks links = new FakeLinks();
        AtomicInteger lookups = new AtomicInteger();
        Map<NodeId, InetSocketAddress> published = new java.util.concurrent.ConcurrentHashMap<>();
        PeerDirectory directory = new PeerDirectory(Map.of(N1, address(1), N2, address(2)), id -> {
            lookups.incrementAndGet();
            return Optional.ofNullable(published.get(id));
        });
        TransportPeers peers = new TransportPeers(N1, directory, links);
        ClusterConfiguration withN3 = ClusterConfiguration.ofVoters("n1", "n2", "n3");

        peers.follow(withN3, N1, 0);
        assertThat(links.peers()).containsExactly(N2);
        assertThat(peers.unresolved()).containsExactly(N3);
        peers.follow(withN3, N1, TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(lookups.get()).isEqualTo(1);

        published.put(N3, address(3));
        peers.follow(withN3, N1, TimeUnit.MILLISECONDS.toNanos(1001));
        assertThat(lookups.get()).isEqualTo(2);
        assertThat(links.peers()).containsExactlyInAnyOrder(N2, N3);
        assertThat(peers.unresolved()).isEmpty();
    }

    @Test
    void anAddressFromTheLogIsDialledAndWinsOverTheStartUpOne() {
        FakeLinks links = new FakeLinks();
        PeerDirectory directory = new PeerDirectory(Map.of(N2, address(2), N4, address(4)),
                PeerDirectory.NO_RESOLVER);
        TransportPeers peers = new TransportPeers(N1, directory, links);
        peers.follow(new ClusterConfiguration(Set.of(N1, N2), Set.of(), Set.of(N4)), N1, 0);
        assertThat(links.peers.get(N4)).isEqualTo(address(4));

        ClusterConfiguration moved = new ClusterConfiguration(Set.of(N1, N2), Set.of(), Set.of(N4, N3))
                .withAddresses(N4, MemberAddresses.ofRaft("elsewhere:44"))
                .withAddresses(N3, MemberAddresses.ofRaft("[::1]:33"));
        directory.learn(moved.addresses());
        peers.follow(moved, N1, 0);
        assertThat(links.peers.get(N4).getHostString()).isEqualTo("elsewhere");
        assertThat(links.peers.get(N4).getPort()).isEqualTo(44);
        assertThat(links.peers.get(N3).getHostString()).isEqualTo("::1");
        assertThat(peers.unresolved()).isEmpty();

        directory.learn(Map.of(N2, MemberAddresses.ofRaft("no port here")));
        assertThat(directory.knownAddress(N2)).as("an unreadable address is skipped").contains(address(2));
    }

    @Test
    void aPeerLinkedAtStartUpIsLinkedAgainWhenTheLogMovesIt() {
        FakeLinks links = new FakeLinks();
        links.addPeer(N2, address(2)); // as the transport opens with the start-up peers
        PeerDirectory directory = new PeerDirectory(Map.of(N1, address(1), N2, address(2)),
                PeerDirectory.NO_RESOLVER);
        TransportPeers peers = new TransportPeers(N1, directory, links);
        ClusterConfiguration start = ClusterConfiguration.ofVoters("n1", "n2");
        peers.follow(start, N1, 0);
        assertThat(links.peers.get(N2)).isEqualTo(address(2));

        ClusterConfiguration moved = start.withAddresses(N2, MemberAddresses.ofRaft("node:22"));
        directory.learn(moved.addresses());
        peers.follow(moved, N1, 0);
        assertThat(links.peers.get(N2).getPort()).isEqualTo(22);
    }
}
