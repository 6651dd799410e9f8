package io.caucus.kv.slots;

import io.caucus.kv.command.Reply;
import io.caucus.kv.protocol.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.RedisEncoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.util.RedisInputStream;

/**
 * A {@link Reply} as a client receives it: encoded by the server's own RESP encoder ({@link Replies#of} through
 * Netty's {@link RedisEncoder}) and read back by Jedis's protocol reader, so that Caucus's replies and
 * redis-server's, read through {@code Jedis.sendCommand}, are the same kinds of objects (byte[], Long, List).
 */
final class RespWire {

    private RespWire() {
    }

    /** The bytes the server writes for {@code reply}. */
    static byte[] encode(Reply reply) {
        EmbeddedChannel channel = new EmbeddedChannel(new RedisEncoder());
        channel.writeOutbound(Replies.of(reply));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (ByteBuf buffer = channel.readOutbound(); buffer != null; buffer = channel.readOutbound()) {
            byte[] chunk = new byte[buffer.readableBytes()];
            buffer.readBytes(chunk);
            buffer.release();
            bytes.writeBytes(chunk);
        }
        channel.finishAndReleaseAll();
        return bytes.toByteArray();
    }

    /** {@code reply} as Jedis reads it off the wire. */
    static Object asJedisReadsIt(Reply reply) {
        return Protocol.read(new RedisInputStream(new ByteArrayInputStream(encode(reply))));
    }

    /** A Jedis-read reply with its bulk strings as Strings, the form Lettuce's cluster parsers take. */
    static Object asLettuceReadsIt(Object jedisForm) {
        return switch (jedisForm) {
            case byte[] bulk -> new String(bulk, StandardCharsets.UTF_8);
            case List<?> list -> list.stream().map(RespWire::asLettuceReadsIt).toList();
            default -> jedisForm;
        };
    }
}
