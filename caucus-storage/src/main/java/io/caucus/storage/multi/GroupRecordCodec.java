package io.caucus.storage.multi;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The frame of every shared-WAL record (big-endian); the single-group log's frame with a group id:
 *
 * <pre>
 *   0  int   payload length (bytes)
 *   4  byte  record type ({@link GroupRecordType} code)
 *   5  long  group id
 *  13  long  term
 *  21  long  index
 *  29  int   CRC32C of the payload
 *  33  int   CRC32C of bytes 0..32
 *  37  ...   payload
 * </pre>
 *
 * The header has its own checksum so that a damaged length or group id is caught before it is believed, and so
 * that recovery can tell cheaply whether a valid frame starts at some byte.
 */
final class GroupRecordCodec {

    static final int HEADER_BYTES = 37;
    private static final int HEADER_CHECKED_BYTES = 33;
    /** Hard upper bound on any payload: keeps frames within an int. */
    static final int MAX_PAYLOAD_BYTES = 256 << 20;

    private GroupRecordCodec() {
    }

    static int frameBytes(GroupRecord record) {
        return HEADER_BYTES + record.payload().length;
    }

    /** Writes the frame of {@code record} at the buffer's position, advancing it. */
    static void encode(GroupRecord record, ByteBuffer out) {
        int start = out.position();
        byte[] payload = record.payload();
        out.putInt(payload.length);
        out.put((byte) record.type().code());
        out.putLong(record.group());
        out.putLong(record.term());
        out.putLong(record.index());
        out.putInt(crc(payload));
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(out.duplicate().position(start).limit(start + HEADER_CHECKED_BYTES));
        out.putInt((int) headerCrc.getValue());
        out.put(payload);
    }

    /** The outcome of decoding one frame. */
    sealed interface Decoded {
    }

    /** A whole, valid frame of {@code frameBytes} bytes. */
    record Valid(GroupRecord record, int frameBytes) implements Decoded {
    }

    /** The bytes end before the frame does. */
    record Incomplete() implements Decoded {
    }

    /** Not a valid frame. */
    record Invalid(String problem) implements Decoded {
    }

    /**
     * Decodes the frame starting at {@code in}'s position, looking only at bytes up to its limit; the buffer's
     * position and limit are left unchanged.
     */
    static Decoded decode(ByteBuffer in) {
        int start = in.position();
        int available = in.remaining();
        if (available < HEADER_BYTES) {
            return new Incomplete();
        }
        if (!headerChecksumMatches(in, start)) {
            return new Invalid("record header checksum mismatch");
        }
        int payloadLength = in.getInt(start);
        GroupRecordType type = GroupRecordType.fromCode(in.get(start + 4));
        if (type == null) {
            return new Invalid("unknown record type " + in.get(start + 4));
        }
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD_BYTES) {
            return new Invalid("record payload length " + payloadLength + " outside 0.." + MAX_PAYLOAD_BYTES);
        }
        if (available < HEADER_BYTES + payloadLength) {
            return new Incomplete();
        }
        byte[] payload = new byte[payloadLength];
        in.get(start + HEADER_BYTES, payload);
        if (crc(payload) != in.getInt(start + 29)) {
            return new Invalid("record payload checksum mismatch");
        }
        GroupRecord record = new GroupRecord(type, in.getLong(start + 5), in.getLong(start + 13),
                in.getLong(start + 21), payload);
        String problem = record.problem();
        return problem == null ? new Valid(record, HEADER_BYTES + payloadLength) : new Invalid(problem);
    }

    /** Whether a frame header with a matching checksum starts at {@code start} (and fits before the limit). */
    static boolean headerChecksumMatches(ByteBuffer in, int start) {
        if (in.limit() - start < HEADER_BYTES) {
            return false;
        }
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(in.duplicate().position(start).limit(start + HEADER_CHECKED_BYTES));
        return (int) headerCrc.getValue() == in.getInt(start + HEADER_CHECKED_BYTES);
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }
}
