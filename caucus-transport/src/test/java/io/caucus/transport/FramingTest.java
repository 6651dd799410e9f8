package io.caucus.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.NodeId;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.proto.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The length-prefixed framing, through the same Netty handlers the transport uses. */
class FramingTest {

    private static final NodeId N1 = NodeId.of("n1");
    private static final NodeId N2 = NodeId.of("n2");

    private static EmbeddedChannel decoder(int maxFrameBytes) {
        return new EmbeddedChannel(FrameParser.lengthDecoder(maxFrameBytes), FrameParser.INSTANCE);
    }

    private static ByteBuf encodeAll(List<RaftMessage> messages) {
        EmbeddedChannel encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ByteBuf all = Unpooled.buffer();
        for (RaftMessage message : messages) {
            encoder.writeOutbound(WireCodec.toFrame(message));
            ByteBuf encoded = encoder.readOutbound();
            all.writeBytes(encoded);
            encoded.release();
        }
        return all;
    }

    /** However TCP splits the byte stream, the same frames come out in order. */
    @Property(tries = 100)
    void framesSurviveAnySplitOfTheStream(@ForAll @IntRange(min = 1, max = 97) int chunkBytes) {
        List<RaftMessage> messages = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            messages.addAll(Messages.oneOfEach(N1, N2));
        }
        ByteBuf stream = encodeAll(messages);
        EmbeddedChannel channel = decoder(TransportOptions.DEFAULT_MAX_FRAME_BYTES);
        while (stream.isReadable()) {
            channel.writeInbound(stream.readRetainedSlice(Math.min(chunkBytes, stream.readableBytes())));
        }
        stream.release();
        List<RaftMessage> decoded = new ArrayList<>();
        Wire.Frame frame;
        while ((frame = channel.readInbound()) != null) {
            decoded.add(WireCodec.fromFrame(frame).orElseThrow());
        }
        assertThat(decoded).isEqualTo(messages);
    }

    @org.junit.jupiter.api.Test
    void lengthPrefixIsBigEndianAndExact() {
        RaftMessage message = Messages.heartbeat(N1, N2, 5);
        ByteBuf encoded = encodeAll(List.of(message));
        int size = WireCodec.toFrame(message).getSerializedSize();
        assertThat(encoded.readableBytes()).isEqualTo(4 + size);
        assertThat(encoded.getInt(0)).isEqualTo(size);
        encoded.release();
    }

    @org.junit.jupiter.api.Test
    void frameOverTheLimitIsRejectedAsSoonAsItsLengthIsRead() {
        EmbeddedChannel channel = decoder(1024);
        ByteBuf prefix = Unpooled.buffer().writeInt(1025);
        assertThatThrownBy(() -> channel.writeInbound(prefix))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("exceeds");
        assertThat(Failures.describe(new TooLongFrameException("x"), 1024)).contains("maxFrameBytes=1024");
    }

    @org.junit.jupiter.api.Test
    void frameExactlyAtTheLimitIsAccepted() {
        EmbeddedChannel channel = decoder(1024);
        Wire.Frame frame = WireCodec.toFrame(Messages.appendWithPayload(N1, N2, 1024 - 30));
        int size = frame.getSerializedSize();
        Wire.Frame padded = WireCodec.toFrame(Messages.appendWithPayload(N1, N2, 1024 - 30 + (1024 - size)));
        assertThat(padded.getSerializedSize()).isEqualTo(1024);
        channel.writeInbound(Unpooled.buffer().writeInt(1024).writeBytes(padded.toByteArray()));
        assertThat((Wire.Frame) channel.readInbound()).isEqualTo(padded);
    }

    @org.junit.jupiter.api.Test
    void garbageIsReportedAsAnInvalidFrame() {
        EmbeddedChannel channel = decoder(1024);
        ByteBuf garbage = Unpooled.buffer().writeInt(3).writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, 0x7f});
        assertThatThrownBy(() -> channel.writeInbound(garbage))
                .hasRootCauseInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class)
                .satisfies(e -> assertThat(Failures.unwrap(e)).isInstanceOf(WireFormatException.class)
                        .hasMessageContaining("frame of 3 bytes is not a valid Caucus protocol buffer"));
    }
}
