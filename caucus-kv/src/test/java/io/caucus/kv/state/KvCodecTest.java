package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvCodecTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyCommandRoundTrips() {
        List<KvWrite> writes = List.of(new KvWrite.Set(b("k"), b("v")), new KvWrite.Delete(List.of(b("a"), b("b"))),
                new KvWrite.IncrementBy(b("n"), Long.MIN_VALUE), new KvWrite.IncrementBy(b("n"), Long.MAX_VALUE),
                new KvWrite.Append(b("k"), new byte[0]),
                new KvWrite.MultiSet(List.of(b("a"), b("b")), List.of(b("1"), b("2"))),
                new KvWrite.CompareAndSet(b("k"), b("old"), b("new")));
        for (KvWrite write : writes) {
            KvCommand command = new KvCommand.SessionWrite(Long.MAX_VALUE, 300, write);
            byte[] encoded = KvCodec.encode(command);
            assertThat(KvCodec.encode(KvCodec.decodeCommand(encoded))).isEqualTo(encoded);
        }
        assertThat(KvCodec.decodeCommand(KvCodec.encode(new KvCommand.RegisterClient())))
                .isInstanceOf(KvCommand.RegisterClient.class);
    }

    @Test
    void aSetIsItsPayloadPlusAFewBytes() {
        byte[] encoded = KvCodec.encode(new KvCommand.SessionWrite(5, 7, new KvWrite.Set(b("key"), b("value"))));
        // version, tag, client, sequence, write tag, 2 lengths, 8 payload bytes
        assertThat(encoded).hasSize(15);
    }

    @Test
    void everyQueryAndResultRoundTrips() {
        for (KvQuery query : List.of(new KvQuery.Get(b("k")), new KvQuery.MultiGet(List.of(b("a"))),
                new KvQuery.Exists(List.of(b("a"), b("b"))), new KvQuery.Strlen(b("k")), new KvQuery.DbSize())) {
            byte[] encoded = KvCodec.encode(query);
            assertThat(KvCodec.encode(KvCodec.decodeQuery(encoded))).isEqualTo(encoded);
        }
        for (KvResult result : List.of(KvResult.OK, KvResult.NIL, new KvResult.Int(-3), new KvResult.Bulk(b("x")),
                new KvResult.Array(Arrays.asList(b("a"), null)), new KvResult.Error("ERR", "bad ünïcode"))) {
            byte[] encoded = KvCodec.encode(result);
            assertThat(KvCodec.encode(KvCodec.decodeResult(encoded))).isEqualTo(encoded);
        }
    }

    @Test
    void refusesUnknownVersionTagTruncationAndTrailingBytes() {
        byte[] good = KvCodec.encode(new KvCommand.SessionWrite(1, 1, new KvWrite.Set(b("k"), b("v"))));
        byte[] otherVersion = good.clone();
        otherVersion[0] = 2;
        assertThatThrownBy(() -> KvCodec.decodeCommand(otherVersion)).hasMessageContaining("format version 2");
        assertThatThrownBy(() -> KvCodec.decodeCommand(new byte[] {1, 77})).hasMessageContaining("unknown command tag");
        assertThatThrownBy(() -> KvCodec.decodeCommand(Arrays.copyOf(good, good.length - 1)))
                .hasMessageContaining("exceeds");
        assertThatThrownBy(() -> KvCodec.decodeCommand(Arrays.copyOf(good, good.length + 1)))
                .hasMessageContaining("trailing");
        assertThatThrownBy(() -> KvCodec.decodeCommand(new byte[0])).hasMessageContaining("truncated");
        assertThatThrownBy(() -> KvCodec.decodeQuery(new byte[] {1, 1, (byte) 0xFF, (byte) 0xFF, 0x7F}))
                .isInstanceOf(KvCodec.MalformedException.class);
    }
}
