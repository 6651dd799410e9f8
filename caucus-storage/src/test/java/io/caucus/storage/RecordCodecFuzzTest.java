package io.caucus.storage;

import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;

class RecordCodecFuzzTest {

    private static final int MAX_PAYLOAD = 1 << 16;

    @Property(tries = 2000)
    void arbitraryBytesNeverThrowAndAnyValidFrameReEncodesIdentically(@ForAll @Size(max = 200) byte[] bytes) {
        RecordCodec.Decoded decoded = RecordCodec.decode(ByteBuffer.wrap(bytes), MAX_PAYLOAD);
        if (decoded instanceof RecordCodec.Valid valid) {
            ByteBuffer again = ByteBuffer.allocate(valid.frameBytes());
            RecordCodec.encode(valid.record(), again);
            assertThat(again.array()).isEqualTo(java.util.Arrays.copyOf(bytes, valid.frameBytes()));
        }
    }

    @Property(tries = 1000)
    void aFrameRoundTrips(@ForAll("types") RecordType type, @ForAll @LongRange(min = 1) long term,
                          @ForAll @LongRange(min = 1) long index, @ForAll @Size(max = 300) byte[] payload) {
        byte[] body = type.isEntry() ? payload
                : type == RecordType.SEGMENT_HEADER ? java.util.Arrays.copyOf(payload, Long.BYTES) : new byte[0];
        Record record = new Record(type, term, index, body);
        ByteBuffer frame = encode(record);
        RecordCodec.Decoded decoded = RecordCodec.decode(frame, MAX_PAYLOAD);
        assertThat(decoded).isInstanceOf(RecordCodec.Valid.class);
        Record back = ((RecordCodec.Valid) decoded).record();
        assertThat(back.type()).isEqualTo(record.type());
        assertThat(back.term()).isEqualTo(term);
        assertThat(back.index()).isEqualTo(index);
        assertThat(back.payload()).isEqualTo(record.payload());
    }

    @Property(tries = 2000)
    void everySingleBitFlipIsDetected(@ForAll @Size(max = 100) byte[] payload, @ForAll @IntRange(min = 0) int where) {
        ByteBuffer frame = encode(new Record(RecordType.COMMAND, 3, 7, payload));
        int bit = where % (frame.limit() * 8);
        frame.put(bit / 8, (byte) (frame.get(bit / 8) ^ (1 << (bit % 8))));
        assertThat(RecordCodec.decode(frame, MAX_PAYLOAD)).isNotInstanceOf(RecordCodec.Valid.class);
    }

    @Property(tries = 500)
    void aCutFrameIsIncompleteNeverValid(@ForAll @Size(max = 100) byte[] payload, @ForAll @IntRange(min = 0) int cut) {
        ByteBuffer frame = encode(new Record(RecordType.NO_OP, 3, 7, payload));
        frame.limit(cut % frame.limit());
        assertThat(RecordCodec.decode(frame, MAX_PAYLOAD)).isInstanceOf(RecordCodec.Incomplete.class);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<RecordType> types() {
        return net.jqwik.api.Arbitraries.of(RecordType.COMMAND, RecordType.NO_OP, RecordType.CONFIGURATION,
                RecordType.SNAPSHOT_BASE, RecordType.TRUNCATE, RecordType.SEGMENT_HEADER, RecordType.HARD_STATE);
    }

    private static ByteBuffer encode(Record record) {
        ByteBuffer frame = ByteBuffer.allocate(RecordCodec.frameBytes(record.payload().length));
        RecordCodec.encode(record, frame);
        return frame.flip();
    }
}
