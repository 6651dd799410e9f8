package io.caucus.kv.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.kv.config.ClientLimits;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespCommandDecoderTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new RespCommandDecoder());

    private List<List<String>> feed(String... chunks) {
        for (String chunk : chunks) {
            channel.writeInbound(Unpooled.copiedBuffer(chunk, StandardCharsets.ISO_8859_1));
        }
        List<List<String>> commands = new ArrayList<>();
        for (Object message; (message = channel.readInbound()) != null; ) {
            List<String> words = new ArrayList<>();
            for (byte[] argument : ((RespCommandDecoder.Command) message).arguments()) {
                words.add(new String(argument, StandardCharsets.ISO_8859_1));
            }
            commands.add(words);
        }
        return commands;
    }

    @Test
    void decodesPipelinedArraysOfBulkStrings() {
        assertThat(feed("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n"))
                .containsExactly(List.of("SET", "k", ""), List.of("PING"));
    }

    @Test
    void aCommandSplitAnywhereDecodesTheSame() {
        String whole = "*2\r\n$4\r\nECHO\r\n$12\r\nhello\r\nworld\r\n*1\r\n$6\r\nDBSIZE\r\n";
        for (int cut = 1; cut < whole.length(); cut++) {
            assertThat(feed(whole.substring(0, cut), whole.substring(cut)))
                    .as("cut at %d", cut).containsExactly(List.of("ECHO", "hello\r\nworld"), List.of("DBSIZE"));
        }
        String[] bytes = whole.split("");
        assertThat(feed(bytes)).containsExactly(List.of("ECHO", "hello\r\nworld"), List.of("DBSIZE"));
    }

    @Test
    void binaryValuesAreKeptByteForByte() {
        List<List<String>> commands = feed("*2\r\n$3\r\nGET\r\n$3\r\n\u0000\u00ff\n\r\n");
        assertThat(commands.getFirst().get(1)).isEqualTo("\u0000\u00ff\n");
    }

    @Test
    void inlineCommandsEndWithCrlfOrLfAndEmptyLinesAreIgnored() {
        assertThat(feed("PING\r\n", "\r\n", "SET  k  v\n", "   \r\n"))
                .containsExactly(List.of("PING"), List.of("SET", "k", "v"));
    }

    @Test
    void emptyArraysCarryNoCommand() {
        assertThat(feed("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n")).containsExactly(List.of("PING"));
    }

    @Test
    void protocolErrorsNameWhatIsWrongAndStopDecoding() {
        assertThatThrownBy(() -> feed("*1\r\n:12\r\n")).isInstanceOf(DecoderException.class)
                .hasMessageContaining("expected '$'");
        assertThat(feed("*1\r\n$4\r\nPING\r\n")).isEmpty(); // the stream is not resynchronised
    }

    @Test
    void badLengthsAndLineEndsAreRefusedInRedisWords() {
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*x\r\n")).hasMessage("invalid multibulk length");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*1\r\n$-5\r\n"))
                .hasMessage("invalid bulk length");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*2\r\n$1x\r\n"))
                .hasMessage("invalid bulk length");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*1\r\n:5\r\n"))
                .hasMessage("expected '$', got ':'");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*1\r\n$2\r\nabcd\r\n"))
                .hasMessageContaining("not followed by CRLF");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*1\n")).hasMessageContaining("LF without CR");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("x".repeat(RespCommandDecoder.MAX_LINE_BYTES + 2)))
                .hasMessage("too big inline request");
    }

    /** A decoder with small limits, so each can be passed with a few bytes. */
    private static EmbeddedChannel limited(boolean authenticated) {
        RespCommandDecoder decoder = new RespCommandDecoder(new ClientLimits(100, 4, 200, 10, 10, 0, 0, 3, 1 << 20));
        decoder.authenticated(authenticated);
        return new EmbeddedChannel(decoder);
    }

    private static Throwable refusal(EmbeddedChannel channel, String input) {
        try {
            channel.writeInbound(Unpooled.copiedBuffer(input, StandardCharsets.ISO_8859_1));
        } catch (DecoderException e) {
            return e;
        }
        throw new AssertionError("accepted: " + input);
    }

    @Test
    void eachLimitIsCheckedAtItsHeaderBeforeTheBodyArrives() {
        // Only the header is sent: the refusal cannot have waited for (or allocated) the claimed bytes.
        assertThat(refusal(limited(true), "*1\r\n$101\r\n")).isInstanceOf(RespCommandDecoder.LimitException.class)
                .hasMessage("invalid bulk length");
        assertThat(refusal(limited(true), "*1\r\n$2147483647000\r\n")).hasMessage("invalid bulk length");
        assertThat(refusal(limited(true), "*5\r\n")).hasMessage("invalid multibulk length");
        assertThat(refusal(limited(true), "*3000000000\r\n")).hasMessage("invalid multibulk length");
        assertThat(refusal(limited(true), "*3\r\n$100\r\n" + "a".repeat(100) + "\r\n$90\r\n"))
                .hasMessage("request larger than maxRequestBytes (200 bytes)");
        assertThat(((RespCommandDecoder.LimitException) refusal(limited(true), "*4\r\n$100\r\n" + "a".repeat(100)
                + "\r\n$95\r\n")).limit).isEqualTo("request");
    }

    @Test
    void beforeAuthenticationRedisTighterLimitsApply() {
        assertThat(refusal(limited(false), "*11\r\n")).hasMessage("unauthenticated multibulk length");
        EmbeddedChannel unauthenticated = new EmbeddedChannel(new RespCommandDecoder());
        ((RespCommandDecoder) unauthenticated.pipeline().first()).authenticated(false);
        assertThat(refusal(unauthenticated, "*2\r\n$4\r\nAUTH\r\n$16385\r\n"))
                .hasMessage("unauthenticated bulk length");
        for (String header : List.of("*10\r\n", "*1\r\n$16384\r\n")) {
            EmbeddedChannel fine = new EmbeddedChannel(new RespCommandDecoder());
            ((RespCommandDecoder) fine.pipeline().first()).authenticated(false);
            fine.writeInbound(Unpooled.copiedBuffer(header, StandardCharsets.ISO_8859_1));
            assertThat((Object) fine.readInbound()).isNull(); // accepted, waiting for the rest
        }
    }

    @Test
    void requestsWithinTheLimitsDecode() {
        EmbeddedChannel channel = limited(true);
        channel.writeInbound(Unpooled.copiedBuffer("*2\r\n$3\r\nGET\r\n$100\r\n" + "k".repeat(100) + "\r\n",
                StandardCharsets.ISO_8859_1));
        assertThat(((RespCommandDecoder.Command) channel.readInbound()).arguments()).hasSize(2);
    }
}
