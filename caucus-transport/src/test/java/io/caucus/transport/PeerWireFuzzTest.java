package io.caucus.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.caucus.core.message.RaftMessage;
import io.caucus.transport.proto.Wire;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.lang.management.ManagementFactory;
import java.util.Optional;

/**
 * Hostile bytes on the Raft port, after the TLS layer (or without one): the length prefixes, the protocol buffers
 * and the mapping to Raft messages and snapshot frames. Whatever arrives, the decoders yield messages (which encode
 * back to themselves) or refuse with the transport's own errors (an oversize or corrupt length prefix,
 * {@link WireFormatException}); never another exception, and never an allocation sized by a length the bytes claim
 * rather than by the bytes that arrived.
 *
 * <p>The default suite runs the saved inputs (src/test/resources/.../PeerWireFuzzTestInputs); to fuzz one:
 * {@code JAZZER_FUZZ=1 ./mvnw -pl caucus-transport -am test -Dtest='PeerWireFuzzTest#frames'
 * -Dsurefire.failIfNoSpecifiedTests=false} (docs/security.md).
 */
class PeerWireFuzzTest {

    /** Small, so that fuzzed inputs reach the frame limit with a few bytes. */
    private static final int MAX_FRAME_BYTES = 4096;
    /**
     * What decoding may allocate beyond a fixed multiple of the input (Jazzer's hooks allocate too, when fuzzing): far
     * below the lengths a varint can claim.
     */
    private static final long ALLOCATION_ALLOWANCE_BYTES = 4L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A connection's byte stream: length-prefixed frames as the Raft port's pipeline splits and parses them. */
    @FuzzTest(maxDuration = "30s")
    void streams(byte[] stream) {
        assertAllocatesLittle(() -> decodeStream(stream), stream.length);
    }

    /** One frame's bytes (the length prefix already stripped): a protocol buffer, then a message. */
    @FuzzTest(maxDuration = "30s")
    void frames(byte[] body) {
        assertAllocatesLittle(() -> decodeFrame(body), body.length);
    }

    private static void decodeStream(byte[] stream) {
        EmbeddedChannel channel = new EmbeddedChannel(FrameParser.lengthDecoder(MAX_FRAME_BYTES), FrameParser.INSTANCE);
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(stream));
        } catch (DecoderException refused) {
            assertIsATransportRefusal(refused);
        }
        for (Object frame; (frame = channel.readInbound()) != null; ) {
            decodeAndCheck((Wire.Frame) frame);
        }
        channel.finishAndReleaseAll();
    }

    private static void decodeFrame(byte[] body) {
        Wire.Frame frame;
        try {
            frame = Wire.Frame.parseFrom(body);
        } catch (InvalidProtocolBufferException refused) {
            return; // FrameParser turns it into a WireFormatException
        }
        decodeAndCheck(frame);
    }

    /** Decodes as AcceptorHandler does after the handshake, and checks what decodes encodes back to itself. */
    private static void decodeAndCheck(Wire.Frame frame) {
        try {
            if (SnapshotFrames.isSnapshotFrame(frame)) {
                SnapshotFrame decoded = SnapshotFrames.fromFrame(frame);
                Wire.Frame encoded = SnapshotFrames.toFrame(decoded);
                assertThat(SnapshotFrames.toFrame(SnapshotFrames.fromFrame(encoded))).isEqualTo(encoded);
                return;
            }
            Optional<RaftMessage> decoded = WireCodec.fromFrame(frame);
            if (decoded.isPresent()) {
                Wire.Frame encoded = WireCodec.toFrame(decoded.get());
                assertThat(WireCodec.fromFrame(encoded)).contains(decoded.get());
            }
        } catch (WireFormatException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }

    private static void assertIsATransportRefusal(DecoderException refused) {
        Throwable cause = refused instanceof TooLongFrameException || refused instanceof CorruptedFrameException
                ? refused : refused.getCause();
        assertThat(cause).isInstanceOfAny(TooLongFrameException.class, CorruptedFrameException.class,
                WireFormatException.class);
        assertThat(cause.getMessage()).isNotBlank();
    }

    /**
     * Decoding copies what arrived a few times over, at most; a claimed length of up to 2 GiB never counts. A run that
     * loads classes (and Jazzer instruments them, on this thread) allocates for that too, so a run over the bound is
     * measured again.
     */
    private static void assertAllocatesLittle(Runnable decode, int inputBytes) {
        long bound = ALLOCATION_ALLOWANCE_BYTES + 16L * inputBytes;
        if (allocatedBy(decode) >= bound) {
            assertThat(allocatedBy(decode)).isLessThan(bound);
        }
    }

    private static long allocatedBy(Runnable decode) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        decode.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
}
