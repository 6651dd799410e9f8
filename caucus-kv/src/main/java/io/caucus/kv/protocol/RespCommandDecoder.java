package io.caucus.kv.protocol;

import io.caucus.kv.config.ClientLimits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the requests a Redis client sends (RESP2: an array of bulk strings, or an inline command line) straight
 * into their arguments as byte arrays, one {@link Command} per request.
 *
 * <p>Why not Netty's {@code RedisDecoder} with its aggregators: for a SET it makes eleven objects (headers,
 * retained slices, a composite buffer per bulk string, the array) before the handler can copy the arguments
 * out, and under load that path takes a fifth of the leader's CPU samples (docs/benchmarks.md, "What the design
 * rests on"). Here each argument is copied once, from the cumulated input into its byte array.
 *
 * <p>Limits ({@link ClientLimits}), each checked at a header, before the bytes it announces are waited for or
 * anything is allocated for them: the length of a bulk string, the number of elements of an array, the bytes of one
 * request; before the connection has authenticated (when users are configured), Redis's own tighter limits of 10
 * elements and 16 KiB per bulk string. So what a connection holds is bounded by what it sent and by the limits, never
 * by what a header claims. Errors use redis-server 7.0's words ({@code Protocol error: invalid bulk length}).
 *
 * <p>State across calls: the arguments of an array read so far, so a large command arriving in many reads is
 * parsed once (only an incomplete bulk string's header is read again). A protocol error throws a
 * {@link DecoderException} (a {@link LimitException} for a limit) and the decoder then discards all further input
 * (the stream cannot be resynchronised; the handler answers the error and closes).
 */
final class RespCommandDecoder extends ByteToMessageDecoder {

    /** One request's arguments, the command name first; {@code inline} if it came as a text line. */
    record Command(List<byte[]> arguments, boolean inline) {
    }

    /** A request passed one of the limits; {@code limit} names it for the metrics. */
    static final class LimitException extends DecoderException {
        final String limit;

        LimitException(String limit, String message) {
            super(message);
            this.limit = limit;
        }
    }

    /** Longest inline command line, and longest header line (as Redis's PROTO_INLINE_MAX_SIZE). */
    static final int MAX_LINE_BYTES = 64 * 1024;
    /** Redis's limits before a connection has authenticated: elements of an array, bytes of a bulk string. */
    static final int UNAUTHENTICATED_MAX_ARRAY_ELEMENTS = 10;
    static final int UNAUTHENTICATED_MAX_BULK_BYTES = 16 * 1024;

    private final ClientLimits limits;
    /** False while the connection must still authenticate: set by {@link RespHandler}, on the same event loop. */
    private boolean authenticated = true;
    /** Arguments still to read of the array in progress, or -1 between requests. */
    private int remainingArguments = -1;
    private List<byte[]> arguments;
    /** Bytes of the array in progress read so far, headers included. */
    private long requestBytes;
    private boolean broken;

    RespCommandDecoder(ClientLimits limits) {
        this.limits = limits;
    }

    /** With the default limits. */
    RespCommandDecoder() {
        this(ClientLimits.DEFAULTS);
    }

    void authenticated(boolean authenticated) {
        this.authenticated = authenticated;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (broken) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.isReadable()) {
                if (remainingArguments < 0 && !startRequest(in, out)) {
                    return;
                }
                if (remainingArguments >= 0 && !readArguments(in)) {
                    return;
                }
                if (remainingArguments == 0) {
                    out.add(new Command(arguments, false));
                    remainingArguments = -1;
                    arguments = null;
                }
                if (!authenticated && !out.isEmpty()) {
                    // Let the handler see this command (perhaps an AUTH) before the next one's headers are judged.
                    return;
                }
            }
        } catch (DecoderException e) {
            broken = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /** Reads an array header or a whole inline line; false if more input is needed. */
    private boolean startRequest(ByteBuf in, List<Object> out) {
        int lf = lineFeed(in, "too big inline request");
        if (lf < 0) {
            return false;
        }
        int start = in.readerIndex();
        if (in.getByte(start) != '*') {
            // Inline commands end with CRLF or, as Redis allows for people typing, a bare LF.
            int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            String line = in.toString(start, end - start, StandardCharsets.UTF_8);
            in.readerIndex(lf + 1);
            List<byte[]> words = inlineWords(line);
            if (!words.isEmpty()) { // an empty line typed into telnet: Redis ignores it too
                out.add(new Command(words, true));
            }
            return true;
        }
        long count = parseLength(in, start + 1, crBefore(in, lf), "invalid multibulk length");
        in.readerIndex(lf + 1);
        if (!authenticated && count > UNAUTHENTICATED_MAX_ARRAY_ELEMENTS) {
            throw new LimitException("unauthenticated_array", "unauthenticated multibulk length");
        }
        if (count > limits.maxArrayElements()) {
            throw new LimitException("array", "invalid multibulk length");
        }
        if (count > 0) { // "*0" and "*-1" carry no command: Redis ignores them
            remainingArguments = (int) count;
            arguments = new ArrayList<>((int) Math.min(count, 64));
            requestBytes = lf + 1 - start;
        }
        return true;
    }

    /** Reads whole bulk strings of the array in progress; false if more input is needed. */
    private boolean readArguments(ByteBuf in) {
        while (remainingArguments > 0) {
            int start = in.readerIndex();
            int lf = lineFeed(in, "too big bulk count string");
            if (lf < 0) {
                return false;
            }
            if (in.getByte(start) != '$') {
                throw new DecoderException("expected '$', got '" + printable(in.getByte(start)) + "'");
            }
            long length = parseLength(in, start + 1, crBefore(in, lf), "invalid bulk length");
            if (length < 0) {
                throw new DecoderException("invalid bulk length");
            }
            if (!authenticated && length > UNAUTHENTICATED_MAX_BULK_BYTES) {
                throw new LimitException("unauthenticated_bulk", "unauthenticated bulk length");
            }
            if (length > limits.maxBulkBytes()) {
                throw new LimitException("bulk", "invalid bulk length");
            }
            int bodyStart = lf + 1;
            long total = requestBytes + (bodyStart - start) + length + 2;
            if (total > limits.maxRequestBytes()) {
                throw new LimitException("request", "request larger than maxRequestBytes ("
                        + limits.maxRequestBytes() + " bytes)");
            }
            if (in.writerIndex() - bodyStart < length + 2) {
                return false; // the header is read again when the rest has arrived
            }
            int bodyEnd = bodyStart + (int) length;
            if (in.getByte(bodyEnd) != '\r' || in.getByte(bodyEnd + 1) != '\n') {
                throw new DecoderException("bulk string of " + length + " bytes is not followed by CRLF");
            }
            byte[] argument = new byte[(int) length];
            in.getBytes(bodyStart, argument);
            in.readerIndex(bodyEnd + 2);
            arguments.add(argument);
            requestBytes = total;
            remainingArguments--;
        }
        return true;
    }

    /** Index of the first LF at or after the reader index, or -1 if none has arrived yet. */
    private static int lineFeed(ByteBuf in, String tooLong) {
        int start = in.readerIndex();
        int searched = Math.min(in.readableBytes(), MAX_LINE_BYTES + 2);
        int lf = in.indexOf(start, start + searched, (byte) '\n');
        if (lf < 0 && searched > MAX_LINE_BYTES + 1) {
            throw new LimitException("line", tooLong);
        }
        return lf;
    }

    /** The index of the CR that a header line's LF at {@code lf} must follow. */
    private static int crBefore(ByteBuf in, int lf) {
        if (lf == in.readerIndex() || in.getByte(lf - 1) != '\r') {
            throw new DecoderException("header line ends with LF without CR");
        }
        return lf - 1;
    }

    /** Parses the decimal (optionally negative) integer in [from, to); refuses anything else with {@code invalid}. */
    private static long parseLength(ByteBuf in, int from, int to, String invalid) {
        boolean negative = from < to && in.getByte(from) == '-';
        int i = negative ? from + 1 : from;
        if (i == to || to - i > 18) {
            throw new DecoderException(invalid);
        }
        long value = 0;
        for (; i < to; i++) {
            byte digit = in.getByte(i);
            if (digit < '0' || digit > '9') {
                throw new DecoderException(invalid);
            }
            value = value * 10 + (digit - '0');
        }
        return negative ? -value : value;
    }
    private static List<byte[]> inlineWords(String line) {
        List<byte[]> words = new ArrayList<>();
        for (String word : line.trim().split("\\s+")) {
            if (!word.isEmpty()) {
                words.add(word.getBytes(StandardCharsets.UTF_8));
            }
        }
        return words;
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff);
    }
}
