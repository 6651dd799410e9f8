package io.caucus.kv.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotMap.Migration;
import io.caucus.kv.slots.SlotRange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class SlotMapStateMachineTest {

    private static final List<NodeId> NODES = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    private final SlotMapStateMachine machine = new SlotMapStateMachine();
    private final SlotMap first = ShardLayout.of(NODES, 4, 3).initialMap();

    @Test
    void theFirstMapIsInstalledFromEpochZeroOnly() {
        assertThat(machine.current()).isEqualTo(SlotMap.EMPTY);
        assertThat(SlotMapStateMachine.installed(machine.apply(1, SlotMapStateMachine.install(0, first)))).isTrue();
        assertThat(machine.current()).isEqualTo(first);
        // A second node's install of the same first map (they race at start) changes nothing and says why.
        byte[] again = machine.apply(2, SlotMapStateMachine.install(0, first));
        assertThat(SlotMapStateMachine.installed(again)).isFalse();
        assertThat(ByteBuffer.wrap(again).getLong()).isEqualTo(1);
        assertThat(machine.current()).isEqualTo(first);
    }

    @Test
    void aChangeFromTheEpochInForceIsAppliedAndEpochsNeverGoBack() {
        machine.apply(1, SlotMapStateMachine.install(0, first));
        SlotMap moved = first.unassign(SlotRange.of(0, 9)).assign(SlotRange.of(0, 9), 3);
        assertThat(moved.epoch()).isGreaterThan(first.epoch());
        assertThat(SlotMapStateMachine.installed(machine.apply(2, SlotMapStateMachine.install(1, moved)))).isTrue();
        assertThat(machine.current()).isEqualTo(moved);
        // Stale expectation: refused.
        assertThat(SlotMapStateMachine.installed(machine.apply(3, SlotMapStateMachine.install(1, first)))).isFalse();
        // The right expectation but an older map: refused, so a reader never sees the epoch go back.
        assertThat(SlotMapStateMachine.installed(machine.apply(4,
                SlotMapStateMachine.install(moved.epoch(), first)))).isFalse();
        assertThat(machine.current()).isEqualTo(moved);
    }

    @Test
    void migrationsAreInstalledAndKeptInSnapshots() throws IOException {
        machine.apply(1, SlotMapStateMachine.install(0, first));
        SlotMap migrating = first.startMigration(SlotRange.of(0, 9), 3); // data group 2 owns slot 0
        assertThat(SlotMapStateMachine.installed(machine.apply(2, SlotMapStateMachine.install(1, migrating))))
                .isTrue();
        assertThat(machine.current().migrationOf(5)).hasValue(new Migration(SlotRange.of(0, 9), 2, 3));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        machine.snapshot(2).writeTo(out);
        SlotMapStateMachine restored = new SlotMapStateMachine();
        restored.restore(2, new ByteArrayInputStream(out.toByteArray()));
        assertThat(restored.current()).isEqualTo(migrating);
    }

    @Test
    void anInstallLoggedInTheFirstFormatIsStillApplied() {
        // A log written before migrations holds maps of format version 1: the same bytes without the migrations
        // field. Replaying it after an upgrade must install the same maps.
        byte[] current = first.encode();
        byte[] version1 = Arrays.copyOf(current, current.length - 4);
        version1[4] = 1;
        CRC32C crc = new CRC32C();
        crc.update(version1, 0, version1.length - 4);
        ByteBuffer.wrap(version1).putInt(version1.length - 4, (int) crc.getValue());
        byte[] command = withMap(SlotMapStateMachine.install(0, first), version1);
        assertThat(SlotMapStateMachine.installed(machine.apply(1, command))).isTrue();
        assertThat(machine.current()).isEqualTo(first);
    }

    /** {@code install} with its map's bytes replaced by {@code map}. */
    private static byte[] withMap(byte[] install, byte[] map) {
        return ByteBuffer.allocate(1 + 8 + map.length).put(install, 0, 1 + 8).put(map).array();
    }

    @Test
    void unreadableCommandsChangeNothingOnAnyReplica() {
        machine.apply(1, SlotMapStateMachine.install(0, first));
        byte[] corrupt = SlotMapStateMachine.install(1, first.unassign(SlotRange.of(0, 0)));
        corrupt[corrupt.length - 1] ^= 1; // the map's checksum
        for (byte[] command : List.of(new byte[0], new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 1}, corrupt)) {
            assertThat(SlotMapStateMachine.installed(machine.apply(2, command))).isFalse();
            assertThat(machine.current()).isEqualTo(first);
        }
    }

    @Test
    void aSnapshotRestoresTheMapAndQueriesAnswerIt() throws IOException {
        machine.apply(1, SlotMapStateMachine.install(0, first));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        machine.snapshot(1).writeTo(out);
        SlotMapStateMachine restored = new SlotMapStateMachine();
        restored.restore(1, new ByteArrayInputStream(out.toByteArray()));
        assertThat(restored.current()).isEqualTo(first);
        assertThat(SlotMap.decode(restored.query(new byte[0]))).isEqualTo(first);
    }
}
