package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.kv.command.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryCodecTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> argv(String... args) {
        return Arrays.stream(args).map(EntryCodecTest::b).toList();
    }

    @Test
    void everyEntryRoundTrips() {
        List<KvEntry> entries = List.of(new KvEntry.Register(17),
                new KvEntry.SessionCommand(Long.MAX_VALUE, Long.MAX_VALUE, 300, new KvEntry.Call(argv("SET", "k", "v"))),
                new KvEntry.SessionCommand(5, 1, 1, new KvEntry.Exec(
                        List.of(new KvEntry.Watch(b("w"), 42)), List.of(argv("INCR", "n"), argv("GET", "n")))),
                new KvEntry.SessionCommand(5, 1, 2, new KvEntry.Exec(List.of(), List.of())),
                new KvEntry.SessionCommand(6, 1, 3, new KvEntry.Call(argv("GET", "k")), true),
                new KvEntry.Sweep(1_700_000_000_000L, 1_000));
        for (KvEntry entry : entries) {
            byte[] encoded = EntryCodec.encode(entry);
            assertThat(EntryCodec.encode(EntryCodec.decodeEntry(encoded))).isEqualTo(encoded);
            assertThat(EntryCodec.decodeEntry(encoded)).usingRecursiveComparison().isEqualTo(entry);
        }
    }

    @Test
    void askingIsATagOfItsOwnSoEntriesWrittenBeforeItReadAsTheyDid() {
        KvEntry.Call call = new KvEntry.Call(argv("SET", "k", "v"));
        byte[] plain = EntryCodec.encode(new KvEntry.SessionCommand(0, 5, 7, call));
        byte[] asking = EntryCodec.encode(new KvEntry.SessionCommand(0, 5, 7, call, true));
        assertThat(plain[1]).isEqualTo((byte) 2); // SESSION, as every log written before ASKING holds it
        assertThat(asking[1]).isEqualTo((byte) 5);
        assertThat(Arrays.copyOfRange(asking, 2, asking.length)).isEqualTo(Arrays.copyOfRange(plain, 2, plain.length));
        assertThat(((KvEntry.SessionCommand) EntryCodec.decodeEntry(plain)).asking()).isFalse();
        assertThat(((KvEntry.SessionCommand) EntryCodec.decodeEntry(asking)).asking()).isTrue();
        assertThat(((KvQuery.Call) EntryCodec.decodeQuery(EntryCodec.encode(new KvQuery.Call(0, argv("GET", "k"),
                true)))).asking()).isTrue();
        assertThat(((KvQuery.Call) EntryCodec.decodeQuery(EntryCodec.encode(new KvQuery.Call(0, argv("GET", "k")))))
                .asking()).isFalse();
    }

    @Test
    void aSetIsItsPayloadPlusAFewBytesAndTheLeaderStampsItsTimeWithoutDecoding() {
        byte[] encoded = EntryCodec.encode(new KvEntry.SessionCommand(0, 5, 7, new KvEntry.Call(argv("SET", "key", "value"))));
        // version, tag, 8 time bytes, client, sequence, body tag, count, 3 lengths, 11 argument bytes = 28
        assertThat(encoded).hasSize(28);
        byte[] stamped = EntryCodec.stamp(encoded, 1_700_000_000_123L);
        assertThat(EntryCodec.decodeEntry(stamped).timeMillis()).isEqualTo(1_700_000_000_123L);
        assertThat(EntryCodec.decodeEntry(encoded).timeMillis()).isZero(); // a copy: the original is unchanged
        byte[] query = EntryCodec.encode(new KvQuery.Call(0, argv("GET", "key")));
        assertThat(EntryCodec.decodeQuery(EntryCodec.stamp(query, 99)).timeMillis()).isEqualTo(99);
    }

    @Test
    void everyQueryAndReplyRoundTrips() {
        for (KvQuery query : List.of(new KvQuery.Call(3, argv("MGET", "a", "b")), new KvQuery.Call(3, argv("GET", "a"),
                true), new KvQuery.WatchIndex(4))) {
            byte[] encoded = EntryCodec.encode(query);
            assertThat(EntryCodec.encode(EntryCodec.decodeQuery(encoded))).isEqualTo(encoded);
        }
        for (Reply reply : List.of(Reply.OK, Reply.NIL, Reply.NULL_ARRAY, new Reply.Int(-3), new Reply.Bulk(b("x")),
                new Reply.Status("QUEUED"), new Reply.Error("WRONGTYPE", "bad ünïcode"),
                new Reply.Array(List.of(Reply.bulk("0"), new Reply.Array(List.of(Reply.NIL, new Reply.Int(1))))))) {
            byte[] encoded = EntryCodec.encode(reply);
            assertThat(EntryCodec.decodeReply(encoded)).usingRecursiveComparison().isEqualTo(reply);
        }
    }

    @Test
    void versionOneEntriesAndRepliesAreStillRead() {
        // SESSION client 5 sequence 7: SET "k" "v", as version 1 wrote it
        KvEntry set = EntryCodec.decodeEntry(new byte[] {1, 2, 5, 7, 1, 1, 'k', 1, 'v'});
        assertThat(set).isInstanceOfSatisfying(KvEntry.SessionCommand.class, command -> {
            assertThat(command.clientId()).isEqualTo(5);
            assertThat(((KvEntry.Call) command.body()).argv()).containsExactly(b("SET"), b("k"), b("v"));
        });
        // INCRBY "n" -3 (zig-zag 5)
        KvEntry.SessionCommand incr = (KvEntry.SessionCommand) EntryCodec.decodeEntry(new byte[] {1, 2, 1, 1, 3, 1, 'n', 5});
        assertThat(((KvEntry.Call) incr.body()).argv()).containsExactly(b("INCRBY"), b("n"), b("-3"));
        assertThat(EntryCodec.decodeEntry(new byte[] {1, 1})).isInstanceOf(KvEntry.Register.class);
        // results: OK; an array of a bulk and a nil
        assertThat(EntryCodec.decodeReply(new byte[] {1, 1})).isEqualTo(Reply.OK);
        assertThat(EntryCodec.decodeReply(new byte[] {1, 5, 2, 1, 1, 'x', 0})).usingRecursiveComparison()
                .isEqualTo(new Reply.Array(List.of(new Reply.Bulk(b("x")), Reply.NIL)));
    }

    @Test
    void refusesUnknownVersionTagTruncationAndTrailingBytes() {
        byte[] good = EntryCodec.encode(new KvEntry.SessionCommand(0, 1, 1, new KvEntry.Call(argv("SET", "k", "v"))));
        byte[] otherVersion = good.clone();
        otherVersion[0] = 3;
        assertThatThrownBy(() -> EntryCodec.decodeEntry(otherVersion)).hasMessageContaining("format version 3");
        assertThatThrownBy(() -> EntryCodec.decodeEntry(new byte[] {2, 77, 0, 0, 0, 0, 0, 0, 0, 0}))
                .hasMessageContaining("unknown entry tag");
        assertThatThrownBy(() -> EntryCodec.decodeEntry(Arrays.copyOf(good, good.length - 1)))
                .hasMessageContaining("exceeds");
        assertThatThrownBy(() -> EntryCodec.decodeEntry(Arrays.copyOf(good, good.length + 1)))
                .hasMessageContaining("trailing");
        assertThatThrownBy(() -> EntryCodec.decodeEntry(new byte[0])).hasMessageContaining("truncated");
        assertThatThrownBy(() -> EntryCodec.decodeQuery(new byte[] {2, 1, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, 0x7F}))
                .isInstanceOf(EntryCodec.MalformedException.class);
    }
}
