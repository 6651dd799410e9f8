package io.caucus.kv.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.kv.command.Reply;
import io.caucus.server.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class KvSnapshotTest {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A replica and the index of its last applied entry. */
    private static final class Replica {
        final KvStateMachine machine = new KvStateMachine(3);
        long index;
        long timeMillis = 1_700_000_000_000L;

        Reply apply(KvEntry entry) {
            return EntryCodec.decodeReply(machine.apply(++index, EntryCodec.encode(entry)));
        }

        long register() {
            return ((Reply.Int) apply(new KvEntry.Register(timeMillis))).value();
        }

        Reply write(long client, long sequence, String... args) {
            return writeBytes(client, sequence, Arrays.stream(args).map(KvSnapshotTest::b).toArray(byte[][]::new));
        }

        Reply writeBytes(long client, long sequence, byte[]... args) {
            return apply(new KvEntry.SessionCommand(timeMillis, client, sequence, new KvEntry.Call(List.of(args))));
        }

        Reply read(String... args) {
            return EntryCodec.decodeReply(machine.query(EntryCodec.encode(new KvQuery.Call(timeMillis,
                    Arrays.stream(args).map(KvSnapshotTest::b).toList()))));
        }

        byte[] get(String key) {
            return read("GET", key) instanceof Reply.Bulk bulk ? bulk.value() : null;
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
        source.write(a, 1, "SET", "k1", "v1");
        source.write(b, 1, "SET", "k2", "v2");
        source.write(c, 1, "DEL", "k2");
        source.write(a, 2, "INCRBY", "n", "5");
        byte[] snapshot = source.snapshotBytes();

        Replica restored = new Replica();
        restored.register(); // state that the restore must replace
        restored.write(1, 1, "SET", "stale", "x");
        restored.machine.restore(source.index, new ByteArrayInputStream(snapshot));
        restored.index = source.index;

        assertThat(restored.get("k1")).isEqualTo(b("v1"));
        assertThat(restored.get("k2")).isNull();
        assertThat(restored.get("stale")).isNull();
        assertThat(restored.read("DBSIZE")).isEqualTo(new Reply.Int(2));
        // A retried write returns its recorded result instead of applying again, on both replicas alike.
        for (Replica replica : List.of(source, restored)) {
            assertThat(replica.write(a, 2, "INCRBY", "n", "5")).isEqualTo(new Reply.Int(5));
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
            source.writeBytes(client, ++sequence, b("SET"), b("key-" + i), value);
        }
        Replica restored = new Replica();
        restored.machine.restore(source.index, new ByteArrayInputStream(source.snapshotBytes()));
        assertThat(restored.read("DBSIZE")).isEqualTo(new Reply.Int(written.size()));
        written.forEach((key, value) -> assertThat(restored.get(key)).as(key).isEqualTo(value));
    }

    @Test
    void writesWhileASnapshotIsWrittenAreNotInItButAreKept() throws IOException {
        Replica source = new Replica();
        long client = source.register();
        source.write(client, 1, "SET", "before", "1");
        source.write(client, 2, "SET", "gone", "2");
        long snapshotIndex = source.index;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StateMachine.Snapshot snapshot = source.machine.snapshot(snapshotIndex)) {
            source.write(client, 3, "SET", "after", "3");
            source.write(client, 4, "DEL", "gone");
            source.write(client, 5, "SET", "before", "changed");
            assertThat(source.get("gone")).isNull();
            assertThat(source.read("DBSIZE")).isEqualTo(new Reply.Int(2));
            snapshot.writeTo(out);
        }
        // After the snapshot closed, the writes made meanwhile are still there.
        assertThat(source.get("after")).isEqualTo(b("3"));
        assertThat(source.get("before")).isEqualTo(b("changed"));
        assertThat(source.get("gone")).isNull();
        assertThat(source.read("DBSIZE")).isEqualTo(new Reply.Int(2));

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
        source.write(client, 1, "SET", "key", "value");
        byte[] good = source.snapshotBytes();

        byte[] flipped = good.clone();
        flipped[good.length - 43] ^= 0x40; // inside the value bytes (before the empty moves section, fence and parts)
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

    /** Version 4 (before movers were fenced and large keys copied in parts) is read with neither. */
    @Test
    void aVersion4SnapshotIsStillRead() throws IOException {
        Replica source = new Replica();
        long client = source.register();
        source.write(client, 1, "SET", "key", "value");
        byte[] v5 = source.snapshotBytes();
        // Version 5 ends: ..., the slot moves section, the fence (8), the copies in parts (4), end marker, checksum.
        byte[] body = Arrays.copyOf(v5, v5.length - 8 - 4 - 8 + 4); // up to the moves section, then the end marker
        System.arraycopy(v5, v5.length - 8, body, body.length - 4, 4);
        ByteBuffer.wrap(body, 4, 4).putInt(4);
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] v4 = ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();

        Replica restored = new Replica();
        restored.machine.restore(source.index, new ByteArrayInputStream(v4));
        assertThat(restored.get("key")).isEqualTo(b("value"));
        assertThat(restored.machine.wholeStateFingerprint()).isEqualTo(source.machine.wholeStateFingerprint());
    }

    @Test
    void aRestoreInTheMiddleOfASnapshotLeavesTheSnapshotsViewAndTheNewStateApart() throws IOException {
        Replica source = new Replica();
        long client = source.register();
        source.write(client, 1, "SET", "k", "old");
        byte[] base = source.snapshotBytes();
        source.write(client, 2, "SET", "k", "new");
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

    @Test
    void everyTypeAndEveryTimeToLiveComesThroughARestoreAndTheRestoredReplicaAnswersAlike() throws IOException {
        Replica source = new Replica();
        long c = source.register();
        source.write(c, 1, "SET", "s", "v", "PX", "5000");
        source.write(c, 2, "HSET", "h", "f1", "a", "f2", "b");
        source.write(c, 3, "SADD", "set", "x", "y", "z");
        source.write(c, 4, "RPUSH", "l", "1", "2", "3");
        source.write(c, 5, "ZADD", "z", "1.5", "m1", "-2", "m2");
        source.write(c, 6, "EXPIRE", "h", "100");
        source.write(c, 7, "SET", "gone", "x", "PX", "10");
        source.timeMillis += 1_000; // "gone" has expired but is not swept: it is state, and comes along
        source.register();
        Replica restored = new Replica();
        restored.machine.restore(source.index, new ByteArrayInputStream(source.snapshotBytes()));
        restored.index = source.index;
        restored.timeMillis = source.timeMillis;
        assertThat(restored.machine.digest()).isEqualTo(source.machine.digest());
        for (String[] query : List.of(new String[] {"PTTL", "s"}, new String[] {"TTL", "h"},
                new String[] {"HGETALL", "h"}, new String[] {"SMEMBERS", "set"}, new String[] {"LRANGE", "l", "0", "-1"},
                new String[] {"ZRANGE", "z", "0", "-1", "WITHSCORES"}, new String[] {"EXISTS", "gone"},
                new String[] {"DBSIZE"}, new String[] {"SCAN", "0", "COUNT", "100"})) {
            assertThat(restored.read(query)).as(String.join(" ", query)).usingRecursiveComparison()
                    .isEqualTo(source.read(query));
        }
        assertThat(restored.read("PTTL", "s")).isEqualTo(new Reply.Int(4_000));
        // Time came along too: an entry stamped earlier than the snapshot's time runs at the snapshot's time.
        restored.timeMillis = 0;
        assertThat(restored.write(c, 8, "PTTL", "s")).isEqualTo(new Reply.Int(4_000));
    }

    @Test
    void aVersionOneSnapshotOfStringsIsStillRestored() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeInt(0x434B5653);
        out.writeInt(1);
        out.writeLong(9); // applied index
        out.writeInt(1); // one session: client 4, sequence 2, result OK (version-1 encoding)
        out.writeLong(4);
        out.writeLong(2);
        out.writeInt(2);
        out.write(new byte[] {1, 1});
        out.writeLong(1); // one key
        out.writeInt(1);
        out.write('k');
        out.writeInt(2);
        out.write(new byte[] {'v', '1'});
        out.writeInt(0x434B5645);
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        Replica restored = new Replica();
        restored.machine.restore(9, new ByteArrayInputStream(bytes.toByteArray()));
        restored.index = 9;
        assertThat(restored.get("k")).isEqualTo(b("v1"));
        assertThat(restored.write(4, 2, "SET", "k", "other")).isEqualTo(Reply.OK); // the recorded result, not applied
        assertThat(restored.get("k")).isEqualTo(b("v1"));
        assertThat(restored.write(4, 3, "APPEND", "k", "2")).isEqualTo(new Reply.Int(3));
    }
}
