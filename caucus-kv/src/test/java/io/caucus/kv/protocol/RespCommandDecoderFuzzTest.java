package io.caucus.kv.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caucus.kv.config.ClientLimits;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Hostile bytes on the Redis port. Whatever a client sends, in whatever pieces, the decoder yields commands within
 * the limits or one protocol error, and the same bytes give the same outcome however they are split.
 *
 * <p>The default suite runs the saved inputs (src/test/resources/.../RespCommandDecoderFuzzTestInputs); to fuzz:
 * {@code JAZZER_FUZZ=1 ./mvnw -pl caucus-kv -am test -Dtest=RespCommandDecoderFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (docs/security.md).
 */
class RespCommandDecoderFuzzTest {

    /** Small limits, so fuzzed inputs reach every limit with a few bytes. */
    private static final ClientLimits LIMITS = new ClientLimits(64, 8, 256, 16, 10, 0, 0, 3, 1 << 20);

    private record Outcome(List<String> commands, String error) {
    }

    @FuzzTest(maxDuration = "30s")
    void anyInputDecodesToCommandsWithinTheLimitsOrOneErrorHoweverItIsSplit(FuzzedDataProvider data) {
        boolean authenticated = data.consumeBoolean();
        int[] cuts = new int[data.consumeInt(0, 8)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = data.consumeInt(0, 300);
        }
        byte[] input = data.consumeRemainingAsBytes();

        Outcome whole = decode(authenticated, input, new int[0]);
        Outcome pieces = decode(authenticated, input, cuts);

        assertThat(pieces).isEqualTo(whole);
    }

    private static Outcome decode(boolean authenticated, byte[] input, int[] cuts) {
        RespCommandDecoder decoder = new RespCommandDecoder(LIMITS);
        decoder.authenticated(authenticated);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<String> commands = new ArrayList<>();
        String error = null;
        try {
            int[] bounds = Arrays.stream(cuts).map(cut -> Math.min(cut, input.length)).sorted().toArray();
            int from = 0;
            for (int to : bounds) {
                channel.writeInbound(Unpooled.wrappedBuffer(input, from, to - from));
                from = to;
            }
            channel.writeInbound(Unpooled.wrappedBuffer(input, from, input.length - from));
        } catch (DecoderException e) {
            assertThat(e.getMessage()).isNotBlank();
            error = e.getMessage();
        } finally {
            for (Object message; (message = channel.readInbound()) != null; ) {
                commands.add(checked((RespCommandDecoder.Command) message, authenticated));
            }
            channel.finishAndReleaseAll();
        }
        return new Outcome(commands, error);
    }

    /** The command as text, after checking it is within the limits that apply. */
    private static String checked(RespCommandDecoder.Command command, boolean authenticated) {
        assertThat(command.arguments()).isNotEmpty();
        if (!command.inline()) {
            int maxElements = authenticated ? LIMITS.maxArrayElements()
                    : Math.min(LIMITS.maxArrayElements(), RespCommandDecoder.UNAUTHENTICATED_MAX_ARRAY_ELEMENTS);
            int maxBulk = authenticated ? LIMITS.maxBulkBytes()
                    : Math.min(LIMITS.maxBulkBytes(), RespCommandDecoder.UNAUTHENTICATED_MAX_BULK_BYTES);
            assertThat(command.arguments()).hasSizeLessThanOrEqualTo(maxElements);
            assertThat(command.arguments()).allSatisfy(argument -> assertThat(argument.length).isLessThanOrEqualTo(maxBulk));
        }
        StringBuilder text = new StringBuilder(command.inline() ? "inline" : "array");
        for (byte[] argument : command.arguments()) {
            text.append(' ').append(Arrays.toString(argument));
        }
        return text.toString();
    }
}
