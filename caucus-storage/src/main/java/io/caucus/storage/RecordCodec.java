package io.caucus.storage;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The frame of every log record (big-endian):
 *
 * <pre>
 *   0  int   payload length (bytes)
 *   4  byte  record type ({@link RecordType} code)
 *   5  long  term
 *  13  long  index
 *  21  int   CRC32C of the payload
 *  25  int   CRC32C of bytes 0..24
 *  29  ...   payload
 * </pre>
 *
 * The header has its own checksum so that a damaged length is caught before it is believed, and so that the
 * recovery scan can tell cheaply whether a valid frame starts at some byte.
 */
final class RecordCodec {

    static final int HEADER_BYTES = 29;
    /** Hard upper bound on any payload, whatever the options say: keeps frames within an int. */
    static final int MAX_PAYLOAD_BYTES = 256 << 20;

    private RecordCodec() {
    }

    static int frameBytes(int payloadLength) {
        return HEADER_BYTES + payloadLength;
    }

    /** Writes the frame of {@code record} at the buffer's position, advancing it. */
    static void encode(Record record, ByteBuffer out) {
        int start = out.position();
        byte[] payload = record.payload();
        out.putInt(payload.length);
        out.put((byte) record.type().code());
        out.putLong(record.term());
        out.putLong(record.index());
        out.putInt(crc(payload));
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(out.duplicate().position(start).limit(start + 25));
        out.putInt((int) headerCrc.getValue());
        out.put(payload);
    }

    /** The outcome of decoding one frame. */
    sealed interface Decoded {
    }

    /** A whole, valid frame of {@code frameBytes} bytes. */
    record Valid(Record record, int frameBytes) implements Decoded {
    }

    /** The bytes end before the frame does: {@code neededBytes} are required from the frame's start. */
    record Incomplete(long neededBytes) implements Decoded {
    }

    /** Not a valid frame. */
    record Invalid(String problem) implements Decoded {
    }

    /**
     * Decodes the frame starting at {@code in}'s position, looking only at bytes up to its limit; the buffer's
     * position and limit are left unchanged.
     */
    static Decoded decode(ByteBuffer in, int maxPayloadBytes) {
        int start = in.position();
        int available = in.remaining();
        if (available < HEADER_BYTES) {
            return new Incomplete(HEADER_BYTES);
        }
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(in.duplicate().limit(start + 25));
        if ((int) headerCrc.getValue() != in.getInt(start + 25)) {
            return new Invalid("record header checksum mismatch");
        }
        int payloadLength = in.getInt(start);
        RecordType type = RecordType.fromCode(in.get(start + 4));
        if (type == null) {
            return new Invalid("unknown record type " + in.get(start + 4));
        }
        if (payloadLength < 0 || payloadLength > maxPayloadBytes) {
            return new Invalid("record payload length " + payloadLength + " outside 0.." + maxPayloadBytes);
        }
        if (available < HEADER_BYTES + payloadLength) {
            return new Incomplete((long) HEADER_BYTES + payloadLength);
        }
        byte[] payload = new byte[payloadLength];
        in.get(start + HEADER_BYTES, payload);
        if (crc(payload) != in.getInt(start + 21)) {
            return new Invalid("record payload checksum mismatch");
        }
        Record record = new Record(type, in.getLong(start + 5), in.getLong(start + 13), payload);
        String problem = record.problem();
        return problem == null ? new Valid(record, HEADER_BYTES + payloadLength) : new Invalid(problem);
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }
}
