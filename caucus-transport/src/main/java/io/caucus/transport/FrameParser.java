package io.caucus.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.caucus.transport.proto.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/** Parses one length-delimited frame (the prefix already stripped) into a {@link Wire.Frame}. */
@ChannelHandler.Sharable
final class FrameParser extends MessageToMessageDecoder<ByteBuf> {

    static final FrameParser INSTANCE = new FrameParser();

    /**
     * Splits the byte stream into frames of at most maxFrameBytes (the length prefix not counted), failing
     * as soon as a longer frame's prefix is read.
     */
    static LengthFieldBasedFrameDecoder lengthDecoder(int maxFrameBytes) {
        return new LengthFieldBasedFrameDecoder(maxFrameBytes + WireProtocol.LENGTH_PREFIX_BYTES, 0,
                WireProtocol.LENGTH_PREFIX_BYTES, 0, WireProtocol.LENGTH_PREFIX_BYTES, true);
    }

    private FrameParser() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        int size = frame.readableBytes();
        try {
            out.add(Wire.Frame.parseFrom(frame.nioBuffer()));
        } catch (InvalidProtocolBufferException e) {
            throw new WireFormatException("frame of " + size + " bytes is not a valid Caucus protocol buffer: "
                    + e.getMessage(), e);
        }
    }
}
