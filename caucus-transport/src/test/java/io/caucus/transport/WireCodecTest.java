package io.caucus.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.caucus.core.LogEntry;
import io.caucus.core.NodeId;
import io.caucus.core.message.AppendEntries;
import io.caucus.core.message.Heartbeat;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.proto.Wire;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireCodecTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");

    static RaftMessage roundTrip(RaftMessage message) throws InvalidProtocolBufferException {
        byte[] bytes = WireCodec.toFrame(message).toByteArray();
        return WireCodec.fromFrame(Wire.Frame.parseFrom(bytes)).orElseThrow();
    }

    @Test
    void everyMessageTypeSurvivesARoundTripFieldByField() throws Exception {
        for (RaftMessage message : Messages.oneOfEach(N1, N2)) {
            RaftMessage decoded = roundTrip(message);
            assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
            assertThat(decoded).isEqualTo(message);
        }
    }

    @Test
    void emptyPayloadAndEmptyEntryListRoundTrip() throws Exception {
        AppendEntries probe = new AppendEntries(N1, N2, 3, 10, 2, List.of(), 9);
        AppendEntries emptyPayload = new AppendEntries(N1, N2, 3, 10, 2, List.of(LogEntry.command(3, 11, null)), 9);
        assertThat(roundTrip(probe)).isEqualTo(probe);
        assertThat(roundTrip(emptyPayload)).isEqualTo(emptyPayload);
    }

    @Test
    void quiesceFlagRoundTripsAndAFrameWithoutItIsAnOrdinaryHeartbeat() throws Exception {
        Heartbeat quiesce = new Heartbeat(N1, N2, 3, 10, 0, true);
        assertThat(roundTrip(quiesce)).isEqualTo(quiesce);
        // What a peer that predates the field sends.
        Wire.Frame old = Wire.Frame.newBuilder().setHeartbeat(Wire.Heartbeat.newBuilder()
                .setFrom("n1").setTo("n2").setTerm(3).setCommitIndex(10)).build();
        assertThat(WireCodec.fromFrame(old)).contains(new Heartbeat(N1, N2, 3, 10, 0));
    }

    @Test
    void invalidNodeIdIsReportedWithItsField() {
        Wire.Frame frame = Wire.Frame.newBuilder().setHeartbeat(Wire.Heartbeat.newBuilder()
                .setFrom("n1").setTo("not a node id!").setTerm(1)).build();
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("Heartbeat.to")
                .hasMessageContaining("not a node id!");
    }

    @Test
    void installSnapshotWithoutVotersIsReported() {
        Wire.Frame frame = Wire.Frame.newBuilder().setInstallSnapshot(Wire.InstallSnapshot.newBuilder()
                .setFrom("n1").setTo("n2").setTerm(3).setLastIncludedIndex(10).setLastIncludedTerm(2)).build();
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("InstallSnapshot")
                .hasMessageContaining("voter");
    }

    @Test
    void installSnapshotOfIndexZeroIsReported() {
        Wire.Frame frame = Wire.Frame.newBuilder().setInstallSnapshot(Wire.InstallSnapshot.newBuilder()
                .setFrom("n1").setTo("n2").setTerm(3)
                .setConfiguration(Wire.Configuration.newBuilder().addVoters("n1"))).build();
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("at least one entry");
    }

    @Test
    void invalidNodeIdInASnapshotConfigurationIsReportedWithItsField() {
        Wire.Frame frame = Wire.Frame.newBuilder().setInstallSnapshot(Wire.InstallSnapshot.newBuilder()
                .setFrom("n1").setTo("n2").setTerm(3).setLastIncludedIndex(10).setLastIncludedTerm(2)
                .setConfiguration(Wire.Configuration.newBuilder().addVoters("n1").addLearners("bad id!"))).build();
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("InstallSnapshot.configuration.learners");
    }

    @Test
    void missingNodeIdIsReported() {
        Wire.Frame frame = Wire.Frame.newBuilder().setRequestVote(Wire.RequestVote.newBuilder().setTo("n2")).build();
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("RequestVote.from");
    }

    @Test
    void unspecifiedEntryTypeIsReported() {
        Wire.Frame frame = appendEntriesFrame(Wire.LogEntry.newBuilder().setTerm(1).setIndex(5));
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("log entry 5")
                .hasMessageContaining("unknown entry type");
    }

    @Test
    void unrecognizedEntryTypeNumberIsReported() {
        Wire.Frame frame = appendEntriesFrame(Wire.LogEntry.newBuilder().setTerm(1).setIndex(5).setTypeValue(42));
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("unknown entry type");
    }

    @Test
    void entryWithZeroTermIsReported() {
        Wire.Frame frame = appendEntriesFrame(Wire.LogEntry.newBuilder().setTerm(0).setIndex(5)
                .setType(Wire.EntryType.ENTRY_TYPE_COMMAND));
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("invalid log entry")
                .hasMessageContaining("term must be positive");
    }

    @Test
    void handshakeFrameInTheMessageStreamIsAnError() {
        Wire.Frame frame = Wire.Frame.newBuilder().setHello(Wire.Hello.newBuilder().setFrom("n1")).build();
        assertThatThrownBy(() -> WireCodec.fromFrame(frame))
                .isInstanceOf(WireFormatException.class)
                .hasMessageContaining("HELLO");
    }

    @Test
    void messageTypeFromANewerPeerDecodesAsUnknown() throws Exception {
        Wire.Frame frame = Wire.Frame.parseFrom(unknownCaseFrameBytes());
        assertThat(frame.getBodyCase()).isEqualTo(Wire.Frame.BodyCase.BODY_NOT_SET);
        assertThat(WireCodec.fromFrame(frame)).isEmpty();
    }

    @Test
    void estimatedSizeCountsEntryPayloads() {
        RaftMessage small = Messages.heartbeat(N1, N2, 1);
        RaftMessage large = Messages.appendWithPayload(N1, N2, 1000);
        assertThat(WireCodec.estimatedSizeBytes(small)).isEqualTo(WireCodec.MESSAGE_OVERHEAD_BYTES);
        assertThat(WireCodec.estimatedSizeBytes(large))
                .isEqualTo(WireCodec.MESSAGE_OVERHEAD_BYTES + LogEntry.OVERHEAD_BYTES + 1000);
        assertThat(WireCodec.estimatedSizeBytes(large))
                .isGreaterThanOrEqualTo(WireCodec.toFrame(large).getSerializedSize());
    }

    /** A Frame whose only field is case 99, which this build does not know: as a newer peer would send. */
    static byte[] unknownCaseFrameBytes() {
        int tag = (99 << 3) | 2; // field 99, length-delimited
        return new byte[] {(byte) (0x80 | (tag & 0x7f)), (byte) (tag >>> 7), 2, 0x08, 0x01};
    }

    private static Wire.Frame appendEntriesFrame(Wire.LogEntry.Builder entry) {
        return Wire.Frame.newBuilder().setAppendEntries(Wire.AppendEntries.newBuilder()
                .setFrom("n1").setTo("n2").setTerm(1).addEntries(entry)).build();
    }
}
