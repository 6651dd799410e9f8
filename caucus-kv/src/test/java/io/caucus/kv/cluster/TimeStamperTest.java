package io.caucus.kv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.state.EntryCodec;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimeStamperTest {

    private final AtomicLong clock = new AtomicLong(1_000);
    private final TimeStamper stamper = new TimeStamper(clock::get);

    private static byte[] set() {
        return EntryCodec.encode(new KvEntry.SessionCommand(0, 1, 1, new KvEntry.Call(
                List.of("SET".getBytes(StandardCharsets.UTF_8), "k".getBytes(StandardCharsets.UTF_8),
                        "v".getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] get() {
        return EntryCodec.encode(new KvQuery.Call(0, List.of("GET".getBytes(StandardCharsets.UTF_8),
                "k".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void stampsTheClockOnEntriesAndQueriesAndChangesNothingElse() {
        byte[] entry = set();
        byte[] stamped = stamper.command(entry.clone());
        assertThat(EntryCodec.decodeEntry(stamped).timeMillis()).isEqualTo(1_000);
        assertThat(EntryCodec.stamp(stamped, 0)).isEqualTo(entry);

        clock.set(1_005);
        assertThat(EntryCodec.decodeQuery(stamper.query(get())).timeMillis()).isEqualTo(1_005);
        clock.set(1_009);
        assertThat(EntryCodec.decodeEntry(stamper.command(EntryCodec.encode(new KvEntry.Sweep(3, 10))))
                .timeMillis()).isEqualTo(1_009);
    }

    /** NTP may step the clock back; the order of stamps must still follow the order the node takes requests. */
    @Test
    void stampsNeverGoBackwardsWhenTheClockDoes() {
        clock.set(5_000);
        assertThat(EntryCodec.decodeEntry(stamper.command(set())).timeMillis()).isEqualTo(5_000);
        clock.set(4_000);
        assertThat(EntryCodec.decodeQuery(stamper.query(get())).timeMillis()).isEqualTo(5_000);
        assertThat(EntryCodec.decodeEntry(stamper.command(set())).timeMillis()).isEqualTo(5_000);
        clock.set(5_001);
        assertThat(EntryCodec.decodeEntry(stamper.command(set())).timeMillis()).isEqualTo(5_001);
    }

    /** Bytes that are no current entry (a version-1 entry carries no time; something too short) pass unchanged. */
    @Test
    void leavesWhatCarriesNoTimeAsItIs() {
        byte[] tooShort = {2, 1};
        assertThat(stamper.command(tooShort)).isEqualTo(new byte[] {2, 1});
        byte[] legacy = new byte[20];
        legacy[0] = 1;
        assertThat(stamper.command(legacy.clone())).isEqualTo(legacy);
    }
}
