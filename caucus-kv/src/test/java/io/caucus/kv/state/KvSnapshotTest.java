package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.server.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KvSnapshotTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A replica and the index of its last applied entry. */
    private static final class Replica {
        final KvStateMachine machine = new KvStateMachine(3);
        long index;

        KvResult apply(KvCommand command) {
            return KvCodec.decodeResult(machine.apply(++index, KvCodec.encode(command)));
        }

        long register() {
            return ((KvResult.Int) apply(new KvCommand.RegisterClient())).value();
        }

        KvResult write(long client, long sequence, KvWrite write) {
            return apply(new KvCommand.SessionWrite(client, sequence, write));
        }

        KvResult query(KvQuery query) {
            return KvCodec.decodeResult(machine.query(KvCodec.encode(query)));
        }

        byte[] get(String key) {
            return query(new KvQuery.Get(b(key))) instanceof KvResult.Bulk bulk ? bulk.value() : null;
        }

        byte[] snapshotBytes() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (StateMachine.Snapshot snapshot = machine.snapshot(index)) {
                snapshot.writeTo(out);
            }
            return out.toByteArray();
        }
    }

    @Test
    void aRestoredReplicaHasTheSameDataSessionsAndSessionOrder() throws IOException {
        Replica source = new Replica();
        long a = source.register();
        long b = source.register();
        long c = source.register();
        source.write(a, 1, new KvWrite.Set(b("k1"), b("v1")));
        source.write(b, 1, new KvWrite.Set(b("k2"), b("v2")));
        source.write(c, 1, new KvWrite.Delete(List.of(b("k2"))));
        source.write(a, 2, new KvWrite.IncrementBy(b("n"), 5));
        byte[] snapshot = source.snapshotBytes();

        Replica restored = new Replica();
        restored.register(); // state that the restore must replace
        restored.write(1, 1, new KvWrite.Set(b("stale"), b("x")));
        restored.machine.restore(source.index, new ByteArrayInputStream(snapshot));
        restored.index = source.index;

        assertThat(restored.get("k1")).isEqualTo(b("v1"));
        assertThat(restored.get("k2")).isNull();
        assertThat(restored.get("stale")).isNull();
        assertThat(restored.query(new KvQuery.DbSize())).isEqualTo(new KvResult.Int(2));
        // A retried write returns its recorded result instead of applying again, on both replicas alike.
        for (Replica replica : List.of(source, restored)) {
            assertThat(replica.write(a, 2, new KvWrite.IncrementBy(b("n"), 5))).isEqualTo(new KvResult.Int(5));
            // The LRU order came along: a new session now expires b (least recently used), not a or c.
            long d = replica.register();
            assertThat(replica.machine.hasSession(b)).isFalse();
            assertThat(replica.machine.hasSession(a)).isTrue();
            assertThat(replica.machine.hasSession(c)).isTrue();
            assertThat(replica.machine.hasSession(d)).isTrue();
        }
    }

    @Test
    void valuesOfAnySizeRoundTripAcrossTheEncodersBufferBoundaries() throws IOException {
        Replica source = new Replica();
        long client = source.register();
        Random random = new Random(7);
        Map<String, byte[]> written = new HashMap<>();
        long sequence = 0;
        // Many small values, some that straddle a 256 KiB buffer boundary, and some larger than the buffer.
        for (int i = 0; i < 3000; i++) {
            int size = i % 500 == 0 ? 300_000 + random.nextInt(700_000) : random.nextInt(400);
            byte[] value = new byte[size];
            random.nextBytes(value);
            written.put("key-" + i, value);
            source.write(client, ++sequence, new KvWrite.Set(b("key-" + i), value));
        }
        Replica restored = new Replica();
        restored.machine.restore(source.index, new ByteArrayInputStream(source.snapshotBytes()));
        assertThat(restored.query(new KvQuery.DbSize())).isEqualTo(new KvResult.Int(written.size()));
        written.forEach((key, value) -> assertThat(restored.get(key)).as(key).isEqualTo(value));
    }

    @Test
    void writesWhileASnapshotIsWrittenAreNotInItButAreKept() throws IOException {
        Replica source = new Replica();
        long client = source.register();
        source.write(client, 1, new KvWrite.Set(b("before"), b("1")));
        source.write(client, 2, new KvWrite.Set(b("gone"), b("2")));
        long snapshotIndex = source.index;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StateMachine.Snapshot snapshot = source.machine.snapshot(snapshotIndex)) {
            source.write(client, 3, new KvWrite.Set(b("after"), b("3")));
            source.write(client, 4, new KvWrite.Delete(List.of(b("gone"))));
            source.write(client, 5, new KvWrite.Set(b("before"), b("changed")));
            assertThat(source.get("gone")).isNull();
            assertThat(source.query(new KvQuery.DbSize())).isEqualTo(new KvResult.Int(2));
            snapshot.writeTo(out);
        }
        // After the snapshot closed, the writes made meanwhile are still there.
        assertThat(source.get("after")).isEqualTo(b("3"));
        assertThat(source.get("before")).isEqualTo(b("changed"));
        assertThat(source.get("gone")).isNull();
        assertThat(source.query(new KvQuery.DbSize())).isEqualTo(new KvResult.Int(2));

        Replica restored = new Replica();
        restored.machine.restore(snapshotIndex, new ByteArrayInputStream(out.toByteArray()));
        assertThat(restored.get("before")).isEqualTo(b("1"));
        assertThat(restored.get("gone")).isEqualTo(b("2"));
        assertThat(restored.get("after")).isNull();
    }

    @Test
    void aDamagedOrForeignSnapshotIsRefusedNamingTheProblem() throws IOException {
        Replica source = new Replica();
        long client = source.register();
        source.write(client, 1, new KvWrite.Set(b("key"), b("value")));
        byte[] good = source.snapshotBytes();

        byte[] flipped = good.clone();
        flipped[good.length - 12] ^= 0x40; // inside the value bytes
        assertThatThrownBy(() -> new Replica().machine.restore(source.index, new ByteArrayInputStream(flipped)))
                .isInstanceOf(IOException.class).hasMessageContaining("checksum mismatch");

        byte[] truncated = Arrays.copyOf(good, good.length - 6);
        assertThatThrownBy(() -> new Replica().machine.restore(source.index, new ByteArrayInputStream(truncated)))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated");

        byte[] newer = good.clone();
        newer[7] = 9;
        assertThatThrownBy(() -> new Replica().machine.restore(source.index, new ByteArrayInputStream(newer)))
                .isInstanceOf(IOException.class).hasMessageContaining("format version 9");

        assertThatThrownBy(() -> new Replica().machine.restore(source.index + 1, new ByteArrayInputStream(good)))
                .isInstanceOf(IOException.class).hasMessageContaining("taken at index " + source.index);
    }

    @Test
    void aRestoreInTheMiddleOfASnapshotLeavesTheSnapshotsViewAndTheNewStateApart() throws IOException {
        Replica source = new Replica();
        long client = source.register();
        source.write(client, 1, new KvWrite.Set(b("k"), b("old")));
        byte[] base = source.snapshotBytes();
        source.write(client, 2, new KvWrite.Set(b("k"), b("new")));
        StateMachine.Snapshot open = source.machine.snapshot(source.index);
        source.machine.restore(2, new ByteArrayInputStream(base));
        source.index = 2;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        open.writeTo(out);
        open.close(); // a late close must not fold the old overlay into the restored state
        assertThat(source.get("k")).isEqualTo(b("old"));
        Replica check = new Replica();
        check.machine.restore(3, new ByteArrayInputStream(out.toByteArray()));
        assertThat(check.get("k")).isEqualTo(b("new"));
    }
}
