package io.caucus.transport;

import static io.caucus.transport.TransportFixture.FAST;
import static io.caucus.transport.TransportFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.MemberAddresses;
import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
import io.caucus.core.message.InstallSnapshot;
import io.caucus.transport.TransportFixture.Node;
import io.caucus.transport.proto.Wire;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Peers agree on the newest wire protocol version both speak, and refuse each other when they share none. */
class ProtocolVersionsTest {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final TransportFixture fixture = new TransportFixture();

    @AfterEach
    void closeAll() {
        fixture.close();
    }

    @Test
    void aNewerAndAnOlderNodeSpeakTheOldersNewestVersionBothWays() {
        Node older = fixture.start("older", FAST.withProtocolVersions(1, 1));
        Node newer = fixture.start("newer", FAST);
        TransportFixture.connectAll(older, newer);
        older.transport().send(Messages.heartbeat(older.id(), newer.id(), 1));
        newer.transport().send(Messages.heartbeat(newer.id(), older.id(), 1));
        await("both deliver", () -> older.received().size() == 1 && newer.received().size() == 1);
        assertThat(newer.transport().protocolVersion(older.id())).isEqualTo(OptionalInt.of(1));
        assertThat(older.transport().protocolVersion(newer.id())).isEqualTo(OptionalInt.of(1));
    }

    @Test
    void twoCurrentNodesSpeakTheNewestVersion() {
        Node a = fixture.start("a", FAST);
        Node b = fixture.start("b", FAST);
        TransportFixture.connectAll(a, b);
        a.transport().send(Messages.heartbeat(a.id(), b.id(), 1));
        await("b receives", () -> b.received().size() == 1);
        assertThat(a.transport().protocolVersion(b.id()))
                .isEqualTo(OptionalInt.of(WireProtocol.PROTOCOL_VERSION));
    }

    @Test
    void nodesWithoutACommonVersionRefuseEachOther() {
        Node old = fixture.start("old", FAST.withProtocolVersions(1, 1));
        Node next = fixture.start("next", FAST.withProtocolVersions(2, 2));
        old.transport().addPeer(next.id(), next.address());
        old.transport().send(Messages.heartbeat(old.id(), next.id(), 1));
        await("next refuses old", () -> next.transport().metrics().handshakesRefused() >= 1
                && old.transport().metrics().handshakesRefusedByPeer() >= 1, next.transport()::metrics);
        assertThat(next.received()).isEmpty();
        assertThat(old.transport().protocolVersion(next.id())).isEmpty();
    }

    @Test
    void aVersionOneOnlyDiallerWithoutTheNewFieldIsAcceptedAtVersionOne() throws Exception {
        Node b = fixture.start("b", FAST);
        try (RawPeer raw = new RawPeer(b.address(), READ_TIMEOUT_MILLIS)) {
            Wire.HelloReply reply = raw.handshake(RawPeer.hello(1, "caucus", "raw", "b"));
            assertThat(reply.getAccepted()).as(reply.getReason()).isTrue();
            assertThat(reply.getProtocolVersion()).isEqualTo(1);
        }
    }

    @Test
    void membersAddressesTravelOnlyFromVersionTwo() {
        NodeId n1 = NodeId.of("n1");
        ClusterConfiguration configuration = ClusterConfiguration.ofVoters("n1").withAddresses(n1,
                new MemberAddresses(java.util.Map.of(MemberAddresses.RAFT, "n1.pods:7000",
                        MemberAddresses.CLIENT, "n1.pods:6379")));
        InstallSnapshot message = new InstallSnapshot(n1, NodeId.of("n2"), 3,
                new SnapshotMetadata(10, 2, configuration));
        var version2 = WireCodec.toFrame(message, 2).getInstallSnapshot().getConfiguration();
        assertThat(version2.getAddressesMap()).as("the Raft address where builds before other kinds read it")
                .containsExactly(java.util.Map.entry("n1", "n1.pods:7000"));
        assertThat(version2.getOtherAddressesMap().get("n1").getByKindMap())
                .containsExactly(java.util.Map.entry(MemberAddresses.CLIENT, "n1.pods:6379"));
        var version1 = WireCodec.toFrame(message, 1).getInstallSnapshot().getConfiguration();
        assertThat(version1.getAddressesMap()).isEmpty();
        assertThat(version1.getOtherAddressesMap()).isEmpty();

        // As a build that predates other kinds sends it: the Raft address alone.
        var older = WireCodec.toFrame(message, 2).toBuilder();
        older.getInstallSnapshotBuilder().getConfigurationBuilder().clearOtherAddresses();
        InstallSnapshot read = (InstallSnapshot) WireCodec.fromFrame(older.build()).orElseThrow();
        assertThat(read.snapshot().configuration().addresses())
                .containsExactly(java.util.Map.entry(n1, MemberAddresses.ofRaft("n1.pods:7000")));
    }

    @Test
    void aRangeOutsideWhatTheBuildSpeaksIsRefused() {
        assertThatThrownBy(() -> FAST.withProtocolVersions(1, WireProtocol.PROTOCOL_VERSION + 1))
                .hasMessageContaining("not within what this build speaks");
        assertThatThrownBy(() -> FAST.withProtocolVersions(2, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
