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
    void refusesEntriesOutOfOrder() {
        KvStateMachine machine = new KvStateMachine();
        assertThatThrownBy(() -> machine.apply(LogEntry.noOp(1, 2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("in order");
    }
}
