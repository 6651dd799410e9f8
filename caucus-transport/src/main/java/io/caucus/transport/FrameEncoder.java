package io.caucus.transport;

import com.google.protobuf.CodedOutputStream;
import io.caucus.transport.proto.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;

/** Writes a frame as its 4-byte big-endian length followed by the serialized protobuf, in one buffer. */
@ChannelHandler.Sharable
final class FrameEncoder extends MessageToByteEncoder<Wire.Frame> {

    static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(Wire.Frame.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Wire.Frame frame, boolean preferDirect) {
        int size = WireProtocol.LENGTH_PREFIX_BYTES + frame.getSerializedSize();
        return preferDirect ? ctx.alloc().ioBuffer(size, size) : ctx.alloc().heapBuffer(size, size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Wire.Frame frame, ByteBuf out) throws IOException {
        int size = frame.getSerializedSize();
        out.writeInt(size);
        int start = out.writerIndex();
        CodedOutputStream coded = CodedOutputStream.newInstance(out.nioBuffer(start, size));
        frame.writeTo(coded);
        coded.flush();
        out.writerIndex(start + size);
    }
}
