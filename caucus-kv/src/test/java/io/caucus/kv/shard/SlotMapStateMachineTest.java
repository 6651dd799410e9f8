package io.caucus.kv.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.core.NodeId;
import io.caucus.kv.slots.SlotMap;
import io.caucus.kv.slots.SlotRange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
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
