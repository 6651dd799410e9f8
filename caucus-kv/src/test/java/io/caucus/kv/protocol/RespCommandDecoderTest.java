package io.caucus.kv.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void badLengthsAndLineEndsAreRefused() {
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*x\r\n")).hasMessageContaining("invalid array length");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*1\r\n$-5\r\n"))
                .hasMessageContaining("bulk string length -5");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*1\r\n$2\r\nabcd\r\n"))
                .hasMessageContaining("not followed by CRLF");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*1\n")).hasMessageContaining("LF without CR");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("*" + (RespCodec.MAX_ARRAY_ELEMENTS + 1) + "\r\n"))
                .hasMessageContaining("longer than the limit");
        assertThatThrownBy(() -> new RespCommandDecoderTest().feed("x".repeat(RespCommandDecoder.MAX_LINE_BYTES + 2)))
                .hasMessageContaining("without a line end");
    }
}
