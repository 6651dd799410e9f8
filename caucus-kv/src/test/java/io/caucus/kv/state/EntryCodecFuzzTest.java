package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caucus.kv.command.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Damaged or hostile bytes where the key-value service reads its own formats: a log entry, a read, a reply, a
 * snapshot. Each either decodes (and then encodes to a form that decodes to itself) or is refused with the format's
 * own error; never another exception, never an allocation sized by a claimed length.
 *
 * <p>The default suite runs the saved inputs; to fuzz one: {@code JAZZER_FUZZ=1 ./mvnw -pl caucus-kv -am test
 * -Dtest='EntryCodecFuzzTest#entries' -Dsurefire.failIfNoSpecifiedTests=false} (docs/security.md).
 */
class EntryCodecFuzzTest {

    @FuzzTest(maxDuration = "30s")
    void entries(byte[] data) {
        KvEntry entry;
        try {
            entry = EntryCodec.decodeEntry(data);
        } catch (EntryCodec.MalformedException refused) {
            return;
        }
        byte[] encoded = EntryCodec.encode(entry);
        assertThat(EntryCodec.encode(EntryCodec.decodeEntry(encoded))).isEqualTo(encoded);
    }

    @FuzzTest(maxDuration = "30s")
    void queries(byte[] data) {
        KvQuery query;
        try {
            query = EntryCodec.decodeQuery(data);
        } catch (EntryCodec.MalformedException refused) {
            return;
        }
        byte[] encoded = EntryCodec.encode(query);
        assertThat(EntryCodec.encode(EntryCodec.decodeQuery(encoded))).isEqualTo(encoded);
    }

    @FuzzTest(maxDuration = "30s")
    void replies(byte[] data) {
        Reply reply;
        try {
            reply = EntryCodec.decodeReply(data);
        } catch (EntryCodec.MalformedException refused) {
            return;
        }
        byte[] encoded = EntryCodec.encode(reply);
        assertThat(EntryCodec.encode(EntryCodec.decodeReply(encoded))).isEqualTo(encoded);
    }

    @FuzzTest(maxDuration = "30s")
    void snapshots(byte[] data) {
        try {
            KvSnapshotFormat.read(new ByteArrayInputStream(data));
        } catch (IOException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }
}
