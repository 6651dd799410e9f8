package io.caucus.kv.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;

/** Talks RESP to a handler on an {@link EmbeddedChannel}: commands as a client sends them, replies as text. */
public final class RespTestChannel {

    private RespTestChannel() {
    }

    /** {@code words} as one RESP array of bulk strings. */
    public static String command(String... words) {
        StringBuilder resp = new StringBuilder("*").append(words.length).append("\r\n");
        for (String word : words) {
            resp.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(word)
                    .append("\r\n");
        }
        return resp.toString();
    }

    /** Writes {@code raw}, runs what it queued on the channel's loop, and returns every reply written since. */
    public static String exchange(EmbeddedChannel channel, byte[] raw) {
        channel.writeInbound(Unpooled.wrappedBuffer(raw));
        channel.runPendingTasks();
        return drain(channel);
    }

    /** Every reply written and not yet read, as text. */
    public static String drain(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        ByteBuf buffer;
        while ((buffer = channel.readOutbound()) != null) {
            out.append(buffer.toString(StandardCharsets.UTF_8));
            buffer.release();
        }
        return out.toString();
    }
}
