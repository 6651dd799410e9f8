package io.caucus.sim.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caucus.core.LogEntry;
import org.junit.jupiter.api.Test;

class KvStateMachineTest {

    private long index;

    private LogEntry entry(KvCommand command) {
        return LogEntry.command(1, ++index, command.encode());
    }

    @Test
    void commandsRoundTripThroughTheirEncodingIncludingNullsAndSeparators() {
        KvCommand command = new KvCommand(3, 42, KvCommand.Kind.CAS, "k|1", "a:b|c", null);
        assertThat(KvCommand.decode(command.encode())).isEqualTo(command);
        KvCommand empty = new KvCommand(1, 1, KvCommand.Kind.PUT, "", "", "");
        assertThat(KvCommand.decode(empty.encode())).isEqualTo(empty);
    }

    @Test
    void garbageIsRejectedWithTheOffendingText() {
        assertThatThrownBy(() -> KvCommand.decode("nonsense".getBytes()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nonsense");
    }

    @Test
    void appliesPutAppendCasAndDelete() {
        KvStateMachine machine = new KvStateMachine();
        assertThat(machine.apply(entry(new KvCommand(1, 1, KvCommand.Kind.APPEND, "k", "a", null)))).isNull();
        machine.apply(entry(new KvCommand(1, 2, KvCommand.Kind.APPEND, "k", "b", null)));
        assertThat(machine.get("k")).isEqualTo("ab");
        assertThat(machine.apply(entry(new KvCommand(1, 3, KvCommand.Kind.CAS, "k", "c", "zz")))).isEqualTo("false");
        assertThat(machine.apply(entry(new KvCommand(1, 4, KvCommand.Kind.CAS, "k", "c", "ab")))).isEqualTo("true");
        assertThat(machine.get("k")).isEqualTo("c");
        machine.apply(entry(new KvCommand(1, 5, KvCommand.Kind.DELETE, "k", null, null)));
        assertThat(machine.get("k")).isNull();
        assertThat(machine.apply(entry(new KvCommand(1, 6, KvCommand.Kind.CAS, "k", "d", null)))).isEqualTo("true");
        machine.apply(LogEntry.noOp(2, ++index));
        assertThat(machine.appliedIndex()).isEqualTo(7);
        assertThat(machine.get("k")).isEqualTo("d");
    }

    @Test
    void aRepeatedOperationOfAClientAppliesOnceAndReturnsTheFirstResult() {
        KvStateMachine machine = new KvStateMachine();
        KvCommand cas = new KvCommand(1, 1, KvCommand.Kind.CAS, "k", "v", null);
        assertThat(machine.apply(entry(cas))).isEqualTo("true");
        assertThat(machine.apply(entry(cas))).as("remembered, not re-executed").isEqualTo("true");
        machine.apply(entry(new KvCommand(2, 1, KvCommand.Kind.APPEND, "k", "w", null)));
        machine.apply(entry(new KvCommand(2, 1, KvCommand.Kind.APPEND, "k", "w", null)));
        assertThat(machine.get("k")).isEqualTo("vw");
        assertThat(machine.appliedIndex()).isEqualTo(4);
    }

    @Test
    void aRestoredSnapshotCarriesDataAndSessionsAndSurvivesItsEncoding() {
        KvStateMachine machine = new KvStateMachine();
        machine.apply(entry(new KvCommand(1, 1, KvCommand.Kind.PUT, "a", "x", null)));
        machine.apply(entry(new KvCommand(2, 7, KvCommand.Kind.CAS, "b", "y", null)));
        KvSnapshot snapshot = machine.snapshot();
        assertThat(KvSnapshot.decode(snapshot.encode())).isEqualTo(snapshot);
        assertThat(KvSnapshot.decode(snapshot.encode()).digest()).isEqualTo(snapshot.digest());

        KvStateMachine restored = new KvStateMachine();
        restored.restore(KvSnapshot.decode(snapshot.encode()));
        assertThat(restored.appliedIndex()).isEqualTo(2);
        assertThat(restored.get("a")).isEqualTo("x");
        // The session came along: client 2's operation 7 is not applied a second time.
        assertThat(restored.apply(LogEntry.command(1, 3, new KvCommand(2, 7, KvCommand.Kind.CAS, "b", "z", null)
                .encode()))).isEqualTo("true");
        assertThat(restored.get("b")).isEqualTo("y");
        machine.apply(entry(new KvCommand(1, 2, KvCommand.Kind.PUT, "a", "changed", null)));
        assertThat(machine.snapshot().digest()).isNotEqualTo(snapshot.digest());
    }

    @Test
    void aTruncatedSnapshotIsRefused() {
        byte[] encoded = new KvStateMachine().snapshot().encode();
        assertThatThrownBy(() -> KvSnapshot.decode(java.util.Arrays.copyOf(encoded, encoded.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesEntriesOutOfOrder() {
        KvStateMachine machine = new KvStateMachine();
        assertThatThrownBy(() -> machine.apply(LogEntry.noOp(1, 2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("in order");
    }
}
