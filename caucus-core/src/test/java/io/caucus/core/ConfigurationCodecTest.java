package io.caucus.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The configuration's byte form: each version read back, older ones written byte for byte as before. */
class ConfigurationCodecTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");
    private static final NodeId N4 = NodeId.of("n4");
    private static final ClusterConfiguration PLAIN = new ClusterConfiguration(Set.of(N1, N2), Set.of(), Set.of(N4));

    /** As the build before address kinds wrote them (version 1, then version 2 with n1 and n4 addressed). */
    private static final String VERSION_1_BYTES = "01000200026e3100026e320000000100026e34";
    private static final String VERSION_2_BYTES = "02000200026e3100026e320000000100026e34000200026e31000a005b003a003a"
            + "0031005d003a003700300030003100026e34000700680034003a0037003000300034";

    private static byte[] hex(String text) {
        return HexFormat.of().parseHex(text);
    }

    private static ClusterConfiguration raftAddressed() {
        return PLAIN.withAddresses(N4, MemberAddresses.ofRaft("h4:7004"))
                .withAddresses(N1, MemberAddresses.ofRaft("[::1]:7001"));
    }

    private static MemberAddresses all(String raft, String client, String admin) {
        return new MemberAddresses(Map.of(MemberAddresses.RAFT, raft, MemberAddresses.CLIENT, client,
                MemberAddresses.ADMIN, admin));
    }

    @Test
    void configurationsWithoutAddressesOrWithRaftAddressesOnlyEncodeAsBefore() {
        assertThat(ConfigurationCodec.encode(PLAIN)).isEqualTo(hex(VERSION_1_BYTES));
        assertThat(ConfigurationCodec.encode(raftAddressed())).isEqualTo(hex(VERSION_2_BYTES));
        assertThat(ConfigurationCodec.decode(hex(VERSION_1_BYTES))).isEqualTo(PLAIN);
        assertThat(ConfigurationCodec.decode(hex(VERSION_2_BYTES))).isEqualTo(raftAddressed());
    }

    @Test
    void everyKindOfAddressRoundTripsInVersion3() {
        ClusterConfiguration configuration = raftAddressed()
                .withAddresses(N2, all("höst:7002", "höst:6379", "[::1]:8002"))
                .withAddresses(N4, new MemberAddresses(Map.of(MemberAddresses.CLIENT, "h4:6379")));
        byte[] encoded = ConfigurationCodec.encode(configuration);
        assertThat(encoded[0]).as("version byte").isEqualTo((byte) 3);
        ClusterConfiguration decoded = ConfigurationCodec.decode(encoded);
        assertThat(decoded).isEqualTo(configuration);
        assertThat(decoded.addresses().get(N2).address(MemberAddresses.ADMIN)).contains("[::1]:8002");
        assertThat(decoded.raftAddress(N4)).as("a member may lack its Raft address").isEmpty();
    }

    @Test
    void aKindThisBuildDoesNotKnowIsKeptAndWrittenBackUnchanged() {
        ClusterConfiguration written = PLAIN.withAddresses(N2, new MemberAddresses(Map.of(MemberAddresses.RAFT,
                "h2:7002", "grpc-v9", "h2:9000")));
        byte[] encoded = ConfigurationCodec.encode(written);
        ClusterConfiguration read = ConfigurationCodec.decode(encoded);
        assertThat(read.addresses().get(N2).address("grpc-v9")).contains("h2:9000");

        // Carried through a change about another member, as a leader of this build would.
        ClusterConfiguration next = new ConfigurationChange.AddLearner(NodeId.of("n5"),
                MemberAddresses.ofRaft("h5:7005")).applyTo(read);
        assertThat(next.addresses().get(N2)).isEqualTo(written.addresses().get(N2));
        assertThat(ConfigurationCodec.encode(read)).isEqualTo(encoded);
    }

    @Test
    void aLaterVersionIsRefusedByName() {
        byte[] future = ConfigurationCodec.encode(PLAIN);
        future[0] = 4;
        assertThatThrownBy(() -> ConfigurationCodec.decode(future))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown configuration encoding version 4");
    }

    @Test
    void anAddressLengthTheBytesDoNotHoldIsRefusedBeforeAllocatingForIt() {
        byte[] encoded = ConfigurationCodec.encode(PLAIN.withAddresses(N2, all("a:1", "b:2", "c:3")));
        int text = indexOf(encoded, new byte[] {0, 3, 0, 'a', 0, ':', 0, '1'});
        encoded[text] = (byte) 0xFF; // claims 65,535 characters: 128 KiB
        encoded[text + 1] = (byte) 0xFF;
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assertThatThrownBy(() -> ConfigurationCodec.decode(encoded))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        long before = threads.getCurrentThreadAllocatedBytes(); // measured again, once the classes are loaded
        try {
            ConfigurationCodec.decode(encoded);
        } catch (IllegalArgumentException expected) {
            assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(64 << 10);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void damagedAddressRecordsAreRefused() {
        byte[] encoded = ConfigurationCodec.encode(PLAIN.withAddresses(N2, all("a:1", "b:2", "c:3")));
        assertThatThrownBy(() -> ConfigurationCodec.decode(java.util.Arrays.copyOf(encoded, encoded.length - 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        ClusterConfiguration nonMember = new ClusterConfiguration(Set.of(N1), Set.of(), Set.of(),
                Map.of(N2, MemberAddresses.ofRaft("x:1")));
        assertThat(nonMember.addresses()).as("only members have addresses").isEmpty();
        assertThatThrownBy(() -> new MemberAddresses(Map.of("Raft", "x:1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a-z");
        assertThatThrownBy(() -> new MemberAddresses(Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
